"""The scheduler at England scale (issue 18): does it stand in the way of a conversation?

For one fraction, on SQLite and (when a PostgreSQL can be started here) on PostgreSQL:

- obligations_from_scratch_s: everyone's obligations computed from nothing, once per backend
  (what the first tick after migrating does); every measurement below starts from a copy of
  that primed data, as a running deployment has it.
- ack_during_tick: a real `supervision-bot serve` (web + scheduler + dispatcher in one process,
  the default deployment) starts with CLOCK_START at Monday 08:59:05; signed Slack DM events and
  Teams message activities go to it at a steady rate while its own scheduler crosses 09:00 and
  runs the Monday tick (every reminder and digest); the window closes when every digest is queued
  and nothing due is left unsent. Acks are timed from send to HTTP answer.
- serve_rss_mib: that process's resident memory (with any children) after the tick.
- monday_tick_s, idle_tick_s, monday_tick_no_charts_s: `Scheduler(engine, packs, clock).tick()`
  in this process on a fresh copy of the primed data: first at 08:59 (the day's first tick:
  reminders, retention, housekeeping, the monthly summary), then at 09:30 (the Monday tick:
  timed), then again at 09:30 (nothing new due: timed).
- sql_floor_s: one hand-written aggregate over the same data (staff per team and how many had a
  held session last month), as bench_digests' floor, written portably.
- history_3y_over_1y (with --history): obligations from scratch + the 08:59 and 09:30 ticks on
  three years of supervision history divided by the same on one year (same people and cases).
- PostgreSQL only, three_workers: the Monday tick by one `supervision-bot worker`, then by three
  at once on another fresh copy: wall time until everything is queued and sent, and duplicates
  and missed messages against the single run (outbox keys, sent rows, messages the fake Slack got).

Prints one JSON object last. Nothing here asserts a goal; bench/report.py marks them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from bench_digests import keep_closed_months
from bench_http import TENANT, caseworkers
from england import (
    DATA,
    LONDON,
    NOW,
    RECORD_KEY,
    SLACK_TEAM,
    TODAY,
    aad_object_id,
    ensure,
    slack_user,
)
from loadgen import FakeConnector, FakeSlack, Laps, listen, percentile
from pg import TempPostgres, available, free_port, load
from servers import SIGNING_SECRET
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.scheduler import Scheduler
from policy.packs import Pack, builtin_pack, builtin_pack_ids
from scheduling.obligations import Stats, refresh
from storage import crypto
from storage.db import create_engine
from storage.models import (
    Organisation,
    OutboxMessage,
    SessionAttendee,
    Staff,
    SupervisionSession,
    Team,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PRIME = datetime.combine(TODAY, clock_time(8, 59), tzinfo=LONDON).astimezone(UTC)
# The server starts this long before 09:00, by its own clock: its first tick (the day's first)
# runs at start, and a later one crosses 09:00. At the default 60 s interval, 08:59:05.
SERVE_LEAD = timedelta(seconds=55)
DIGEST_AT = datetime.combine(TODAY, clock_time(9, 0), tzinfo=LONDON).astimezone(UTC)
LAUNCH = "import sys; from bot.cli import main; sys.exit(main())"
# Settings a developer's shell may carry that would change what the servers do.
CLEARED = frozenset(
    (
        "DATABASE_URL",
        "DEMO_MODE",
        "SCHEDULER_ENABLED",
        "ENVIRONMENT",
        "CLOCK_START",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
        "SLACK_SOCKET_MODE",
        "SLACK_APP_TOKEN",
        "TEAMS_APP_ID",
        "TEAMS_APP_PASSWORD",
        "TEAMS_TENANT_ID",
        "PACKS_DIR",
        "SCHEMES_DIR",
    )
)


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _packs() -> dict[str, Pack]:
    return {pack_id: builtin_pack(pack_id) for pack_id in builtin_pack_ids()}


# ---------------------------------------------------------------------------------------------
# The database under test: a fresh SQLite copy or a fresh PostgreSQL database per measurement.


class Store:
    """Where the data lives; `fresh()` gives the URL of an untouched copy."""

    def __init__(self, sqlite: Path, pg: TempPostgres | None = None) -> None:
        self.sqlite, self.pg = sqlite, pg
        self.copies = 0
        self.template: str | None = None
        self.primed: Path | None = None
        self.made: list[Path] = []  # this store's own SQLite copies (other runs may share DATA)

    @property
    def backend(self) -> str:
        return "postgres" if self.pg else "sqlite"

    async def prepare(self) -> dict[str, Any]:
        """The copy every measurement starts from: the data (loaded into PostgreSQL when that is
        the backend) with everyone's obligations computed once, as a deployment has them after
        its first tick. That first computation is timed here (`obligations_from_scratch`)."""
        loaded: dict[str, Any] = {}
        if self.pg is None:
            self.primed = DATA / "work" / f"primed-{os.getpid()}-{self.sqlite.name}"
            self.primed.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.sqlite, self.primed)
            self.made += [self.primed, Path(f"{self.primed}-wal"), Path(f"{self.primed}-shm")]
            url = f"sqlite+aiosqlite:///{self.primed}"
        else:
            self.template = f"bench_{self.sqlite.stem.replace('-', '_').replace('.', '_')}"
            url = await self.pg.create(self.template)
            loaded = await load(self.sqlite, url)
        return {"load": loaded, "obligations_from_scratch": await prime(url)}

    async def fresh(self) -> str:
        self.copies += 1
        if self.pg is not None:
            return await self.pg.create(f"run_{self.copies}", self.template)
        copy = DATA / "work" / f"scheduler-{os.getpid()}-{self.copies}-{self.sqlite.name}"
        copy.parent.mkdir(parents=True, exist_ok=True)
        for stale in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
            stale.unlink(missing_ok=True)
        shutil.copyfile(self.primed or self.sqlite, copy)
        self.made += [copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")]
        return f"sqlite+aiosqlite:///{copy}"

    def cleanup(self) -> None:
        for path in self.made:
            path.unlink(missing_ok=True)


async def prime(url: str) -> dict[str, Any]:
    """Everyone's obligations computed from nothing, council by council (what the first tick
    after migrating does once; later ticks recompute only what changed)."""
    engine = create_engine(url, auto_checkpoint=False)  # as the scheduler's (see `morning`)
    packs = _packs()
    stats = Stats()
    began, cpu = time.perf_counter(), time.process_time()
    try:
        async with engine.connect() as connection:
            found = (await connection.execute(select(Organisation.id, Organisation.pack_id))).all()
        for organisation_id, pack_id in found:
            pack = packs[pack_id]
            await refresh(engine, organisation_id, pack, PRIME.astimezone(pack.zone).date(), stats)
            await stats.checkpoint(engine)  # as Scheduler does after a council's recomputation
        kept_s = await keep_closed_months(engine, packs, [o for o, _ in found], stats)
    finally:
        await engine.dispose()
    return {
        "seconds": round(time.perf_counter() - began, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
        "people": stats.recomputed,
        "longest_write_ms": round(stats.max_write_ms, 1),
        "writes": stats.writes,
        "writes_over_10ms": stats.over_10ms,
        "longest_checkpoint_ms": round(stats.max_checkpoint_ms, 1),
        "checkpoints": stats.checkpoints,
        "failures": len(stats.failures),
        "closed_months_kept_s": round(kept_s, 2),
    }


# ---------------------------------------------------------------------------------------------
# In-process ticks.


def scheduler_for(
    engine: AsyncEngine, packs: dict[str, Pack], clock: Callable[[], datetime], charts: bool
) -> tuple[Scheduler | None, str]:
    """The real Scheduler; without charts through a `charts=` argument if it has one, else by
    overriding its `_charts` step (bench_digests does the same), else not at all."""
    if "charts" in inspect.signature(Scheduler).parameters:
        return Scheduler(engine, packs, clock, charts=charts), "Scheduler(charts=...)"  # type: ignore[call-arg]
    if charts:
        return Scheduler(engine, packs, clock), "as is"
    if hasattr(Scheduler, "_charts"):

        class NoCharts(Scheduler):
            async def _charts(self, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
                return ()

        return NoCharts(engine, packs, clock), "Scheduler._charts overridden (bench)"
    return None, "charts cannot be switched off through Scheduler today"


async def timed(work: Awaitable[int]) -> dict[str, Any]:
    cpu, began = time.process_time(), time.perf_counter()
    queued = await work
    return {
        "seconds": round(time.perf_counter() - began, 3),
        "cpu_s": round(time.process_time() - cpu, 3),  # this process, every thread
        "queued": queued,
    }


async def morning(url: str, *, charts: bool) -> dict[str, Any]:
    """08:59 (the day's first tick), 09:30 (Monday: digests due), 09:30 again (nothing new).
    The engine is made as the scheduler's thread makes its own (scheduling.runner): on SQLite
    its commits do not checkpoint, the scheduler does between writes (timed apart)."""
    engine = create_engine(url, auto_checkpoint=False)
    moment = [PRIME]
    try:
        scheduler, how = scheduler_for(engine, _packs(), lambda: moment[0], charts)
        if scheduler is None:
            return {"skipped": how}
        first = await timed(scheduler.tick())
        moment[0] = NOW
        monday = await timed(scheduler.tick())
        idle = await timed(scheduler.tick())
        stats = getattr(scheduler, "stats", None)  # the scheduler's own record of its writes
        writes = (
            {
                "longest_write_ms": round(stats.max_write_ms, 1),
                "longest_write": stats.slowest,
                "writes_over_10ms": stats.over_10ms,
                "writes": stats.writes,
                "longest_checkpoint_ms": round(stats.max_checkpoint_ms, 1),
                "checkpoints": stats.checkpoints,
                "recomputed": stats.recomputed,
            }
            if stats is not None
            else {}
        )
    finally:
        await engine.dispose()
    return {"how": how, "first_of_day": first, "monday": monday, "idle": idle, **writes}


async def sql_floor(url: str, repeat: int = 3) -> dict[str, Any]:
    start = datetime(2026, 10, 1, tzinfo=UTC)
    end = datetime(2026, 11, 1, tzinfo=UTC)
    s, a, st = SupervisionSession.__table__, SessionAttendee.__table__, Staff.__table__
    held = exists().where(
        a.c.staff_id == st.c.id,
        s.c.id == a.c.session_id,
        s.c.status == "held",
        s.c.planned_start >= start,
        s.c.planned_start < end,
    )
    query = (
        select(st.c.team_id, func.count(), func.sum(case((held, 1), else_=0)))
        .where(st.c.team_id.is_not(None))
        .group_by(st.c.team_id)
    )
    engine = create_engine(url)
    best, rows = float("inf"), []
    try:
        for _ in range(repeat):
            began = time.perf_counter()
            async with engine.connect() as connection:
                rows = list((await connection.execute(query)).all())
            best = min(best, time.perf_counter() - began)
    finally:
        await engine.dispose()
    return {"seconds": round(best, 4), "teams": len(rows)}


# ---------------------------------------------------------------------------------------------
# Servers: the app as deployed, one process per `supervision-bot` command.


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        each = todo.pop()
        found.append(each)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{each}/task"):
                with open(f"/proc/{each}/task/{task}/children") as children:
                    todo.extend(int(c) for c in children.read().split())
    return found


def _status(pid: int, key: str) -> float:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


class App:
    """`supervision-bot serve|worker ...` from this checkout, with the bench's settings."""

    def __init__(
        self,
        args: list[str],
        url: str,
        slack_api: str,
        clock_start: datetime,
        log: Path,
        interval: float = 60.0,
    ) -> None:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if k not in CLEARED}
        env |= {
            "DATABASE_URL": url,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_API_URL": slack_api,
            "TEAMS_ALLOW_ANONYMOUS": "true",
            "RECORD_ENCRYPTION_KEY": RECORD_KEY,
            "LOG_LEVEL": "WARNING",
            "CLOCK_START": clock_start.isoformat(),
            "SCHEDULER_INTERVAL_S": f"{interval:g}",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "PYTHONPATH": str(ROOT),
            "PYTHONWARNINGS": "ignore",
        }
        self.cwd = tempfile.mkdtemp(prefix="bench-app-")  # no .env, no data/ of the checkout
        self.log = log.open("ab")
        self.started = time.monotonic()
        self.clock_start = clock_start
        self.process = subprocess.Popen(
            [sys.executable, "-c", LAUNCH, *args],
            env=env,
            cwd=self.cwd,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{self.port}"

    def now(self) -> datetime:
        """The app's clock, near enough: CLOCK_START plus the time since it was started."""
        return self.clock_start + timedelta(seconds=time.monotonic() - self.started)

    async def ready(self, http: aiohttp.ClientSession, within: float = 120.0) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the app exited with {self.process.returncode}: {self.log.name}"
                )
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with http.get(f"{self.url}/healthz") as reply:
                    if reply.status == 200:
                        return
            await asyncio.sleep(0.2)
        raise RuntimeError(f"the app did not answer /healthz within {within} s")

    def memory(self) -> dict[str, float]:
        pids = _tree(self.process.pid)
        return {
            "rss_mib": round(sum(_status(p, "VmRSS") for p in pids), 1),
            "peak_rss_mib": round(sum(_status(p, "VmHWM") for p in pids), 1),
            "processes": len(pids),
        }

    def cpu_seconds(self) -> float:
        total = 0.0
        for pid in _tree(self.process.pid):
            with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()
        shutil.rmtree(self.cwd, ignore_errors=True)


