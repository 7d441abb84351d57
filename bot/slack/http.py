"""Slack on the project's aiohttp app: Bolt's AsyncApp behind /slack/events, OAuth, Socket Mode.

Bolt sees only its neutral request/response; `slack_bolt.adapter.aiohttp` translates the answer.
A request is read as raw bytes and its signature checked on those bytes before anything parses
them: an unsigned, forged or stale request is 401, a signed body that is not what it claims 400,
each one short log line (bot.guard), never a 500 (Bolt checks the signature again, after us).
One workspace runs on SLACK_BOT_TOKEN; several install through /slack/install with
SLACK_CLIENT_ID/SECRET, their tokens kept in our own tables. SLACK_SOCKET_MODE connects out to
Slack instead, for councils without a public URL: the same listeners serve both.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import logging
import re
import time
from collections.abc import AsyncIterator, Mapping, Sequence

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.guard import REFUSALS, Limit, protect, refusal
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
WEB_API_TIMEOUT = 30  # seconds for one Web API call, as slack_sdk sets by default
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# Slack's payloads are far smaller; a long record typed into a modal stays well under this.
LIMIT = Limit(
    max_bytes=2 * 1024 * 1024,
    content_types=frozenset({"application/json", "application/x-www-form-urlencoded"}),
)
MAX_AGE = 5 * 60  # seconds: Slack's advice, a signed request older than this may be a replay
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
# What we issue (bot.slack.installations) and what Slack's codes look like (digits, dots, hex).
_STATE = re.compile(r"[A-Za-z0-9_-]{1,100}")
_CODE = re.compile(r"[A-Za-z0-9._-]{1,300}")
# Keep in step with manifests/slack/manifest.yaml (a test compares them).
BOT_SCOPES = (
    "channels:history",  # with groups:history and im:history: an unconfirmed send is looked for
    "channels:read",
    "chat:write",
    "commands",
    "files:write",  # calendar invitations, record PDFs and digest charts as real files
    "groups:history",
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
    protect(app, EVENTS_PATH, LIMIT)
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
            client=web_client(settings, token, interactive=True, session=runtime.http),
            signing_secret=secret,
            request_verification_enabled=True,
        )
    else:
        oauth = _oauth(settings, runtime)
        client = web_client(settings, None, interactive=True, session=runtime.http)
        bolt = AsyncApp(
            client=client,
            signing_secret=secret,
            request_verification_enabled=True,
            oauth_settings=oauth,
            # Bolt's default authorisation calls auth.test on every request, a round trip to
            # Slack per message (issue 24); cached per token here. The installation is still
            # looked up on every request, so an uninstalled workspace is not served.
            authorize=AsyncInstallationStoreAuthorize(  # type: ignore[arg-type]  # typed narrow
                logger=logging.getLogger("slack_bolt.AsyncApp"),
                installation_store=oauth.installation_store,
                client_id=oauth.client_id,
                client_secret=oauth.client_secret,
                cache_enabled=True,
                client=client,
            ),
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
    # Kept-alive connections to Slack for every Web API call (slack_sdk's default, a session
    # per call, opened a new connection for each answer); slack_sdk's own 30 s timeout.
    runtime.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WEB_API_TIMEOUT))
    runtime.http_loop = asyncio.get_running_loop()
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
    await runtime.http.close()
    runtime.http = None


def _bolt(request: web.Request) -> AsyncApp:
    bolt = request.app[SLACK].bolt
    if bolt is None:
        raise web.HTTPServiceUnavailable(text="Slack is starting")
    return bolt


async def _events(request: web.Request) -> web.Response:
    bolt = _bolt(request)
    raw = await request.read()
    secret = request.app[SLACK].settings.slack_signing_secret
    assert secret is not None  # the routes exist only when Slack is enabled
    problem = unsigned(secret.get_secret_value(), raw, request.headers, time.time())
    if problem is not None:
        if _ssl_check(raw):
            return web.Response(text="")  # Slack's certificate check: nothing to do, as Bolt does
        return refusal(request, 401, f"POST {EVENTS_PATH}: {problem}", "invalid request signature")
    try:
        inbound = AsyncBoltRequest(
            body=raw.decode("utf-8"), query=request.query_string, headers=_headers(request)
        )
    except (ValueError, RecursionError, TypeError, AttributeError, LookupError):
        # Signed, yet not the JSON or form it claims to be (UnicodeDecodeError is a ValueError).
        inbound = None
    if inbound is None or not isinstance(inbound.body, dict):
        reason = f"POST {EVENTS_PATH}: signed body unreadable"
        return refusal(request, 400, reason, "the body is not a Slack payload")
    return await to_aiohttp_response(await bolt.async_dispatch(inbound))


def unsigned(secret: str, raw: bytes, headers: Mapping[str, str], now: float) -> str | None:
    """None when Slack signed these exact bytes within MAX_AGE; otherwise why not, as a fixed text.

    Slack's scheme (v0): HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret. It is
    computed here over the raw bytes, so a body that is not UTF-8 cannot fail the check itself,
    and the headers are checked for shape first: int("abc") must not be what answers a stranger.
    """
    stamp = headers.get("X-Slack-Request-Timestamp")
    signature = headers.get("X-Slack-Signature")
    if stamp is None or signature is None:
        return "unsigned request"
    if not _TIMESTAMP.fullmatch(stamp) or not _SIGNATURE.fullmatch(signature):
        return "malformed signature headers"
    if abs(now - int(stamp)) > MAX_AGE:
        return "timestamp outside five minutes"
    base = b"v0:" + stamp.encode("ascii") + b":" + raw
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return "bad signature"
    return None


def _ssl_check(raw: bytes) -> bool:
    # Bolt answers Slack's `ssl_check=1` without a signature; match it without parsing anything.
    return len(raw) <= 200 and b"ssl_check=1" in raw.split(b"&")


def _headers(request: web.Request) -> dict[str, str | Sequence[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        headers.setdefault(name, []).append(value)
    return dict(headers)


def _get(request: web.Request) -> AsyncBoltRequest:
    """An install or redirect page is a GET: its query is all Bolt needs, never a body."""
    return AsyncBoltRequest(body="", query=request.query_string, headers=_headers(request))


async def _install(request: web.Request) -> web.Response:
    flow = _bolt(request).oauth_flow
    if flow is None:
        raise web.HTTPNotFound(text="This app is installed with a bot token (no OAuth install).")
    return await to_aiohttp_response(await flow.handle_installation(_get(request)))


async def _oauth_redirect(request: web.Request) -> web.Response:
    flow = _bolt(request).oauth_flow
    if flow is None:
        raise web.HTTPNotFound(text="This app is installed with a bot token (no OAuth install).")
    problem = _bad_redirect(request.query)
    if problem is not None:
        request.app[REFUSALS].refuse(f"GET {REDIRECT_PATH}: {problem}")
        return _redirect_page(problem)
    return await to_aiohttp_response(await flow.handle_callback(_get(request)))


def _bad_redirect(query: Mapping[str, str]) -> str | None:
    """Slack sends back our own state and its code; anything else is not from Slack. A missing
    one, or Slack's own `error`, is left to Bolt, whose pages already say what happened."""
    if "error" in query:
        return None
    state = query.get("state")
    code = query.get("code")
    if state is not None and not _STATE.fullmatch(state):
        return "malformed state parameter"
    if code is not None and not _CODE.fullmatch(code):
        return "malformed code parameter"
    return None


def _redirect_page(problem: str) -> web.Response:
    body = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>Slack installation</title></head><body>"
        "<h1>This installation link is not valid</h1>"
        f"<p>It did not come back from Slack as expected ({html.escape(problem)}). "
        f"Start the installation again from <a href='{INSTALL_PATH}'>{INSTALL_PATH}</a>.</p>"
        "</body></html>"
    )
    return web.Response(status=400, text=body, content_type="text/html")


__all__ = ["BOT_SCOPES", "SLACK", "build_bolt", "setup", "unsigned"]
