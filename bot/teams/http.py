"""`POST /api/messages` on the project's aiohttp app, through the Agents SDK's CloudAdapter.

With an app id configured every request must carry a valid Bot Framework token for that app id:
a missing, malformed, expired or wrong-audience token is answered 401, never 500 (the SDK's own
middleware would also guard every other route of the shared app, so the check is done here, for
this route only). In production the outbound host validator is on: activities whose serviceUrl
is not a Microsoft host are refused, so a forged activity cannot make the bot call elsewhere.
"""

from __future__ import annotations

import logging

from aiohttp import web
from jwt import PyJWKClientConnectionError
from microsoft_agents.activity import Activity, ActivityTypes
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    AgentAuthConfiguration,
    ClaimsIdentity,
    OutboundHostValidator,
    TurnContext,
)
from microsoft_agents.hosting.core.authorization.jwt import JwtTokenValidator
from pydantic import ValidationError

from bot.keys import SENDERS, SETTINGS
from bot.settings import Settings
from bot.teams.agent import TeamsAgent
from bot.teams.sender import TeamsSender

log = logging.getLogger(__name__)

ROUTE = "/api/messages"
AUTH = web.AppKey("teams_auth", AgentAuthConfiguration)
ADAPTER = web.AppKey("teams_adapter", CloudAdapter)
AGENT = web.AppKey("teams_agent", TeamsAgent)

_SORRY = "Sorry, something went wrong on our side. Please try again in a moment."


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
    adapter = CloudAdapter(connection_manager=connections, host_validator=validator)
    adapter.on_turn_error = _on_turn_error  # the SDK's default echoes the exception to the user
    app[AUTH] = config
    app[ADAPTER] = adapter
    app[AGENT] = TeamsAgent(app)
    app[SENDERS]["teams"] = TeamsSender(adapter, app, settings, validator)
    app.router.add_post(ROUTE, messages)


async def messages(request: web.Request) -> web.StreamResponse:
    identity = await authenticate(request.headers.get("Authorization"), request.app[AUTH])
    if isinstance(identity, web.Response):
        return identity
    request["claims_identity"] = identity  # where the SDK's request adapter reads it from
    try:
        response = await request.app[ADAPTER].process(request, request.app[AGENT])
    except ValidationError:
        return web.json_response({"error": "not a valid activity"}, status=400)
    return response or web.Response(status=202)


async def authenticate(
    header: str | None, config: AgentAuthConfiguration
) -> ClaimsIdentity | web.Response:
    """The caller's verified claims, or the response refusing them."""
    validator = JwtTokenValidator(config)
    if not header:
        if config.ANONYMOUS_ALLOWED:
            return validator.get_anonymous_claims()
        return _unauthorised("missing Authorization header")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or any(c.isspace() for c in token):
        return _unauthorised("malformed Authorization header")
    try:
        return await validator.validate_token(token)
    except PyJWKClientConnectionError:
        log.warning("Bot Framework signing keys could not be fetched")
        return web.json_response({"error": "try again later"}, status=503)
    except Exception as exc:  # any failure to verify is a refusal, whatever raised it
        log.warning("rejected a Bot Framework token: %s", type(exc).__name__)
        return _unauthorised("invalid token")


def _unauthorised(reason: str) -> web.Response:
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
