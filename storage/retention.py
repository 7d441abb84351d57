"""Retention: what has outlived the pack's retention period, and erasing it (legal holds excepted).

DCC 000:105: supervision notes are retained for the length of the employee's employment; a pack
may instead keep them a number of years after leaving. Erasure removes the person's supervision
records, informal notes and absences, and anonymises their staff entry; decisions on children's
cases stay (they belong to the child's record) under the anonymised name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from policy.packs import Pack
from storage.models import (
    Absence,
    ConversationReference,
    CourseCompletion,
    InformalSupervision,
    MissedMonth,
    PersonalElement,
    PlaygroundTurn,
    RecordAction,
    RecordCaseDiscussion,
    RecordDecision,
    SessionAttendee,
    SessionReflection,
    Snooze,
    Staff,
    SupervisionRecord,
)


@dataclass(frozen=True)
class Expired:
    staff_id: int
    name: str
    leaving_date: date
    expired_on: date
    legal_hold: bool
    records: int
    informal_notes: int
    absences: int


def expiry(pack: Pack, leaving: date) -> date:
    value = pack.retention.value
    if value == "length_of_employment":
        return leaving
    try:
        return leaving.replace(year=leaving.year + int(value))
    except ValueError:  # 29 February
        return leaving.replace(year=leaving.year + int(value), day=28)


async def _records_of(session: AsyncSession, staff_id: int) -> list[SupervisionRecord]:
    attending = select(SessionAttendee.session_id).where(SessionAttendee.staff_id == staff_id)
    rows = await session.exec(
        select(SupervisionRecord).where(col(SupervisionRecord.session_id).in_(attending))
    )
    return list(rows.all())


async def expired(
    session: AsyncSession, organisation_id: int, pack: Pack, today: date
) -> list[Expired]:
    """Leavers whose data is past retention on `today` (a dry run lists exactly these)."""
    leavers = (
        await session.exec(
            select(Staff).where(
                Staff.organisation_id == organisation_id,
                col(Staff.leaving_date).is_not(None),
                col(Staff.leaving_date) < today,
                col(Staff.email).not_like("erased-%"),
            )
        )
    ).all()
    found = []
    for person in leavers:
        assert person.id is not None
        assert person.leaving_date is not None
        ends = expiry(pack, person.leaving_date)
        if ends >= today:
            continue
        informal = (
            await session.exec(
                select(InformalSupervision.id).where(InformalSupervision.supervisee_id == person.id)
            )
        ).all()
        absences = (
            await session.exec(select(Absence.id).where(Absence.staff_id == person.id))
        ).all()
        found.append(
            Expired(
                person.id,
                person.name,
                person.leaving_date,
                ends,
                person.legal_hold,
                len(await _records_of(session, person.id)),
                len(informal),
                len(absences),
            )
        )
    return found


async def erase(session: AsyncSession, items: Sequence[Expired]) -> int:
    """Erase what `expired` listed, skipping anyone under a legal hold; returns people erased."""
    erased = 0
    for item in items:
        person = await session.get(Staff, item.staff_id)
        if person is None or person.legal_hold:
            continue
        records = await _records_of(session, item.staff_id)
        ids = [r.id for r in records]
        connection = await session.connection()
        statements = [
            delete(RecordAction).where(col(RecordAction.record_id).in_(ids)),
            delete(RecordDecision).where(col(RecordDecision.record_id).in_(ids)),
            delete(RecordCaseDiscussion).where(col(RecordCaseDiscussion.record_id).in_(ids)),
            delete(SupervisionRecord).where(col(SupervisionRecord.id).in_(ids)),
            delete(InformalSupervision).where(
                col(InformalSupervision.supervisee_id) == item.staff_id
            ),
            delete(Absence).where(col(Absence.staff_id) == item.staff_id),
            # DCC 000:176 reasons are on the supervision file, kept as long as it (000:105).
            delete(MissedMonth).where(col(MissedMonth.staff_id) == item.staff_id),
            delete(PersonalElement).where(col(PersonalElement.staff_id) == item.staff_id),
            delete(CourseCompletion).where(col(CourseCompletion.staff_id) == item.staff_id),
            delete(Snooze).where(col(Snooze.staff_id) == item.staff_id),
            # Issue 27: their reflections before supervision, as their records go.
            delete(SessionReflection).where(col(SessionReflection.staff_id) == item.staff_id),
            delete(ConversationReference).where(
                col(ConversationReference.staff_id) == item.staff_id
            ),
            # Issue 22: the playground's conversation as them.
            delete(PlaygroundTurn).where(col(PlaygroundTurn.staff_id) == item.staff_id),
        ]
        for statement in statements:
            await connection.execute(statement)
        person.name = f"Former staff member {person.id}"
        person.email = f"erased-{person.id}@invalid"
        person.external_ref = f"erased-{person.id}"
        person.slack_user_id = person.slack_team_id = person.teams_aad_object_id = None
        person.grade = None
        session.add(person)
        erased += 1
    await session.flush()
    return erased
