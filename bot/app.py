"""The aiohttp application: one process serving health checks, Slack, Teams and the playground."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock
from bot.conversation import Conversations
from bot.dead_letters import admin_notifier
from bot.dispatcher import Dispatcher, Progress, Sender
from bot.guard import Refusals, attach, middleware, server_options
from bot.keys import (
    CLOCK,
    CONVERSATIONS,
    DISPATCHER,
    ENGINE,
    SCHEDULER,
    SCHEDULER_THREAD,
    SENDERS,
    SETTINGS,
)
from bot.packs import all_packs
from bot.scheduler import Scheduler
from bot.settings import Settings
from scheduling.runner import SchedulerThread
from storage.db import create_engine

log = logging.getLogger(__name__)
MAX_BODY = 2 * 1024 * 1024  # no route takes more; each route of bot.guard may take less

__all__ = [
    "CLOCK",
    "CONVERSATIONS",
    "DISPATCHER",
    "ENGINE",
    "SCHEDULER",
    "SENDERS",
    "SETTINGS",
    "create_app",
]


def create_app(
    settings: Settings,
    engine: AsyncEngine | None = None,
    clock: Clock | None = None,
    *,
    run_scheduler: bool | None = None,
) -> web.Application:
    """Build the application; the engine is created on start-up unless one is given (tests)."""
    refusals = Refusals()
    app = web.Application(
        client_max_size=MAX_BODY,
        middlewares=[middleware],
        handler_args=server_options(refusals),  # also what `serve` and the tests' servers use
    )
    attach(app, refusals)
    app[SETTINGS] = settings
    app[CLOCK] = clock or Clock.starting_at(settings.clock_start)
    senders: dict[str, Sender] = {"web": InAppInbox()}
    app[SENDERS] = senders
    app.router.add_get("/healthz", health)
    scheduler = settings.scheduler_enabled if run_scheduler is None else run_scheduler

    async def runtime(app: web.Application) -> AsyncIterator[None]:
        database = engine or create_engine(settings.database_url)
        app[ENGINE] = database
        zone = ZoneInfo(settings.timezone)
        schemes = (settings.schemes_dir,) if settings.schemes_dir else ()
        packs = all_packs(settings)
        app[CONVERSATIONS] = Conversations(database, packs, app[CLOCK], zone, schemes)
        app[DISPATCHER] = Dispatcher(
            database, senders, app[CLOCK], on_dead=admin_notifier(database, app[CLOCK])
        )
        app[SCHEDULER] = Scheduler(database, packs, app[CLOCK])
        tasks = []
        thread: SchedulerThread | None = None
        if scheduler:
            if engine is None:
                # Its own thread, loop and engine: a Monday run never holds up an answer.
                thread = SchedulerThread(
                    settings.database_url, packs, app[CLOCK], settings.scheduler_interval_s
                )
                thread.start()
                app[SCHEDULER_THREAD] = thread
            else:  # a test's engine belongs to the test's loop
                tasks.append(asyncio.create_task(app[SCHEDULER].run_forever()))
            tasks.append(asyncio.create_task(app[DISPATCHER].run_forever()))
        yield
        if thread is not None:
            await asyncio.to_thread(thread.stop)
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if engine is None:
            await database.dispose()

    app.cleanup_ctx.append(runtime)
    # Each surface adds its routes and, for proactive messages, its outbox sender.
    if settings.slack_enabled:
        from bot.slack.http import setup as setup_slack

        setup_slack(app)
    if settings.teams_app_id or settings.teams_allow_anonymous:
        from bot.teams.http import setup as setup_teams

        setup_teams(app)
    if settings.demo_mode:
        from bot.web.playground import setup as setup_playground

        setup_playground(app)
    else:
        app.router.add_get("/", home)
    return app


class InAppInbox:
    """People not yet reachable on a chat platform: the message waits in the outbox as their inbox
    (the playground and the Slack App Home read it)."""

    async def send(
        self, target: str, kind: str, payload: Mapping[str, Any], progress: Progress
    ) -> None:
        return None


async def health(request: web.Request) -> web.Response:
    """For load balancers: 200 when the database answers, 503 otherwise."""
    try:
        async with request.app[ENGINE].connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:  # the reason goes to the log, not to the caller
        log.exception("health check: database unreachable")
        return web.json_response({"status": "unavailable"}, status=503)
    return web.json_response({"status": "ok"})


async def home(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    enabled = (("Slack", settings.slack_enabled), ("Microsoft Teams", settings.teams_enabled))
    platforms = [name for name, on in enabled if on]
    connected = ", ".join(platforms) or "no chat platform yet (see README: Configuration)"
    body = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>Supervision Assistant</title></head><body>"
        "<h1>Supervision Assistant is running</h1>"
        f"<p>Connected to: {connected}.</p></body></html>"
    )
    return web.Response(text=body, content_type="text/html")
