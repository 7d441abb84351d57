"""One app per process on 127.0.0.1 (ephemeral port), so each server's memory can be read alone.

Run as `python bench/servers.py ours|bare-slack|bare-teams --slack-api URL [--db FILE]`: it prints
`PORT <n>` once listening and serves until SIGTERM. `Server` starts and stops one from the parent.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import select
import signal
import subprocess
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web

HERE = Path(__file__).resolve().parent
SIGNING_SECRET = "bench-signing-secret"
OAUTH_CLIENT_ID = "1111111111.2222222222"  # the Slack app's, for OAuth installs (issue 24)
OAUTH_CLIENT_SECRET = "bench-oauth-client-secret"


def build(
    kind: str, slack_api: str, database: str | Path | None, metadata_url: str | None = None,
    oauth: bool = False,
) -> web.Application:  # fmt: skip
    """`metadata_url`: Teams authentication on, keys from that OpenID metadata (issue 24);
    `oauth`: our app installs into Slack workspaces through OAuth rather than one bot token;
    `database`: a SQLite file or a PostgreSQL URL."""
    if metadata_url:
        from microsoft_agents.authentication.msal import MsalAuth

        # The bot's own token for its replies to the connector comes from Entra ID through MSAL
        # (cached by MSAL for an hour): a constant here, in both Teams apps alike.
        async def outbound_token(*_args: object, **_kwargs: object) -> str:
            return "bench-outbound-token"

        MsalAuth.get_access_token = outbound_token  # type: ignore[method-assign]
    if kind == "bare-slack":
        import bare_slack

        return bare_slack.build(SIGNING_SECRET, slack_api)
    if kind == "bare-teams":
        import bare_teams
        from identity_provider import APP_ID, APP_PASSWORD, TENANT

        auth = {"client_id": APP_ID, "tenant_id": TENANT, "client_secret": APP_PASSWORD,
                "metadata_url": metadata_url}  # fmt: skip
        return bare_teams.build(auth if metadata_url else None)
    from england import NOW, RECORD_KEY
    from identity_provider import APP_ID, APP_PASSWORD, TENANT

    from bot.app import create_app
    from bot.clock import Clock
    from bot.settings import Settings
    from storage import crypto

    assert database is not None, "our app needs --db"
    crypto.configure(RECORD_KEY)
    url = str(database) if "://" in str(database) else f"sqlite+aiosqlite:///{database}"
    slack: dict[str, object] = (
        {"slack_client_id": OAUTH_CLIENT_ID, "slack_client_secret": OAUTH_CLIENT_SECRET}
        if oauth
        else {"slack_bot_token": "xoxb-bench"}
    )
    teams: dict[str, object] = (
        {"teams_allow_anonymous": False, "teams_app_id": APP_ID, "teams_app_password": APP_PASSWORD,
         "teams_tenant_id": TENANT, "teams_openid_metadata_url": metadata_url}
        if metadata_url
        else {"teams_allow_anonymous": True}
    )  # fmt: skip
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        slack_signing_secret=SIGNING_SECRET,  # type: ignore[arg-type]
        slack_api_url=slack_api,
        scheduler_enabled=False,
        **slack,  # type: ignore[arg-type]
        **teams,  # type: ignore[arg-type]
        record_encryption_key=RECORD_KEY,  # type: ignore[arg-type]
        log_level="WARNING",
    )
    # The data is generated for a fixed Monday morning; the app's clock is set to it.
    clock = Clock(offset=NOW - datetime.now(UTC))
    return create_app(settings, clock=clock, run_scheduler=False)


async def serve(
    app: web.Application, port: int = 0, reuse_port: bool = False, on_port: Any = None
) -> None:
    """Serve until SIGTERM; the port goes to `on_port`, or to stdout as `PORT <n>`."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    # Several processes may share one port (SO_REUSEPORT: the kernel spreads connections).
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=1024, reuse_port=reuse_port or None)
    await site.start()
    port = runner.addresses[0][1]
    if on_port is None:
        print(f"PORT {port}", flush=True)
    else:
        on_port(port)
    await stop.wait()
    await runner.cleanup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=("ours", "bare-slack", "bare-teams"))
    parser.add_argument("--slack-api", required=True, help="the fake Slack Web API, ending /api/")
    parser.add_argument("--db", help="a SQLite file or a PostgreSQL URL (ours)")
    parser.add_argument("--metadata-url", help="Teams tokens on, keys from this OpenID metadata")
    parser.add_argument("--oauth", action="store_true", help="Slack workspaces install by OAuth")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--reuse-port", action="store_true", help="share the port with others")
    args = parser.parse_args()
    quiet_logs()
    app = build(args.kind, args.slack_api, args.db, args.metadata_url, args.oauth)
    profile_to = os.environ.get("BENCH_PROFILE")  # a cProfile of the whole serve, for digging
    if not profile_to:
        asyncio.run(serve(app, args.port, args.reuse_port))
        return 0
    import cProfile

    profiler = cProfile.Profile()
    profiler.runcall(asyncio.run, serve(app, args.port, args.reuse_port))
    profiler.dump_stats(f"{profile_to}.{args.kind}")
    return 0


def quiet_logs() -> None:
    logging.basicConfig(level=logging.WARNING)
    # Both Teams apps would log this SDK warning on every activity (anonymous, no app id).
    logging.getLogger("microsoft_agents.hosting.core.connector.client.user_token_client").setLevel(
        logging.ERROR
    )
    warnings.simplefilter("ignore")  # the SDK's NotAppKeyWarning would only add noise