class FakeSlackFiles(FakeSlack):
    """The fake Slack Web API, plus what the dispatcher needs to post a digest with its charts
    (files_upload_v2's three calls) and a count of messages per channel."""

    def __init__(self) -> None:
        super().__init__()
        self.per_channel: Counter[str] = Counter()
        self.uploads = 0

    def app(self) -> web.Application:
        app = super().app()
        app.router.add_post("/upload/{n}", self._upload)
        return app

    async def _upload(self, request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="OK")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method == "files.getUploadURLExternal":
            self.uploads += 1
            self.calls[method] = self.calls.get(method, 0) + 1
            await request.read()
            n = self.uploads
            return web.json_response(
                {"ok": True, "upload_url": f"{self.url}/upload/{n}", "file_id": f"F{n:09d}"}
            )
        if method == "files.completeUploadExternal":
            self.calls[method] = self.calls.get(method, 0) + 1
            form: dict[str, Any] = dict(request.query)
            if request.content_type == "application/json":
                form |= await request.json()
            else:
                form |= dict(await request.post())
            files = form.get("files")
            listed = json.loads(files) if isinstance(files, str) else (files or [])
            return web.json_response({"ok": True, "files": [{"id": f["id"]} for f in listed]})
        if method == "chat.postMessage":
            payload: dict[str, Any] = dict(request.query)
            if request.content_type == "application/json":
                payload |= await request.json()
            else:
                payload |= dict(await request.post())
            self.per_channel[str(payload.get("channel"))] += 1
        return await super()._api(request)


