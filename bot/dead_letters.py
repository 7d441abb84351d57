"""After the last retry: tell the organisation's admins what could not be delivered, and where.

The notice names the kind of message and the destination, never its content.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogs.messages import Say, Tone
from dialogs.serialise import to_dict
from scoring.vocabulary import StaffRole
from storage.db import session_factory
from storage.models import ConversationReference, OutboxMessage, Staff, Team
from storage.outbox import destinations, enqueue

log = logging.getLogger(__name__)
ADMIN_ROLES = (StaffRole.ADMIN_SUPPORT.value, StaffRole.SERVICE_MANAGER.value)


async def _organisation_of(session: AsyncSession, row: OutboxMessage) -> int | None:
    prefix, _, number = row.target.partition(":")
    if row.platform == "web" and number.isdigit():
        found = await session.get(Staff if prefix == "staff" else Team, int(number))
        return found.organisation_id if isinstance(found, Staff | Team) else None
    reference = (
        await session.exec(
            select(ConversationReference).where(
                ConversationReference.platform == row.platform,
                col(ConversationReference.conversation_id).in_([row.target, number or row.target]),
            )
        )
    ).first()
    if reference is not None and reference.staff_id is not None:
        person = await session.get(Staff, reference.staff_id)
        return person.organisation_id if person else None
    team_id = reference.team_id if reference else None
    if team_id is None:
        query = select(Team).where(
            (col(Team.slack_channel_id) == row.target) | (col(Team.teams_channel_id) == row.target)
        )
        team = (await session.exec(query)).first()
        team_id = team.id if team else None
    team = await session.get(Team, team_id) if team_id else None
    return team.organisation_id if team else None


def admin_notifier(database: AsyncEngine, clock: Callable[[], datetime]):  # type: ignore[no-untyped-def]
    async def tell_admins(message_id: int, error: str) -> None:
        async with session_factory(database)() as session:
            row = await session.get(OutboxMessage, message_id)
            if row is None or row.idempotency_key.startswith("dead:"):
                return  # never a notice about a notice
            organisation_id = await _organisation_of(session, row)
            if organisation_id is None:
                log.error("dead letter %s: no organisation to tell", message_id)
                return
            for role in ADMIN_ROLES:
                admins = (
                    await session.exec(
                        select(Staff).where(
                            Staff.organisation_id == organisation_id, Staff.role == role
                        )
                    )
                ).all()
                if admins:
                    break
            text = (
                f"A {row.kind} for {row.platform} ({row.target}) could not be delivered after "
                f"{row.attempts} attempts: {error[:200]}. Check that the app is installed there "
                "(and invited to the channel); the message is kept in the outbox."
            )
            payload = {"replies": [to_dict(Say(text, Tone.WARNING))]}
            for admin in admins:
                assert admin.id is not None
                for platform, target in await destinations(session, admin.id):
                    await enqueue(
                        session,
                        key=f"dead:{message_id}:{admin.id}:{platform}",
                        platform=platform,
                        target=target,
                        kind="notice",
                        payload=payload,
                        due_at=clock(),
                    )
            await session.commit()

    return tell_admins
