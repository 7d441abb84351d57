"""Who the bot cannot reach (issue 23 item 5): people in post with no personal chat stored on
Slack or Teams. The bot can only speak first where a conversation reference exists (a Teams
person who never installed or opened the app has none), so these people are told nothing
until the app is rolled out to them (docs/deployment.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from storage.models import ConversationReference, OutboxMessage, Staff
from storage.outbox import HELD, held_target

CHAT_PLATFORMS = ("slack", "teams")


@dataclass(frozen=True, slots=True)
class Unreachable:
    staff_id: int
    name: str
    email: str
    manager_id: int | None
    teams_user: bool  # has an Entra ID object id: a Teams user the app is not installed for
    team_id: int | None = None


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
            col(Staff.team_id),
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
        Unreachable(sid or 0, name, email, manager, bool(aad), team)
        for sid, name, email, manager, aad, team in rows.all()
    ]


async def held_counts(connection: AsyncConnection, staff_ids: Sequence[int]) -> dict[int, int]:
    """How many messages are held for each of these people (storage.outbox.HELD): waiting for
    the app to be installed for them. Everyone asked about is in the answer, 0 if none."""
    found = dict.fromkeys(staff_ids, 0)
    targets = {held_target(staff_id): staff_id for staff_id in staff_ids}
    names = list(targets)
    for start in range(0, len(names), 500):
        rows = await connection.execute(
            select(col(OutboxMessage.target), func.count())
            .where(
                col(OutboxMessage.status) == HELD,
                col(OutboxMessage.platform) == "web",
                col(OutboxMessage.target).in_(names[start : start + 500]),
            )
            .group_by(col(OutboxMessage.target))
        )
        for target, count in rows.all():
            found[targets[target]] = int(count)
    return found
