"""The Agents SDK's per-turn clients, made cheap (issue 24).

For every activity the SDK's CloudAdapter asks its channel-service client factory for two
clients: a user-token client (OAuth sign-in, which this bot never uses) and a connector client
(the Bot Connector REST API that replies go to). The SDK's own factory builds each with a new
aiohttp ClientSession, so every turn opened a new TCP connection to the connector, and the
user-token client logged "App ID is not provided" on every anonymous turn.

Here the user-token client is built only if something calls it, and connector clients share one
connection pool (keep-alive to the connector), each turn's session still carrying that turn's
own token. Agentic and Copilot Studio requests keep the SDK's own path.

The SDK's ConnectorClient also worked out its User-Agent for every client it built (the
package's version from its installed metadata, read from disk each time: over a millisecond a
turn, the largest cost of building the client). PooledConnectorClient sets the same headers with
the User-Agent worked out once (issue 24 item 3).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import ClientSession, TCPConnector
from microsoft_agents.activity import RoleTypes
from microsoft_agents.hosting.core import (
    ClaimsIdentity,
    RestChannelServiceClientFactory,
    TurnContext,
)
from microsoft_agents.hosting.core.connector import (
    ConnectorClientBase,
    UserTokenClientBase,
    get_product_info,
)
from microsoft_agents.hosting.core.connector.client.connector_client import (
    AttachmentsOperations,
    ConversationsOperations,
)
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

POOL_SIZE = 100  # connections to the connector(s) held open at most, across every turn


class LazyUserTokenClient(UserTokenClientBase):
    """The SDK's user-token client, built on first use rather than for every turn."""

    def __init__(self, build: Callable[[], Awaitable[UserTokenClientBase]]) -> None:
        self._build = build
        self._real: UserTokenClientBase | None = None

    async def _client(self) -> UserTokenClientBase:
        if self._real is None:
            self._real = await self._build()
        return self._real

    def _built(self) -> UserTokenClientBase:
        if self._real is None:
            raise RuntimeError("the user-token client is built by its first async call")
        return self._real

    @property
    def agent_sign_in(self) -> Any:
        return self._built().agent_sign_in

    @property
    def user_token(self) -> Any:
        return self._built().user_token

    async def get_user_token(self, *args: Any, **kwargs: Any) -> Any:
        return await (await self._client()).get_user_token(*args, **kwargs)

    async def get_sign_in_resource(self, *args: Any, **kwargs: Any) -> Any:
        return await (await self._client()).get_sign_in_resource(*args, **kwargs)

    async def sign_out_user(self, *args: Any, **kwargs: Any) -> Any:
        return await (await self._client()).sign_out_user(*args, **kwargs)

    async def get_token_status(self, *args: Any, **kwargs: Any) -> Any:
        return await (await self._client()).get_token_status(*args, **kwargs)

    async def get_aad_tokens(self, *args: Any, **kwargs: Any) -> Any:
        return await (await self._client()).get_aad_tokens(*args, **kwargs)

    async def exchange_token(self, *args: Any, **kwargs: Any) -> Any:
        return await (await self._client()).exchange_token(*args, **kwargs)

    async def get_token_or_sign_in_resource(self, *args: Any, **kwargs: Any) -> Any:
        return await (await self._client()).get_token_or_sign_in_resource(*args, **kwargs)

    async def close(self) -> None:
        if self._real is not None:
            await self._real.close()


_USER_AGENT: str | None = None


def user_agent() -> str:
    """The SDK's User-Agent (get_product_info), worked out once per process."""
    global _USER_AGENT
    if _USER_AGENT is None:
        _USER_AGENT = get_product_info()
    return _USER_AGENT


class PooledConnectorClient(TeamsConnectorClient):
    """TeamsConnectorClient on a session of the pool, set up as ConnectorClient.__init__ sets
    it up (the same headers and operations) but with the User-Agent worked out once.
    tests/teams/test_teams_turn_cost.py compares the two."""

    def __init__(self, endpoint: str, token: str, *, session: ClientSession) -> None:
        session.headers.update(
            {
                "Accept": "application/json",
                "Content-Type": "application/json",
                "User-Agent": session.headers.get("User-Agent") or user_agent(),
            }
        )
        if len(token) > 1:
            session.headers.update({"Authorization": f"Bearer {token}"})
        self.client = session
        self._attachments = AttachmentsOperations(self.client)
        self._conversations = ConversationsOperations(self.client)


class PooledClientFactory(RestChannelServiceClientFactory):
    """The SDK's factory with a lazy user-token client and pooled connector connections."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pool: TCPConnector | None = None
        self.user_token_clients_built = 0  # for tests: a turn that needs none builds none

    def _connections(self) -> TCPConnector:
        if self._pool is None or self._pool.closed:
            self._pool = TCPConnector(limit=POOL_SIZE)
        return self._pool

    async def close(self) -> None:
        """On shutdown: the pooled connections (each turn's session is closed with its turn)."""
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def create_user_token_client(  # type: ignore[override]  # the SDK's protocol type
        self, context: TurnContext, claims_identity: ClaimsIdentity, use_anonymous: bool = False
    ) -> UserTokenClientBase:
        async def build() -> UserTokenClientBase:
            self.user_token_clients_built += 1
            made: UserTokenClientBase = (
                await RestChannelServiceClientFactory.create_user_token_client(
                    self, context, claims_identity, use_anonymous
                )
            )
            return made

        return LazyUserTokenClient(build)

    async def create_connector_client(
        self,
        context: TurnContext | None,
        claims_identity: ClaimsIdentity,
        service_url: str,
        audience: str,
        scopes: list[str] | None = None,
        use_anonymous: bool = False,
    ) -> ConnectorClientBase:
        special = context is not None and (
            context.activity.is_agentic_request()
            or (
                context.activity.recipient is not None
                and context.activity.recipient.role == RoleTypes.connector_user
            )
        )
        if special or not service_url or not audience:
            return await super().create_connector_client(
                context, claims_identity, service_url, audience, scopes, use_anonymous
            )
        provider = (
            self._ANONYMOUS_TOKEN_PROVIDER
            if use_anonymous
            else self._connection_manager.get_token_provider(claims_identity, service_url)
        )
        token = await provider.get_access_token(
            audience, scopes or claims_identity.get_token_scope()
        )
        endpoint = service_url if service_url.endswith("/") else f"{service_url}/"
        session = ClientSession(
            base_url=endpoint, connector=self._connections(), connector_owner=False
        )
        return PooledConnectorClient(endpoint=endpoint, token=token, session=session)
