"""Multi-workspace installs on our own tables (and migrations): Bolt's two OAuth stores, async.

slack_sdk ships SQLAlchemy stores, but with their own metadata and sync engines; these keep the
rows beside the rest of the schema, on the application's async engine, PostgreSQL or SQLite.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from storage.db import session_scope
from storage.models import SlackInstallation, SlackOAuthState

log = logging.getLogger(__name__)
_ISSUED = re.compile(r"[A-Za-z0-9_-]{1,100}")  # token_urlsafe's alphabet: nothing else is ours


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe: slack_sdk gives datetimes, its constructors take timestamps back."""
    return {k: v.timestamp() if isinstance(v, datetime) else v for k, v in data.items()}


class SqlInstallationStore(AsyncInstallationStore):
    def __init__(self, engine: AsyncEngine, client_id: str) -> None:
        self.engine = engine
        self.client_id = client_id

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        async with session_scope(self.engine) as session:
            session.add(
                SlackInstallation(
                    client_id=self.client_id,
                    enterprise_id=installation.enterprise_id,
                    team_id=installation.team_id,
                    user_id=installation.user_id,
                    is_enterprise_install=bool(installation.is_enterprise_install),
                    data=_plain(installation.to_dict_for_copying()),
                    installed_at=datetime.fromtimestamp(installation.installed_at, UTC),
                )
            )

    async def async_save_bot(self, bot: Bot) -> None:
        # Bots are read from installations; a bot-only save has nothing more to keep.
        return None

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        query = select(SlackInstallation).where(SlackInstallation.client_id == self.client_id)
        if is_enterprise_install or (enterprise_id and not team_id):
            query = query.where(SlackInstallation.enterprise_id == enterprise_id)
        else:
            query = query.where(SlackInstallation.team_id == team_id)
        if user_id is not None:
            query = query.where(SlackInstallation.user_id == user_id)
        query = query.order_by(
            col(SlackInstallation.installed_at).desc(), col(SlackInstallation.id).desc()
        )
        async with session_scope(self.engine) as session:
            row = (await session.exec(query.limit(1))).first()
        return Installation(**row.data) if row else None

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        installation = await self.async_find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        if installation is None or installation.bot_token is None:
            return None
        return installation.to_bot()

    async def async_delete_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
    ) -> None:
        statement = delete(SlackInstallation).where(
            col(SlackInstallation.client_id) == self.client_id,
            col(SlackInstallation.team_id) == team_id,
        )
        if user_id is not None:
            statement = statement.where(col(SlackInstallation.user_id) == user_id)
        async with session_scope(self.engine) as session:
            await (await session.connection()).execute(statement)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.async_delete_installation(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.async_delete_installation(enterprise_id=enterprise_id, team_id=team_id)

    async def installer(self, team_id: str) -> str | None:
        """The Slack user who installed the app in this workspace: the admin we can tell."""
        installation = await self.async_find_installation(enterprise_id=None, team_id=team_id)
        return installation.user_id if installation else None


class SqlOAuthStateStore(AsyncOAuthStateStore):
    """One-time states, valid for `lifetime`: a replayed or stale OAuth redirect is refused."""

    def __init__(self, engine: AsyncEngine, lifetime: timedelta = timedelta(minutes=10)) -> None:
        self.engine = engine
        self.lifetime = lifetime

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(24)
        async with session_scope(self.engine) as session:
            expires = datetime.now(UTC) + self.lifetime
            session.add(SlackOAuthState(state=state, expires_at=expires))
        return state

    async def async_consume(self, state: str) -> bool:
        if not isinstance(state, str) or not _ISSUED.fullmatch(state):
            return False  # not one we issued: no need to ask the database (nor let it choke on NUL)
        async with session_scope(self.engine) as session:
            statement = delete(SlackOAuthState).where(
                col(SlackOAuthState.state) == state,
                col(SlackOAuthState.expires_at) > datetime.now(UTC),
            )
            result = await (await session.connection()).execute(statement)
        return bool(result.rowcount)