# ---------------------------------------------------------------------------------------------
# Chat traffic at a steady rate (open loop: a stalled server does not slow the sender down).


@dataclass
class Sample:
    platform: str
    sent: float  # seconds since the load began
    ack_ms: float
    ok: bool


class Chat:
    """Signed Slack DM events and Teams personal-chat activities, as Slack and Teams send them."""

    def __init__(
        self, http: aiohttp.ClientSession, connector: FakeConnector, users: list[int]
    ) -> None:
        self.http, self.connector, self.users = http, connector, users
        self.verifier = SignatureVerifier(SIGNING_SECRET)
        self.numbers = iter(range(10**9))

    async def slack(self, url: str, staff_id: int, text: str = "caseload") -> tuple[float, bool]:
        number = next(self.numbers)
        user = slack_user(staff_id)
        stamp = time.time()
        body = json.dumps(
            {
                "token": "bench",
                "team_id": SLACK_TEAM,
                "api_app_id": "ABENCH",
                "type": "event_callback",
                "event_id": f"Ev{time.monotonic_ns():x}{number}",
                "event_time": int(stamp),
                "event": {
                    "type": "message",
                    "channel_type": "im",
                    "user": user,
                    "channel": f"D{user}",
                    "text": text,
                    "ts": f"{stamp:.6f}",
                    "event_ts": f"{stamp:.6f}",
                },
                "authorizations": [{"team_id": SLACK_TEAM, "user_id": "UBOT", "is_bot": True}],
            }
        )
        timestamp = str(int(stamp))
        headers = {
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": self.verifier.generate_signature(timestamp=timestamp, body=body),
        }
        return await self._post(f"{url}/slack/events", body, headers, 200)

    async def teams(self, url: str, staff_id: int, text: str = "caseload") -> tuple[float, bool]:
        number = next(self.numbers)
        body = json.dumps(
            {
                "type": "message",
                "id": f"bench-{time.monotonic_ns()}-{number}",
                "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                "channelId": "msteams",
                "serviceUrl": self.connector.url + "/",
                "from": {"id": f"29:{staff_id}", "aadObjectId": aad_object_id(staff_id)},
                "recipient": {"id": "28:bench-bot", "name": "Supervision Assistant"},
                "conversation": {
                    "id": f"a:bench-{staff_id}",
                    "conversationType": "personal",
                    "tenantId": TENANT,
                },
                "channelData": {"tenant": {"id": TENANT}},
                "locale": "en-GB",
                "textFormat": "plain",
                "text": text,
            }
        )
        headers = {"Content-Type": "application/json"}
        return await self._post(f"{url}/api/messages", body, headers, 202)

    async def _post(
        self, url: str, body: str, headers: dict[str, str], status: int
    ) -> tuple[float, bool]:
        started = time.perf_counter()
        try:
            async with self.http.post(url, data=body, headers=headers) as reply:
                await reply.read()
                ok = reply.status == status
        except (aiohttp.ClientError, TimeoutError):
            ok = False
        return (time.perf_counter() - started) * 1000, ok


