"""Who the bot cannot reach (issue 23 item 5): people in post with no personal chat stored on
Slack or Teams. The bot can only speak first where a conversation reference exists (a Teams
person who never installed or opened the app has none), so these people are told nothing
until the app is rolled out to them (docs/deployment.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from storage.models import ConversationReference, Staff

CHAT_PLATFORMS = ("slack", "teams")


@dataclass(frozen=True, slots=True)
class Unreachable:
    staff_id: int
    name: str
    email: str
    manager_id: int | None
    teams_user: bool  # has an Entra ID object id: a Teams user the app is not installed for


async def unreachable(
    connection: AsyncConnection, organisation_id: int, on: date
) -> list[Unreachable]:
    """In post on `on`, with no Slack or Teams personal chat stored, by name."""
    R = ConversationReference
    reached = select(col(R.staff_id)).where(
        col(R.staff_id).is_not(None), col(R.platform).in_(CHAT_PLATFORMS)
    )
    rows = await connection.execute(
        select(
            col(Staff.id),
            col(Staff.name),
            col(Staff.email),
            col(Staff.line_manager_id),
            col(Staff.teams_aad_object_id),
        )
        .where(
            col(Staff.organisation_id) == organisation_id,
            or_(col(Staff.start_date).is_(None), col(Staff.start_date) <= on),
            or_(col(Staff.leaving_date).is_(None), col(Staff.leaving_date) >= on),
            and_(col(Staff.id).not_in(reached)),
        )
        .order_by(col(Staff.name))
    )
    return [
        Unreachable(sid or 0, name, email, manager, bool(aad))
        for sid, name, email, manager, aad in rows.all()
    ]
