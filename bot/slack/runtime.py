"""What Slack listeners share: the aiohttp app's runtime, Web API clients per workspace."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock
from bot.conversation import Conversations
from bot.keys import CLOCK, CONVERSATIONS, ENGINE, SETTINGS
from bot.known import KnownPeople
from bot.settings import Settings

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp

    from bot.slack.installations import SqlInstallationStore

COMMAND = "/supervision"
DECISION_SHORTCUT = "record_decision"
DM_CACHE_SIZE = 100_000


def api_error(exc: SlackApiError) -> str:
    """Slack's error code ("not_in_channel"), or the HTTP status when the body was not JSON."""
    data = exc.response.data
    error = data.get("error") if isinstance(data, dict) else None
    return str(error or f"HTTP {exc.response.status_code}")


class NotInstalled(Exception):
    """No bot token for this workspace: the app was never installed there, or was removed."""


def web_client(
    settings: Settings,
    token: str | None,
    *,
    interactive: bool,
    session: aiohttp.ClientSession | None = None,
) -> AsyncWebClient:
    """A Web API client; `interactive` ones wait out one 429 (Retry-After) while a person waits.

    The outbox sender's clients do not: a 429 there goes back to the dispatcher, which retries
    the row after Retry-After without holding up other deliveries.

    With `session` (the runtime's, issue 24) calls share its kept-alive connections to Slack;
    without one, slack_sdk opens a new HTTP session, and a new connection, for every call.
    """
    handlers: list[AsyncRetryHandler] = [AsyncConnectionErrorRetryHandler()]
    if interactive:
        handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
    return AsyncWebClient(
        token=token, base_url=settings.slack_api_url, retry_handlers=handlers, session=session
    )


@dataclass
class SlackRuntime:
    """Filled in on start-up (the engine and conversations exist from then on)."""

    app: web.Application
    bolt: AsyncApp | None = None
    installations: SqlInstallationStore | None = None
    flows: frozenset[str] = field(default_factory=frozenset)
    working: set[asyncio.Task[Any]] = field(default_factory=set)
    # DM channel ids by (staff id, workspace): Slack keeps one IM per person and app, so once
    # read from the database it is reused without another query on every answer.
    dms: dict[tuple[int, str], str] = field(default_factory=dict)
    # Slack accounts to staff, for a minute (bot.known): no identity query on every message.
    people: KnownPeople = field(default_factory=KnownPeople)
    # One HTTP session for every Web API call while the app runs (opened on start-up).
    http: aiohttp.ClientSession | None = None
    http_loop: asyncio.AbstractEventLoop | None = None

    def shared_http(self) -> aiohttp.ClientSession | None:
        """The app's session, for calls made on the app's own event loop (None elsewhere)."""
        if self.http is None or self.http.closed:
            return None
        return self.http if self.http_loop is asyncio.get_running_loop() else None

    def remember_dm(self, staff_id: int, team_id: str, channel: str) -> bool:
        """Cache a DM channel; True if it was not already known (so worth storing)."""
        if self.dms.get((staff_id, team_id)) == channel:
            return False
        if len(self.dms) >= DM_CACHE_SIZE:
            self.dms.clear()  # rare (more people than this in one process): start again
        self.dms[(staff_id, team_id)] = channel
        return True

    async def settle(self, within: float = 10.0) -> None:
        """Shutting down: let turns already acked finish, rather than cut one in half."""
        await asyncio.sleep(0)  # a listener scheduled by the last request gets to start
        if self.working:
            await asyncio.wait(set(self.working), timeout=within)

    @property
    def settings(self) -> Settings:
        return self.app[SETTINGS]

    @property
    def engine(self) -> AsyncEngine:
        return self.app[ENGINE]

    @property
    def conversations(self) -> Conversations:
        return self.app[CONVERSATIONS]

    @property
    def clock(self) -> Clock:
        return self.app[CLOCK]

    async def client_for(self, team_id: str | None) -> AsyncWebClient:
        """A client with the workspace's bot token, for sends outside a Slack request."""
        token = self.settings.slack_bot_token
        if token is not None:
            return web_client(
                self.settings,
                token.get_secret_value(),
                interactive=False,
                session=self.shared_http(),
            )
        bot = None
        if self.installations is not None and team_id:
            bot = await self.installations.async_find_bot(enterprise_id=None, team_id=team_id)
        if bot is None:
            raise NotInstalled(f"the app is not installed in Slack workspace {team_id}")
        return web_client(
            self.settings, bot.bot_token, interactive=False, session=self.shared_http()
        )
