"""Wires the playground into the app: the page at `/`, its static files and its JSON API.

Only `create_app` calls `setup`, and only with DEMO_MODE on; the playground has no sign-in (anyone
who can reach it can act as anyone), so it refuses to start under a production configuration.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.keys import SETTINGS

from .api import PREFIX, add_routes

STATIC = Path(__file__).parent / "static"
STATIC_PATH = "/playground/static"
# Everything is served from here: no CDN, no inline script, nothing framed.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)


class PlaygroundRefused(RuntimeError):
    """The playground was asked for where it must never run."""


def setup(app: web.Application) -> None:
    settings = app[SETTINGS]
    if not settings.demo_mode:
        raise PlaygroundRefused("the playground needs DEMO_MODE or `serve --demo`")
    if settings.environment == "production":
        raise PlaygroundRefused("the playground is never served with ENVIRONMENT=production")
    add_routes(app)
    app.router.add_get("/", index)
    app.router.add_get("/playground", to_index)
    app.router.add_static(STATIC_PATH, STATIC, name="playground-static")
    app.on_response_prepare.append(_headers)


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html")


async def to_index(request: web.Request) -> web.Response:
    raise web.HTTPFound("/")


async def _headers(request: web.Request, response: web.StreamResponse) -> None:
    path = request.path
    if path != "/" and not path.startswith("/playground"):
        return
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Content-Security-Policy", _CSP)
    if path.startswith(PREFIX):
        response.headers.setdefault("Cache-Control", "no-store")
