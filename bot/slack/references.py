"""Where the bot can write to someone on Slack later: their DM with the app, kept in the database.

Conversation ids are "<team id>:<channel id>", so the outbox sender knows which workspace's token
to use without another lookup (several workspaces can be installed at once).
"""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from storage.db import session_scope
from storage.models import ConversationReference, SlackPendingForm, Team, utcnow

PLATFORM = "slack"


def conversation_id(team_id: str, channel_id: str) -> str:
    return f"{team_id}:{channel_id}"


def split_target(target: str) -> tuple[str | None, str]:
    """'T1:D1' -> ('T1', 'D1'); a bare channel id (single workspace) -> (None, 'C1')."""
    team, _, channel = target.rpartition(":")
    return team or None, channel


async def remember_dm(
    engine: AsyncEngine, staff_id: int, team_id: str, user_id: str, channel_id: str
) -> None:
    """Insert or refresh, atomically: several clicks at once may all learn the same DM."""
    builder = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    reference = {"team_id": team_id, "user_id": user_id, "channel": channel_id}
    now = utcnow()
    statement = (
        builder(ConversationReference)
        .values(
            platform=PLATFORM,
            conversation_id=conversation_id(team_id, channel_id),
            staff_id=staff_id,
            reference=reference,
            updated_at=now,
        )
        .on_conflict_do_update(
            index_elements=["platform", "conversation_id"],
            set_={"staff_id": staff_id, "reference": reference, "updated_at": now},
        )
    )
    async with session_scope(engine) as session:
        await (await session.connection()).execute(statement)


async def known_dm(engine: AsyncEngine, staff_id: int, team_id: str) -> str | None:
    """The DM channel id with this person in this workspace, if they have ever been reached."""
    async with session_scope(engine) as session:
        found = (
            await session.exec(
                select(ConversationReference.conversation_id).where(
                    ConversationReference.platform == PLATFORM,
                    ConversationReference.staff_id == staff_id,
                    col(ConversationReference.conversation_id).startswith(f"{team_id}:"),
                )
            )
        ).first()
    return split_target(found)[1] if found else None


async def team_manager_of_channel(engine: AsyncEngine, channel_id: str) -> int | None:
    """Who looks after a team's digest channel: the team's manager."""
    async with session_scope(engine) as session:
        return (
            await session.exec(select(Team.manager_id).where(Team.slack_channel_id == channel_id))
        ).first()


async def save_pending_form(engine: AsyncEngine, key: str, form: dict[str, object]) -> None:
    async with session_scope(engine) as session:
        row = await session.get(SlackPendingForm, key) or SlackPendingForm(key=key)
        row.form, row.updated_at = dict(form), utcnow()
        session.add(row)


async def pending_form(engine: AsyncEngine, key: str) -> dict[str, object] | None:
    async with session_scope(engine) as session:
        row = await session.get(SlackPendingForm, key)
        return dict(row.form) if row else None
