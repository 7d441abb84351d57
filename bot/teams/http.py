"""`POST /api/messages` on the project's aiohttp app, through the Agents SDK's CloudAdapter.

With an app id configured every request must carry a valid Bot Framework token for that app id:
a missing, malformed, expired or wrong-audience token is answered 401, never 500 (the SDK's own
middleware would also guard every other route of the shared app, so the check is done here, for
this route only), and so is a token whose key id we do not know: signing keys come from a cache
refreshed on a bounded schedule (bot.teams.keys), never fetched on a stranger's demand. The token
is checked before the body is read; each refusal is one rate-limited log line (bot.guard). In
production the outbound host validator is on: activities whose serviceUrl is not a Microsoft
host are refused, so a forged activity cannot make the bot call elsewhere.
"""

from __future__ import annotations

import logging

from aiohttp import web
from microsoft_agents.activity import Activity, ActivityTypes
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    AgentAuthConfiguration,
    ClaimsIdentity,
    OutboundHostValidator,
    TurnContext,
)
from pydantic import ValidationError

from bot.guard import REFUSALS, Limit, Refusals, protect, refusal
from bot.keys import CONVERSATIONS, ENGINE, SENDERS, SETTINGS
from bot.settings import Settings
from bot.teams.agent import TeamsAgent
from bot.teams.clients import PooledClientFactory
from bot.teams.graph import GRAPH, Graph
from bot.teams.keys import SigningKeys, TokenValidator, fetch_json, from_metadata
from bot.teams.meetings import TeamsMeetings
from bot.teams.outlook import GraphOutlookInvites
from bot.teams.reach import TeamsReach
from bot.teams.sender import TeamsSender

log = logging.getLogger(__name__)

ROUTE = "/api/messages"
AUTH = web.AppKey("teams_auth", AgentAuthConfiguration)
ADAPTER = web.AppKey("teams_adapter", CloudAdapter)
AGENT = web.AppKey("teams_agent", TeamsAgent)
SIGNING_KEYS = web.AppKey("teams_signing_keys", SigningKeys)
CLIENTS = web.AppKey("teams_clients", PooledClientFactory)
LIMIT = Limit(max_bytes=2 * 1024 * 1024, content_types=frozenset({"application/json"}))

_SORRY = "Sorry, something went wrong on our side. Please try again in a moment."