async def warm_up(chat: Chat, url: str, users: list[int]) -> None:
    """Each person once on each platform (Bolt's auth.test, DMs opened, caches filled)."""
    gate = asyncio.Semaphore(8)

    async def one(staff_id: int) -> None:
        async with gate:
            await chat.slack(url, staff_id)
            await chat.teams(url, staff_id)

    await asyncio.gather(*(one(u) for u in users))


async def steady(
    chat: Chat, url: str, users: list[int], rate: float, stop: asyncio.Event
) -> list[Sample]:
    """`rate` Slack events and `rate` Teams turns a second until `stop`, each in its own task."""
    samples: list[Sample] = []
    tasks: set[asyncio.Task[None]] = set()
    began = time.perf_counter()

    async def one(platform: str, staff_id: int) -> None:
        sent = time.perf_counter() - began
        send = chat.slack if platform == "slack" else chat.teams
        ack_ms, ok = await send(url, staff_id)
        samples.append(Sample(platform, sent, ack_ms, ok))

    n = 0
    while not stop.is_set():
        for platform in ("slack", "teams"):
            task = asyncio.create_task(one(platform, users[n % len(users)]))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        n += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), max(0.0, began + n / rate - time.perf_counter()))
    if tasks:
        await asyncio.gather(*tasks)
    return samples


