"""The Teams floor: a bare Microsoft 365 Agents SDK echo bot behind the CloudAdapter on aiohttp.

Authenticated as our app is in the benchmark (issue 24): the SDK's own
`jwt_authorization_middleware` validates each activity's Bot Framework token for the same app
id, with the SDK's `JwtTokenValidator` taking its keys from the benchmark's identity provider
(bench/identity_provider.py) through the SDK's `PyJWKClient` and its cache. Both apps then do
the same SDK work per activity: check the token, parse and validate the Activity, run the turn,
and post the reply to the connector named by the activity's serviceUrl before answering 202.
Without a metadata address it runs anonymous, as before.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.request import urlopen

from aiohttp import web
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_middleware
from microsoft_agents.hosting.core import (
    ActivityHandler,
    AgentAuthConfiguration,
    MessageFactory,
    TurnContext,
)
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import (
    JwtTokenValidator,
    _JwkClientCacheEntry,
    _JwkClientManager,
)


class Echo(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(MessageFactory.text(f"Echo: {turn_context.activity.text}"))


class MetadataKeys(_JwkClientManager):
    """The SDK's key manager (one PyJWKClient per key set, its cache and lock), for the key set
    the OpenID metadata names rather than Microsoft's fixed address."""

    def __init__(self, metadata_url: str) -> None:
        super().__init__()
        with urlopen(metadata_url, timeout=10) as reply:  # once, before serving
            self.jwks_uri: str = json.load(reply)["jwks_uri"]

    def _get_jwk_client(self, jwks_uri: str) -> _JwkClientCacheEntry:
        return super()._get_jwk_client(self.jwks_uri)


def build(auth: dict[str, Any] | None = None) -> web.Application:
    """The aiohttp app serving POST /api/messages, as the SDK's quickstart wires it; `auth`
    (client_id, tenant_id, client_secret, metadata_url) switches token validation on."""
    if auth is None:
        config = AgentAuthConfiguration(anonymous_allowed=True)
    else:
        config = AgentAuthConfiguration(
            client_id=auth["client_id"],
            tenant_id=auth["tenant_id"],
            client_secret=auth["client_secret"],
            anonymous_allowed=False,
            validate_issuer=True,  # as ours: Bot Framework or the tenant's Entra ID
        )
        JwtTokenValidator._jwk_client_manager = MetadataKeys(auth["metadata_url"])
    connections = MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": config})
    adapter = CloudAdapter(connection_manager=connections)
    agent = Echo()

    async def messages(request: web.Request) -> web.StreamResponse:
        return await adapter.process(request, agent) or web.Response(status=202)

    app = web.Application(middlewares=[jwt_authorization_middleware])
    app["agent_configuration"] = config  # where the SDK's middleware looks for it
    app.router.add_post("/api/messages", messages)
    return app
