"""Tell a new line manager that a supervisee's records pass to them (DCC 000:105), through the
outbox in the import's own transaction: the change and the message are kept together or not at
all. What is said: policy.record_handover."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogs.messages import Say
from dialogs.serialise import to_dict
from policy.packs import Pack
from policy.record_handover import handover_message
from storage.imports.base import ImportReport
from storage.models import SessionAttendee, Staff, SupervisionRecord
from storage.outbox import Queued, destinations_of, enqueue_many, sealed


async def tell_new_managers(
    session: AsyncSession, pack: Pack, report: ImportReport, today: date
) -> None:
    if pack.record_access.pass_on_manager_change is None or not report.manager_changes:
        return
    rows: list[Queued] = []
    now = datetime.now(UTC)
    for staff_id, previous_id, new_id in report.manager_changes:
        records = (
            await session.exec(
                select(SupervisionRecord.id)
                .join(
                    SessionAttendee,
                    col(SessionAttendee.session_id) == col(SupervisionRecord.session_id),
                )
                .where(SessionAttendee.staff_id == staff_id)
            )
        ).all()
        person = await session.get(Staff, staff_id)
        previous = await session.get(Staff, previous_id) if previous_id else None
        text = handover_message(
            pack,
            person.name if person else "a supervisee",
            [r for r in records if r is not None],
            previous.name if previous else None,
        )
        if text is None:
            continue
        manager = await session.get(Staff, new_id)
        report.notes.append(
            f"{person.name if person else staff_id}: supervision records pass to the new line "
            f"manager, {manager.name if manager else new_id}, who is told ({len(records)} records)"
        )
        payload = {"replies": [to_dict(Say(text))]}
        reach = await destinations_of(session, [new_id])
        key = f"handover:{staff_id}:{new_id}:{today.isoformat()}"
        rows += [
            Queued(f"{key}:{platform}", platform, target, "handover", payload, now)
            for platform, target in reach[new_id]
        ]
    if rows:
        await enqueue_many(session, sealed(rows))