def summary(samples: list[Sample]) -> dict[str, Any]:
    good = [s.ack_ms for s in samples if s.ok]
    if not good:
        return {"requests": len(samples), "errors": len(samples)}
    return {
        "requests": len(samples),
        "errors": len(samples) - len(good),
        "p50_ms": round(percentile(good, 50), 1),
        "p99_ms": round(percentile(good, 99), 1),
        "max_ms": round(max(good), 1),
        "over_3s": sum(1 for s in samples if s.ack_ms > 3000 or not s.ok),
    }


# ---------------------------------------------------------------------------------------------
# Watching the outbox from outside.


class Outbox:
    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)

    async def expected_digests(self) -> int:
        t = Team.__table__
        query = select(
            func.count(), func.count(t.c.slack_channel_id), func.count(t.c.teams_channel_id)
        )
        async with self.engine.connect() as connection:
            teams, slack, teams_channels = (await connection.execute(query)).one()
        return int(teams + slack + teams_channels)  # the playground's, Slack's, Teams'

    async def counts(self, now: datetime) -> dict[str, int]:
        o = OutboxMessage.__table__
        waiting = o.c.status.in_(("pending", "claimed")) & (o.c.due_at <= now)
        query = select(
            func.count(),
            func.sum(case((o.c.kind == "digest", 1), else_=0)),
            func.sum(case((waiting, 1), else_=0)),
            func.sum(case((o.c.status == "sent", 1), else_=0)),
        )
        async with self.engine.connect() as connection:
            total, digests, due, sent = (await connection.execute(query)).one()
        return {"rows": total, "digests": digests or 0, "due_unsent": due or 0, "sent": sent or 0}

    async def keys(self) -> tuple[list[str], set[str]]:
        o = OutboxMessage.__table__
        async with self.engine.connect() as connection:
            rows = (await connection.execute(select(o.c.idempotency_key, o.c.status))).all()
        return [r[0] for r in rows], {r[0] for r in rows if r[1] == "sent"}

    async def close(self) -> None:
        await self.engine.dispose()