class QuietInvalidActivities(logging.Filter):
    """The SDK logs each activity that fails validation as an ERROR with a traceback, before we
    answer it: what a caller sent is answered 400 and logged once by bot.guard instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Validation error for Activity")


QUIET = QuietInvalidActivities()


def auth_configuration(settings: Settings) -> AgentAuthConfiguration:
    """Single tenant (new Azure bot registrations are single tenant or managed identity)."""
    if not settings.teams_app_id:
        return AgentAuthConfiguration(anonymous_allowed=True)
    secret = settings.teams_app_password
    return AgentAuthConfiguration(
        client_id=settings.teams_app_id,
        tenant_id=settings.teams_tenant_id,
        client_secret=secret.get_secret_value() if secret else None,
        anonymous_allowed=settings.teams_allow_anonymous,
        validate_issuer=True,  # Bot Framework or this tenant's Entra ID, nobody else
    )


def host_validator(settings: Settings) -> OutboundHostValidator:
    return OutboundHostValidator(enabled=settings.environment == "production")


def setup(app: web.Application) -> None:
    """Add the route and the outbox sender; called by bot.app.create_app."""
    settings = app[SETTINGS]
    config = auth_configuration(settings)
    validator = host_validator(settings)
    connections = MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": config})
    # Per-turn clients without a new HTTP session each, nor a warning each (issue 24).
    clients = PooledClientFactory(connections)
    adapter = CloudAdapter(
        connection_manager=connections,
        channel_service_client_factory=clients,
        host_validator=validator,
    )
    adapter.on_turn_error = _on_turn_error  # the SDK's default echoes the exception to the user
    app[AUTH] = config
    app[ADAPTER] = adapter
    app[AGENT] = TeamsAgent(app)
    metadata = settings.teams_openid_metadata_url
    app[SIGNING_KEYS] = SigningKeys(from_metadata(metadata) if metadata else fetch_json)
    app[CLIENTS] = clients
    logging.getLogger("microsoft_agents.activity.activity").addFilter(QUIET)  # once: same filter
    sender = TeamsSender(adapter, app, settings, validator)
    app[SENDERS]["teams"] = sender
    graph = None
    if (
        settings.teams_install_for_people
        or settings.teams_online_meetings
        or settings.teams_outlook_invites
    ):
        graph = Graph.from_settings(settings)
    if graph is not None:
        app[GRAPH] = graph
    if graph is not None and settings.teams_outlook_invites:

        async def give_invites(app: web.Application) -> None:
            app[CONVERSATIONS].dialogs.invites = GraphOutlookInvites(graph, app[ENGINE])

        app.on_startup.append(give_invites)
    if graph is not None and settings.teams_online_meetings:

        async def give_meetings(app: web.Application) -> None:
            # After the runtime context has made the conversations (bot.app.create_app).
            app[CONVERSATIONS].dialogs.meetings = TeamsMeetings(graph, app[ENGINE])

        app.on_startup.append(give_meetings)
    if not settings.demo_mode:
        # Production serves no inbox: people with no chat are reached in Teams, or their
        # messages held until they can be (issue 23 item 5). The playground keeps its inbox.
        app[SENDERS]["web"] = TeamsReach(app, settings, sender, app[SENDERS]["web"], graph)
    app.router.add_post(ROUTE, messages)
    protect(app, ROUTE, LIMIT)

    async def close_pool(_app: web.Application) -> None:
        await clients.close()
        if graph is not None:
            await graph.close()

    app.on_cleanup.append(close_pool)


async def messages(request: web.Request) -> web.StreamResponse:
    app = request.app
    validator = TokenValidator(app[AUTH], app[SIGNING_KEYS])
    identity = await authenticate(request.headers.get("Authorization"), validator, app[REFUSALS])
    if isinstance(identity, web.Response):
        return identity
    request["claims_identity"] = identity  # where the SDK's request adapter reads it from
    try:
        response = await app[ADAPTER].process(request, app[AGENT])
    except ValidationError:
        return refusal(request, 400, f"POST {ROUTE}: not an activity", "not a valid activity")
    if response is not None and response.status == 400:  # the SDK could not read the body
        app[REFUSALS].refuse(f"POST {ROUTE}: unreadable activity")
    return response or web.Response(status=202)


async def authenticate(
    header: str | None, validator: TokenValidator, refusals: Refusals
) -> ClaimsIdentity | web.Response:
    """The caller's verified claims, or the response refusing them."""
    if not header:
        if validator.configuration.ANONYMOUS_ALLOWED:
            return validator.get_anonymous_claims()
        return _unauthorised(refusals, "missing Authorization header")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or any(c.isspace() for c in token):
        return _unauthorised(refusals, "malformed Authorization header")
    try:
        return await validator.validate_token(token)
    except Exception as exc:  # any failure to verify is a refusal, whatever raised it
        return _unauthorised(refusals, "invalid token", type(exc).__name__)


def _unauthorised(refusals: Refusals, reason: str, detail: str = "") -> web.Response:
    refusals.refuse(f"POST {ROUTE}: {reason}" + (f" ({detail})" if detail else ""))
    return web.json_response(
        {"error": reason}, status=401, headers={"WWW-Authenticate": 'Bearer realm="botframework"'}
    )


async def _on_turn_error(context: TurnContext, error: Exception) -> None:
    log.error("Teams turn failed", exc_info=error)
    if context.activity.type == ActivityTypes.message:
        try:
            await context.send_activity(Activity(type=ActivityTypes.message, text=_SORRY))
        except Exception:  # the connector itself may be what failed
            log.warning("could not tell the person about the failure")
