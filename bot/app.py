"""The aiohttp application: one process serving health checks, Slack, Teams and the playground."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings
from storage.db import create_engine

log = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", AsyncEngine)


def create_app(settings: Settings, engine: AsyncEngine | None = None) -> web.Application:
    """Build the application; the engine is created on start-up unless one is given (tests)."""
    app = web.Application(client_max_size=2 * 1024 * 1024)
    app[SETTINGS] = settings
    app.cleanup_ctx.append(_database(engine))
    app.router.add_get("/healthz", health)
    app.router.add_get("/", home)
    return app


def _database(
    given: AsyncEngine | None,
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        engine = given or create_engine(app[SETTINGS].database_url)
        app[ENGINE] = engine
        yield
        if given is None:
            await engine.dispose()

    return context


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
