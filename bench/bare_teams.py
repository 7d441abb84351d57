"""The Teams floor: a bare Microsoft 365 Agents SDK echo bot behind the CloudAdapter on aiohttp.

Anonymous (no Bot Framework token), like our app with TEAMS_ALLOW_ANONYMOUS, so both do the same
SDK work per activity: parse and validate the Activity, run the turn, and post the reply to the
connector named by the activity's serviceUrl before answering 202.
"""

from __future__ import annotations

from aiohttp import web
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_middleware
from microsoft_agents.hosting.core import (
    ActivityHandler,
    AgentAuthConfiguration,
    MessageFactory,
    TurnContext,
)


class Echo(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(MessageFactory.text(f"Echo: {turn_context.activity.text}"))


def build() -> web.Application:
    """The aiohttp app serving POST /api/messages, as the SDK's quickstart wires it."""
    config = AgentAuthConfiguration(anonymous_allowed=True)
    connections = MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": config})
    adapter = CloudAdapter(connection_manager=connections)
    agent = Echo()

    async def messages(request: web.Request) -> web.StreamResponse:
        return await adapter.process(request, agent) or web.Response(status=202)

    app = web.Application(middlewares=[jwt_authorization_middleware])
    app["agent_configuration"] = config  # where the SDK's middleware looks for it
    app.router.add_post("/api/messages", messages)
    return app