async def settled(
    outbox: Outbox,
    now: Callable[[], datetime],
    expected: int,
    within: float,
    quiet: float = 3.0,
    drain: float | None = None,
) -> dict[str, Any]:
    """Poll until every digest is queued and nothing due is unsent (for `quiet` seconds). With
    `drain`, stop anyway that many seconds after the last digest was queued: at 1x the
    dispatcher has a morning's reminders to post, long after the tick is over (`due_unsent`
    says how many were left)."""
    began = time.monotonic()
    first_digest = calm_since = all_queued = None
    counts: dict[str, int] = {}

    def result(done: bool) -> dict[str, Any]:
        return counts | {"settled": done, "first_digest_s": first_digest,
                         "all_digests_s": all_queued,
                         "waited_s": round(time.monotonic() - began, 1)}  # fmt: skip

    while time.monotonic() - began < within:
        counts = await outbox.counts(now())
        if counts["digests"] and first_digest is None:
            first_digest = round(time.monotonic() - began, 1)
        if counts["digests"] >= expected and all_queued is None:
            all_queued = round(time.monotonic() - began, 1)
        done = all_queued is not None and counts["due_unsent"] == 0
        calm_since = (calm_since or time.monotonic()) if done else None
        if calm_since and time.monotonic() - calm_since >= quiet:
            return result(True)
        drained = all_queued is not None and time.monotonic() - began - all_queued >= (drain or 0)
        if drain is not None and drained:
            return result(False)
        await asyncio.sleep(0.5)
    return result(False)


# ---------------------------------------------------------------------------------------------
# The measurements that run the app as deployed.


async def ack_during_tick(
    store: Store, users: list[int], rate: float, within: float, logs: Path, interval: float
) -> dict[str, Any]:
    url = await store.fresh()
    outbox = Outbox(url)
    expected = await outbox.expected_digests()
    fake, connector = FakeSlackFiles(), FakeConnector()
    slack_runner, fake.url = await listen(fake.app())
    teams_runner, connector.url = await listen(connector.app())
    # Shorter ticks (--quick): start-up and the warm-up take 3-6 s at 0.01x; the server's
    # first tick (the day's first) runs at start, and traffic starts up to 5 s before 09:00.
    lead = SERVE_LEAD if interval >= 60 else timedelta(seconds=max(9.0, 2 * interval))
    quiet = 3.0 if interval >= 60 else 1.0  # nothing due left unsent for this long: settled
    # Traffic starts this long before 09:00 (--quick: 2 s, enough for acks before the tick).
    ahead = 5.0 if interval >= 60 else 2.0
    log = logs / f"serve-{store.backend}.log"
    app = App(["serve"], url, f"{fake.url}/api/", DIGEST_AT - lead, log, interval)
    result: dict[str, Any] = {"expected_digest_rows": expected, "rate_per_s": rate}
    try:
        limit = aiohttp.TCPConnector(limit=0)
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(connector=limit, timeout=timeout) as http:
            await app.ready(http)
            result["rss_at_start_mib"] = app.memory()["rss_mib"]
            chat = Chat(http, connector, users)
            await warm_up(chat, app.url, users)
            # Traffic starts `ahead` seconds before the app's clock reaches 09:00.
            wait = (DIGEST_AT - timedelta(seconds=ahead) - app.now()).total_seconds()
            result["warm_up_ended_before_0900_s"] = round(wait + ahead, 1)
            await asyncio.sleep(max(0.0, wait))
            stop = asyncio.Event()
            load_before, cpu_before = load_average(), app.cpu_seconds()
            traffic = asyncio.create_task(steady(chat, app.url, users, rate, stop))
            watched = await settled(outbox, app.now, expected, within, quiet, drain=30.0)
            await asyncio.sleep(quiet)
            stop.set()
            samples = await traffic
            result["window"] = watched
            result["server_cpu_s"] = round(app.cpu_seconds() - cpu_before, 1)
            result["load_average"] = {"before": load_before, "after": load_average()}
            for platform in ("slack", "teams"):
                result[platform] = summary([s for s in samples if s.platform == platform])
            result["serve_memory"] = app.memory()
            result["slack_api_calls"] = dict(fake.calls)
    finally:
        app.stop()
        await outbox.close()
        await slack_runner.cleanup()
        await teams_runner.cleanup()
    return result