# --quick: our app's servers are forked from one process that has imported what the app imports,
# so each of the seven a run starts takes a second or two instead of the 3-4 s of imports a fresh
# interpreter spends. Each server is still a process of its own, its CPU read from /proc as
# before. Its memory is not quite: a forked process counts the shared libraries' pages only as
# it touches them again (its anonymous memory, the interpreter's and the modules', is counted
# in full), about 20 MiB less than a fresh process at start. So full runs start fresh
# interpreters, whose memory is the figure to quote. The bare apps always start fresh: forked
# from ours, their memory would carry our app's imports.
PRELOAD = [
    *("servers", "england", "identity_provider", "bot.app", "bot.slack.http", "bot.teams.http"),
    *("microsoft_agents.authentication.msal", "aiosqlite", "asyncpg"),
]
_forks: Any = None


def forks() -> Any:
    """The forkserver context our servers start from (started on first use, then kept)."""
    global _forks
    if _forks is None:
        _forks = multiprocessing.get_context("forkserver")
        _forks.set_forkserver_preload(PRELOAD)
    return _forks


def forked(
    reply: Any, kind: str, slack_api: str, database: str | None, metadata_url: str | None,
    oauth: bool, port: int, reuse_port: bool,
) -> None:  # fmt: skip
    """A server process forked from the preloaded one: as `main`, the port sent on `reply`."""
    quiet_logs()
    try:
        app = build(kind, slack_api, database, metadata_url, oauth)
    except BaseException as exc:
        reply.send(f"failed: {exc!r}")
        raise
    asyncio.run(serve(app, port, reuse_port, on_port=reply.send))


class Server:
    """A server process: `with Server(...) as s:` then s.url, s.memory()."""

    def __init__(
        self, kind: str, slack_api: str, database: Path | str | None = None, processes: int = 1,
        *, metadata_url: str | None = None, oauth: bool = False, fork: bool = False,
    ) -> None:  # fmt: skip
        """`processes` > 1: that many server processes on one port (SO_REUSEPORT), as
        several `serve` processes behind one address on one host. `fork` (our app only): fork
        them from a process that has the app imported (--quick, above)."""
        command = [sys.executable, str(HERE / "servers.py"), kind, "--slack-api", slack_api]
        if database is not None:
            command += ["--db", str(database)]
        if metadata_url:
            command += ["--metadata-url", metadata_url]
        if oauth:
            command.append("--oauth")
        if processes > 1:
            command.append("--reuse-port")
        self.kind = kind
        self.others: list[Any] = []
        if fork and kind == "ours" and not os.environ.get("BENCH_PROFILE"):
            options = (kind, slack_api, None if database is None else str(database),
                       metadata_url, oauth)  # fmt: skip
            self.process: Any = self._fork(*options, port=0, reuse=processes > 1)
            self.port = self._fork_port(self.process)
            for _ in range(processes - 1):
                other = self._fork(*options, port=self.port, reuse=True)
                self.others.append(other)
                self._fork_port(other)
        else:
            self.process = subprocess.Popen(
                command, stdout=subprocess.PIPE, text=True, cwd=HERE.parent
            )
            self.port = self._read_port(self.process, within=60.0)
            for _ in range(processes - 1):
                other = subprocess.Popen(
                    [*command, "--port", str(self.port)], stdout=subprocess.PIPE, text=True,
                    cwd=HERE.parent,
                )  # fmt: skip
                self.others.append(other)
                self._read_port(other, within=60.0)
        self.url = f"http://127.0.0.1:{self.port}"

    def _fork(self, *options: Any, port: int, reuse: bool) -> Any:
        ours, theirs = forks().Pipe(duplex=False)
        process = forks().Process(target=forked, args=(theirs, *options, port, reuse), daemon=True)
        process.start()
        theirs.close()
        process.reply = ours
        return process

    def _fork_port(self, process: Any, within: float = 60.0) -> int:
        if process.reply.poll(within):
            try:
                said = process.reply.recv()
            except EOFError:  # it exited before saying anything
                said = f"exited with {process.exitcode}"
            if isinstance(said, int):
                return said
            self.stop()
            raise RuntimeError(f"{self.kind} server {said}")
        self.stop()
        raise RuntimeError(f"{self.kind} server did not start within {within} s")

    def _read_port(self, process: subprocess.Popen[str], within: float) -> int:
        assert process.stdout is not None
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{self.kind} server exited with {process.returncode}")
            ready, _, _ = select.select([process.stdout], [], [], 0.5)
            if ready:
                line = process.stdout.readline()
                if line.startswith("PORT "):
                    return int(line.split()[1])
        self.stop()
        raise RuntimeError(f"{self.kind} server did not start within {within} s")

    def memory(self) -> dict[str, float]:
        """Resident memory now and at its peak, in MiB (Linux /proc)."""
        found: dict[str, float] = {}
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    found[key] = round(int(value.split()[0]) / 1024, 1)
        return {"rss_mib": found.get("VmRSS", 0.0), "peak_rss_mib": found.get("VmHWM", 0.0)}

    def cpu_seconds(self) -> float:
        """CPU time the server has used so far (user + system, all its threads): unlike
        latency, this barely moves with whatever else the machine is doing."""
        used = 0
        for process in (self.process, *self.others):  # every process of the server
            with open(f"/proc/{process.pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            used += int(fields[11]) + int(fields[12])
        return used / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """SIGTERM to every process of the server first, then wait for each (they shut down
        side by side), killing any that takes longer than 15 s."""
        processes = [p for p in (*self.others, self.process) if p is not None]
        for process in processes:
            process.terminate()
        for process in processes:
            if isinstance(process, subprocess.Popen):
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
                if process.stdout is not None:
                    process.stdout.close()
            else:
                process.join(15)
                if process.is_alive():
                    process.kill()
                    process.join(5)
                process.reply.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


if __name__ == "__main__":
    raise SystemExit(main())
