"""Conversation references: where the bot may speak first (a person's chat, a team's channel).

A chat platform only lets a bot message people and channels where it is installed, and only with
the address the platform gave it (platforms.md, "Proactive messages"). Every activity refreshes
the stored address, because the service URL behind it can change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ConversationReference, Team, utcnow


class SqlReferences:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def remember(
        self,
        *,
        platform: str,
        conversation_id: str,
        reference: Mapping[str, Any],
        service_url: str | None = None,
        tenant_id: str | None = None,
        staff_id: int | None = None,
        team_id: int | None = None,
    ) -> ConversationReference:
        """Insert or refresh one reference; a known person or team is never forgotten by a
        later activity that could not name them."""
        row = await self.get(platform, conversation_id)
        if row is None:
            row = ConversationReference(platform=platform, conversation_id=conversation_id)
        row.reference = dict(reference)
        row.service_url = service_url or row.service_url
        row.tenant_id = tenant_id or row.tenant_id
        row.staff_id = staff_id if staff_id is not None else row.staff_id
        row.team_id = team_id if team_id is not None else row.team_id
        row.updated_at = utcnow()
        self._session.add(row)
        await self._session.flush()
        return row

    async def get(self, platform: str, conversation_id: str) -> ConversationReference | None:
        rows = await self._session.exec(
            select(ConversationReference).where(
                ConversationReference.platform == platform,
                ConversationReference.conversation_id == conversation_id,
            )
        )
        return rows.first()

    async def for_team(self, platform: str, team_id: int) -> Sequence[ConversationReference]:
        """References in a team's channels, newest first (any of them carries the service URL)."""
        rows = await self._session.exec(
            select(ConversationReference)
            .where(
                ConversationReference.platform == platform,
                ConversationReference.team_id == team_id,
            )
            .order_by(col(ConversationReference.updated_at).desc())
        )
        return list(rows.all())

    async def team_for_channel(self, channel_ids: Sequence[str]) -> Team | None:
        """The team whose configured Teams channel is one of these ids."""
        wanted = [c for c in channel_ids if c]
        if not wanted:
            return None
        rows = await self._session.exec(
            select(Team).where(col(Team.teams_channel_id).in_(wanted)).order_by(col(Team.id))
        )
        return rows.first()

    async def link_team_channel(self, team_id: int, channel_id: str) -> None:
        """Make a channel the team's configured channel (where its weekly digest goes)."""
        team = await self._session.get(Team, team_id)
        if team is None:
            raise LookupError(f"no team {team_id}")
        team.teams_channel_id = channel_id
        self._session.add(team)
        await self._session.flush()
