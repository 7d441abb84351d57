"""What the exports read: a record with its people, and decisions not yet sent to case records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogs.views import RecordView, SessionView
from storage.models import (
    Case,
    ManagerDecision,
    Organisation,
    RecordCaseDiscussion,
    Staff,
    SupervisionRecord,
    SupervisionSession,
)
from storage.repositories.records import SqlRecords
from storage.repositories.sessions import SqlSessions


@dataclass(frozen=True)
class RecordBundle:
    record: RecordView
    session: SessionView
    organisation: Organisation
    names: dict[int, str]


async def record_bundle(session: AsyncSession, record_id: int) -> RecordBundle | None:
    record = await SqlRecords(session).get(record_id)
    if record is None:
        return None
    meeting = await SqlSessions(session).get(record.session_id)
    assert meeting is not None
    row = await session.get(SupervisionSession, record.session_id)
    assert row is not None
    organisation = await session.get(Organisation, row.organisation_id)
    assert organisation is not None
    ids = {meeting.supervisor_id, *meeting.supervisee_ids, *(a.owner_id for a in record.actions)}
    people = (await session.exec(select(Staff).where(col(Staff.id).in_(ids)))).all()
    return RecordBundle(record, meeting, organisation, {p.id or 0: p.name for p in people})


@dataclass(frozen=True)
class PendingDecision:
    id: int
    reference: str
    decision: str
    rationale: str
    decided_on: date
    decided_by: str


@dataclass(frozen=True)
class PendingDiscussion:
    id: int
    reference: str
    headings: dict[str, str]
    held_at: datetime
    author: str


async def pending_case_notes(
    session: AsyncSession, organisation_id: int, again_since: datetime | None = None
) -> tuple[Sequence[PendingDecision], Sequence[PendingDiscussion]]:
    """Notes not yet exported, and with `again_since` those exported since then too (to send
    again a file that was lost or cut short)."""

    def unsent(column: Any) -> Any:
        return (
            column.is_(None)
            if again_since is None
            else or_(column.is_(None), column >= again_since)
        )

    decisions = (
        await session.exec(
            select(ManagerDecision, Case.reference, Staff.name)
            .join(Case, col(Case.id) == ManagerDecision.case_id)
            .join(Staff, col(Staff.id) == ManagerDecision.decided_by_id)
            .where(
                ManagerDecision.organisation_id == organisation_id,
                unsent(col(ManagerDecision.exported_at)),
                col(ManagerDecision.withdrawn_at).is_(None),  # undone by its author (issue 22)
            )
            .order_by(col(ManagerDecision.decided_on), col(ManagerDecision.id))
        )
    ).all()
    discussions = (
        await session.exec(
            select(
                RecordCaseDiscussion, Case.reference, SupervisionSession.planned_start, Staff.name
            )
            .join(Case, col(Case.id) == RecordCaseDiscussion.case_id)
            .join(SupervisionRecord, col(SupervisionRecord.id) == RecordCaseDiscussion.record_id)
            .join(SupervisionSession, col(SupervisionSession.id) == SupervisionRecord.session_id)
            .join(Staff, col(Staff.id) == SupervisionRecord.written_by_id)
            .where(
                Case.organisation_id == organisation_id,
                unsent(col(RecordCaseDiscussion.exported_at)),
            )
            .order_by(col(SupervisionSession.planned_start), col(RecordCaseDiscussion.id))
        )
    ).all()
    return (
        [
            PendingDecision(d.id or 0, ref, d.decision, d.rationale, d.decided_on, name)
            for d, ref, name in decisions
        ],
        [
            PendingDiscussion(d.id or 0, ref, {k: str(v) for k, v in d.headings.items()}, at, name)
            for d, ref, at, name in discussions
        ],
    )


async def mark_exported(
    session: AsyncSession, decision_ids: Sequence[int], discussion_ids: Sequence[int], at: datetime
) -> None:
    for row in (
        await session.exec(select(ManagerDecision).where(col(ManagerDecision.id).in_(decision_ids)))
    ).all():
        row.exported_at = at
        session.add(row)
    for item in (
        await session.exec(
            select(RecordCaseDiscussion).where(col(RecordCaseDiscussion.id).in_(discussion_ids))
        )
    ).all():
        item.exported_at = at
        session.add(item)
