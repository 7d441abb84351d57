"""`supervision-bot serve`: run the web application (and, by default, the scheduler)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import signal
import socket
import sys
from typing import TYPE_CHECKING

from bot.commands import demo
from bot.runtime import settings_or_exit

if TYPE_CHECKING:
    from bot.settings import Settings


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "serve",
        help="run the bot (Slack, Teams and, with --demo, the web playground)",
        description=(
            "Runs the bot's web server. With --demo it also serves the playground at "
            "http://localhost:3978/ where you can try every conversation without Slack or Teams."
        ),
    )
    parser.add_argument("--demo", action="store_true", help="serve the local playground")
    parser.add_argument("--host", help="address to listen on (default from HOST, 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default from PORT, 3978)")
    parser.add_argument(
        "--no-scheduler",
        action="store_true",
        help="serve the web app only; run reminders and digests with `supervision-bot worker`",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help=(
            "web processes sharing the port (Linux and macOS; default 1). One of them runs the "
            "scheduler unless --no-scheduler; see docs/deployment.md for more hosts"
        ),
    )
    parser.set_defaults(handler=run)
    worker = commands.add_parser(
        "worker",
        help="send reminders, digests and queued messages without serving the web app",
        description=(
            "Runs the scheduler and the outbox dispatcher only. Run several web instances with "
            "`serve --no-scheduler` and one or more workers; on PostgreSQL any number is safe."
        ),
    )
    worker.set_defaults(handler=run_worker)


NO_DATABASE = (
    "supervision-bot {command}: the database has no tables yet. Create it first with\n"
    "  supervision-bot init --org SLUG --name NAME --pack PACK\n"
    "(or `supervision-bot serve --demo`, which creates it with the demo council)."
)


def _database_missing(settings: Settings) -> bool:
    """No tables at all: the scheduler would log 'no such table' on every tick (issue 21)."""
    from storage.migrate import current_revision  # alembic: loaded by the commands that use it

    return asyncio.run(current_revision(settings.database_url)) is None


def run(args: argparse.Namespace) -> int:
    workers = args.workers
    if workers < 1 or workers > MAX_WORKERS:
        print(f"supervision-bot serve: --workers takes 1 to {MAX_WORKERS}, not {workers}")
        return 2
    if workers > 1 and not hasattr(socket, "SO_REUSEPORT"):
        print(
            "supervision-bot serve: --workers needs Linux or macOS (SO_REUSEPORT); on this "
            "system run one `serve` per port behind a load balancer (docs/deployment.md)"
        )
        return 2
    from aiohttp import web

    from bot.app import create_app  # the app and the SDKs: loaded by the commands that use them

    settings = settings_or_exit()
    if args.demo:
        if settings.environment == "production":
            print("supervision-bot serve: --demo is refused when ENVIRONMENT=production")
            return 2
        settings = settings.model_copy(update={"demo_mode": True})
        # In an empty folder too: create the database and add the demo council once, as
        # `supervision-bot demo --if-empty` does (a second start changes nothing).
        code = demo.run(argparse.Namespace(if_empty=True))
        if code != 0:
            return code
    elif _database_missing(settings):
        print(NO_DATABASE.format(command="serve"), file=sys.stderr)
        return 2
    host = args.host or settings.host
    port = args.port or settings.port
    print(f"Supervision Assistant on http://{'localhost' if host == '127.0.0.1' else host}:{port}/")
    scheduler = False if args.no_scheduler else None
    if workers == 1:
        app = create_app(settings, run_scheduler=scheduler)
        _freeze_imports()
        web.run_app(app, host=host, port=port, print=None)
        return 0
    return _several(settings, host, port, workers, scheduler)


MAX_WORKERS = 64


def _freeze_imports() -> None:
    """Keep what start-up built (modules, classes, the SDKs' tables) out of the garbage
    collector's full passes: they live as long as the process, and every full collection walked
    them again, 0.45-0.65 s of the scheduler's first tick of the day at 0.1x (issue 18; about
    0.2 s frozen). Called before the event loop and the scheduler's thread start, so nothing a
    request or a tick makes is frozen (docs.python.org/3/library/gc.html#gc.freeze)."""
    gc.collect()
    gc.freeze()


def _several(settings: Settings, host: str, port: int, workers: int, scheduler: bool | None) -> int:
    """`workers` processes listening on one port (SO_REUSEPORT: the kernel shares out the
    connections). Forked before any event loop or thread starts; this first process runs the
    scheduler as configured, the others serve only. Stopping this process stops them all."""
    from aiohttp import web

    from bot.app import create_app

    children: list[int] = []
    for _ in range(workers - 1):
        pid = os.fork()
        if pid == 0:  # a child: serve until told to stop, then leave without running atexit
            code = 0
            try:
                app = create_app(settings, run_scheduler=False)
                _freeze_imports()
                web.run_app(app, host=host, port=port, print=None, reuse_port=True)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        children.append(pid)
    print(f"{workers} web processes: {os.getpid()} and {', '.join(map(str, children))}.")
    try:
        app = create_app(settings, run_scheduler=scheduler)
        _freeze_imports()
        web.run_app(app, host=host, port=port, print=None, reuse_port=True)
    finally:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
    return 0


def run_worker(args: argparse.Namespace) -> int:
    from aiohttp import web

    from bot.app import create_app

    settings = settings_or_exit()
    if _database_missing(settings):
        print(NO_DATABASE.format(command="worker"), file=sys.stderr)
        return 2

    async def work() -> None:
        runner = web.AppRunner(create_app(settings, run_scheduler=True))
        await runner.setup()  # starts the scheduler and the dispatcher, no listening socket
        print("Supervision Assistant worker: sending reminders, digests and queued messages.")
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    _freeze_imports()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(work())
    return 0
