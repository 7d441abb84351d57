"""Slack on the project's aiohttp app: Bolt's AsyncApp behind /slack/events, OAuth, Socket Mode.

Bolt sees only its neutral request/response; `slack_bolt.adapter.aiohttp` translates. Signature
checks stay on in every mode (Bolt answers 401 to a bad signature or a timestamp over 5 minutes
old). One workspace runs on SLACK_BOT_TOKEN; several install through /slack/install with
SLACK_CLIENT_ID/SECRET, their tokens kept in our own tables. SLACK_SOCKET_MODE connects out to
Slack instead, for councils without a public URL: the same listeners serve both.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings

from bot.keys import SENDERS
from bot.settings import Settings
from bot.slack import listeners
from bot.slack.installations import SqlInstallationStore, SqlOAuthStateStore
from bot.slack.runtime import SlackRuntime, web_client
from bot.slack.sender import SlackSender
from dialogs.registry import flows

log = logging.getLogger(__name__)

SLACK = web.AppKey("slack", SlackRuntime)
EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# Keep in step with manifests/slack/manifest.yaml (a test compares them).
BOT_SCOPES = (
    "channels:read",
    "chat:write",
    "commands",
    "files:write",  # calendar invitations, record PDFs and digest charts as real files
    "groups:read",
    "im:history",
    "im:read",
    "im:write",
    "users:read",
    "users:read.email",
)


def setup(app: web.Application) -> None:
    """Routes and the outbox sender now; the Bolt app on start-up, once the database is there."""
    runtime = SlackRuntime(app, flows=frozenset(flows()))
    app[SLACK] = runtime
    app[SENDERS]["slack"] = SlackSender(runtime)
    app.router.add_post(EVENTS_PATH, _events)
    app.router.add_get(INSTALL_PATH, _install)
    app.router.add_get(REDIRECT_PATH, _oauth_redirect)
    app.cleanup_ctx.append(_lifecycle)


def build_bolt(runtime: SlackRuntime) -> AsyncApp:
    settings = runtime.settings
    assert settings.slack_signing_secret is not None  # setup() runs only when Slack is enabled
    secret = settings.slack_signing_secret.get_secret_value()
    if settings.slack_bot_token is not None:
        token = settings.slack_bot_token.get_secret_value()
        bolt = AsyncApp(
            client=web_client(settings, token, interactive=True),
            signing_secret=secret,
            request_verification_enabled=True,
        )
    else:
        bolt = AsyncApp(
            client=web_client(settings, None, interactive=True),
            signing_secret=secret,
            request_verification_enabled=True,
            oauth_settings=_oauth(settings, runtime),
        )
    listeners.register(bolt, runtime)
    return bolt


def _oauth(settings: Settings, runtime: SlackRuntime) -> AsyncOAuthSettings:
    if not settings.slack_client_id or settings.slack_client_secret is None:
        raise RuntimeError("Slack needs SLACK_BOT_TOKEN, or SLACK_CLIENT_ID and _SECRET for OAuth")
    store = SqlInstallationStore(runtime.engine, settings.slack_client_id)
    runtime.installations = store
    return AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        scopes=list(BOT_SCOPES),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=store,
        state_store=SqlOAuthStateStore(runtime.engine),
    )


async def _lifecycle(app: web.Application) -> AsyncIterator[None]:
    runtime = app[SLACK]
    runtime.bolt = build_bolt(runtime)
    socket = None
    if runtime.settings.slack_socket_mode:
        from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

        token = runtime.settings.slack_app_token
        assert token is not None  # Settings refuses Socket Mode without SLACK_APP_TOKEN
        socket = AsyncSocketModeHandler(runtime.bolt, token.get_secret_value())
        await socket.connect_async()  # type: ignore[no-untyped-call]
        log.info("Slack: Socket Mode connected (no public URL needed)")
    yield
    if socket is not None:
        await socket.close_async()  # type: ignore[no-untyped-call]
    await runtime.settle()
    runtime.bolt = None


def _bolt(request: web.Request) -> AsyncApp:
    bolt = request.app[SLACK].bolt
    if bolt is None:
        raise web.HTTPServiceUnavailable(text="Slack is starting")
    return bolt


async def _events(request: web.Request) -> web.Response:
    bolt = _bolt(request)
    return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))


async def _install(request: web.Request) -> web.Response:
    flow = _bolt(request).oauth_flow
    if flow is None:
        raise web.HTTPNotFound(text="This app is installed with a bot token (no OAuth install).")
    return await to_aiohttp_response(await flow.handle_installation(await to_bolt_request(request)))


async def _oauth_redirect(request: web.Request) -> web.Response:
    flow = _bolt(request).oauth_flow
    if flow is None:
        raise web.HTTPNotFound(text="This app is installed with a bot token (no OAuth install).")
    return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))


__all__ = ["BOT_SCOPES", "SLACK", "build_bolt", "setup"]