async def workers_run(
    store: Store, count: int, within: float, logs: Path, interval: float
) -> dict[str, Any]:
    """`count` workers start together at Monday 09:30 on a fresh copy: the Monday tick, shared."""
    url = await store.fresh()
    outbox = Outbox(url)
    expected = await outbox.expected_digests()
    fake, connector = FakeSlackFiles(), FakeConnector()
    slack_runner, fake.url = await listen(fake.app())
    teams_runner, connector.url = await listen(connector.app())
    began = time.monotonic()
    apps = [
        App(["worker"], url, f"{fake.url}/api/", NOW, logs / f"worker-{count}-{i}.log", interval)
        for i in range(count)
    ]
    try:
        watched = await settled(outbox, apps[0].now, expected, within)
        seconds = time.monotonic() - began - 3.0  # less the quiet period that confirmed it
        keys, sent = await outbox.keys()
    finally:
        for each in apps:
            each.stop()
        await outbox.close()
        await slack_runner.cleanup()
        await teams_runner.cleanup()
    return {
        "seconds": round(seconds, 2),
        "window": watched,
        "keys": keys,
        "sent": sent,
        "posts": fake.per_channel,
        "exit_codes": [a.process.returncode for a in apps],
    }


async def three_workers(store: Store, within: float, logs: Path, interval: float) -> dict[str, Any]:
    one = await workers_run(store, 1, within, logs, interval)
    three = await workers_run(store, 3, within, logs, interval)
    keys1, keys3 = set(one["keys"]), set(three["keys"])
    posts1, posts3 = one["posts"], three["posts"]
    channels = set(posts1) | set(posts3)
    duplicates = (len(three["keys"]) - len(keys3)) + sum(
        max(0, posts3[c] - posts1[c]) for c in channels
    )
    missed = (
        len(keys1 - keys3)
        + len(one["sent"] - three["sent"])
        + sum(max(0, posts1[c] - posts3[c]) for c in channels)
    )
    return {
        "single_s": one["seconds"],
        "three_s": three["seconds"],
        "rows": len(keys1),
        "sent_single": len(one["sent"]),
        "sent_three": len(three["sent"]),
        "slack_posts_single": sum(posts1.values()),
        "slack_posts_three": sum(posts3.values()),
        "duplicates": duplicates,
        "missed": missed,
        "extra_keys": len(keys3 - keys1),
        "settled": one["window"]["settled"] and three["window"]["settled"],
    }


# ---------------------------------------------------------------------------------------------


async def measure_backend(
    store: Store, fraction: float, args: argparse.Namespace, logs: Path
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "backend": store.backend,
        "tick_interval_s": args.tick_interval,
        "load_average_start": load_average(),
    }
    lap = Laps()  # where the run's own time went, for a shorter --quick

    prepared = await store.prepare()
    lap("prepare")
    result["load"] = prepared["load"]
    result["obligations_from_scratch"] = prepared["obligations_from_scratch"]
    result["obligations_from_scratch_s"] = prepared["obligations_from_scratch"]["seconds"]
    users = caseworkers(store.sqlite, args.users)
    within = args.within or 180.0 + 4000.0 * fraction
    if not args.skip_serve:
        ack = await ack_during_tick(store, users, args.rate, within, logs, args.tick_interval)
        result["ack_during_tick"] = {p: ack.pop(p) for p in ("slack", "teams")}
        result["serve_rss_mib"] = ack["serve_memory"]["rss_mib"]
        result["serve_run"] = ack
        lap("serve")
    with_charts = await morning(await store.fresh(), charts=True)
    without = await morning(await store.fresh(), charts=False)
    floor = await sql_floor(await store.fresh())
    lap("ticks")
    result["ticks"] = {"with_charts": with_charts, "without_charts": without}
    result["monday_tick_s"] = with_charts["monday"]["seconds"]
    result["idle_tick_s"] = with_charts["idle"]["seconds"]
    result["first_tick_of_day_s"] = with_charts["first_of_day"]["seconds"]
    result["monday_tick_no_charts_s"] = without.get("monday", {}).get("seconds")
    result["no_charts_how"] = without.get("how") or without.get("skipped")
    result["sql_floor_s"] = floor["seconds"]
    result["sql_floor"] = floor
    if store.pg is not None and not args.skip_workers:
        result["three_workers"] = await three_workers(store, within, logs, args.tick_interval)
        lap("workers")
    result["sections_s"] = lap.sections
    result["load_average_end"] = load_average()
    return result


