"""`supervision-bot serve`: run the web application (and, by default, the scheduler)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from aiohttp import web

from bot.app import create_app
from bot.commands import demo
from bot.runtime import settings_or_exit
from bot.settings import Settings
from storage.migrate import current_revision


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
    return asyncio.run(current_revision(settings.database_url)) is None


def run(args: argparse.Namespace) -> int:
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
    app = create_app(settings, run_scheduler=False if args.no_scheduler else None)
    web.run_app(app, host=host, port=port, print=None)
    return 0


def run_worker(args: argparse.Namespace) -> int:
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

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(work())
    return 0