async def history(fraction: float, seed: int) -> dict[str, Any]:
    """Everyone's obligations from nothing, the day's first tick and the Monday tick, on one and
    on three years of history (same people and cases). The ticks run without charts: a chart
    draws the weeks a digest shows whatever the history's length, so its cost, the same in both,
    would only pull the ratio towards 1 (and start a pool of chart processes twice more)."""
    costs: dict[str, Any] = {}
    for years in (1, 3):
        path, summary_ = await asyncio.to_thread(ensure, fraction, seed, years)
        store = Store(path)
        try:
            scratch = (await store.prepare())["obligations_from_scratch"]
            ticks = await morning(await store.fresh(), charts=False)
        finally:
            store.cleanup()
        costs[f"{years}y"] = {
            "sessions": summary_.sessions,
            "from_scratch_s": scratch["seconds"],
            "first_of_day_s": ticks["first_of_day"]["seconds"],
            "monday_s": ticks["monday"]["seconds"],
            "idle_s": ticks["idle"]["seconds"],
            "cpu_s": round(
                scratch["cpu_s"] + sum(ticks[k]["cpu_s"] for k in ("first_of_day", "monday")), 3
            ),
        }
    one, three = costs["1y"], costs["3y"]
    parts = ("from_scratch_s", "first_of_day_s", "monday_s")
    ratio = sum(three[k] for k in parts) / sum(one[k] for k in parts)
    return {
        "fraction": fraction,
        "ratio": round(ratio, 2),
        "cpu_ratio": round(three["cpu_s"] / one["cpu_s"], 2) if one["cpu_s"] else None,
        **costs,
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    crypto.configure(RECORD_KEY)
    path, _ = await asyncio.to_thread(ensure, args.fraction, args.seed)
    logs = Path(tempfile.mkdtemp(prefix="bench-scheduler-logs-"))
    out: dict[str, Any] = {"fraction": args.fraction, "logs": str(logs)}
    store = Store(path)
    try:
        out["sqlite"] = await measure_backend(store, args.fraction, args, logs)
    finally:
        store.cleanup()
    began = time.perf_counter()
    if args.history is not None:
        out["sqlite"]["history"] = await history(args.history, args.seed)
        out["sqlite"]["history_3y_over_1y"] = out["sqlite"]["history"]["ratio"]
        out["sqlite"]["sections_s"]["history"] = round(time.perf_counter() - began, 1)
    reason = "--no-postgres" if args.no_postgres else available()
    if reason:
        out["postgres"] = {"skipped": reason}
        return out
    began = time.perf_counter()
    with TempPostgres() as pg:
        version = await pg.scalar("SHOW server_version")
        started = round(time.perf_counter() - began, 1)
        out["postgres"] = await measure_backend(Store(path, pg), args.fraction, args, logs)
        out["postgres"]["server"] = f"PostgreSQL {version}, local binaries, temporary cluster"
        out["postgres"]["sections_s"]["server_start"] = started
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fraction", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--rate", type=float, default=5.0, help="Slack events (and as many Teams turns) a second"
    )
    parser.add_argument("--users", type=int, default=60, help="distinct caseworkers sending")
    parser.add_argument("--within", type=float, default=None, help="seconds to wait for the tick")
    parser.add_argument("--history", type=float, default=None, metavar="FRACTION",
                        help="also compare 3 years of history with 1 at this fraction")  # fmt: skip
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--tick-interval", type=float, default=60.0,
                        help="the servers' SCHEDULER_INTERVAL_S (60, the default, as deployed; "
                        "--quick uses 4, and starts the server 9 s before 09:00)")  # fmt: skip
    parser.add_argument("--skip-serve", action="store_true", help="in-process ticks only")
    parser.add_argument("--skip-workers", action="store_true", help="no three-worker run")
    args = parser.parse_args()
    began = time.perf_counter()
    result = asyncio.run(main_async(args))
    result["seconds"] = round(time.perf_counter() - began, 1)
    print(json.dumps(result, default=list))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
