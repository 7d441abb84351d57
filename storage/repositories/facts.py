"""The policy engine's inputs, read in a few set-based queries (no query per person)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogs.ports import PolicyInputs
from policy.facts import AbsenceFacts, OverCapApproval, RecordFacts, SessionFacts, StaffFacts
from policy.facts import CaseFacts as PolicyCaseFacts
from policy.vocabulary import AbsenceKind, CancelReason, SessionStatus, SessionType
from scoring.vocabulary import AllocationRole, CaseCategory, StaffRole
from storage.models import (
    Absence,
    Case,
    CaseAllocation,
    RecordCaseDiscussion,
    SessionAttendee,
    Staff,
    SupervisionRecord,
    SupervisionSession,
    Team,
)
from storage.models import (
    OverCapApproval as ApprovalRow,
)

LONDON = ZoneInfo("Europe/London")


class SqlFacts:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def for_staff(self, staff_ids: Sequence[int], on: date) -> PolicyInputs:
        return await self._load(col(Staff.id).in_(list(staff_ids)), on)

    async def for_organisation(self, organisation_id: int, on: date) -> PolicyInputs:
        return await self._load(col(Staff.organisation_id) == organisation_id, on)

    async def _load(self, who: ColumnElement[bool], on: date) -> PolicyInputs:
        rows = (
            await self._session.exec(
                select(Staff, Team.service)
                .outerjoin(Team, col(Team.id) == Staff.team_id)
                .where(who)
            )
        ).all()
        services: dict[str, int] = {}
        staff = tuple(
            StaffFacts(
                id=s.id or 0,
                name=s.name,
                role=StaffRole(s.role),
                team_id=s.team_id or 0,
                supervisor_id=s.line_manager_id,
                start_date=s.start_date or date(2000, 1, 1),
                leaving_date=s.leaving_date,
                agency=s.agency,
                asye_start=s.asye_start,
                fte=s.fte,
                service_id=services.setdefault(service or "", len(services) + 1),
            )
            for s, service in rows
        )
        ids = [s.id for s in staff]
        sessions = await self._sessions(ids)
        absences = tuple(
            AbsenceFacts(a.staff_id, AbsenceKind(a.kind), a.start_date, a.end_date)
            for a in (
                await self._session.exec(select(Absence).where(col(Absence.staff_id).in_(ids)))
            ).all()
        )
        cases, counts = await self._cases(ids, on, sessions)
        approvals = tuple(
            OverCapApproval(a.staff_id, a.approver_id, a.reason, a.start_date, a.max_end_date)
            for a in (
                await self._session.exec(
                    select(ApprovalRow).where(col(ApprovalRow.staff_id).in_(ids))
                )
            ).all()
        )
        return PolicyInputs(staff, sessions, absences, cases, approvals, counts)

    async def _sessions(self, ids: list[int]) -> tuple[SessionFacts, ...]:
        attending = select(SessionAttendee.session_id).where(col(SessionAttendee.staff_id).in_(ids))
        rows = (
            await self._session.exec(
                select(SupervisionSession).where(
                    or_(
                        col(SupervisionSession.supervisor_id).in_(ids),
                        col(SupervisionSession.id).in_(attending),
                    )
                )
            )
        ).all()
        session_ids = [r.id for r in rows]
        attendees: dict[int, list[int]] = defaultdict(list)
        for a in (
            await self._session.exec(
                select(SessionAttendee).where(col(SessionAttendee.session_id).in_(session_ids))
            )
        ).all():
            attendees[a.session_id].append(a.staff_id)
        records = {
            r.session_id: r
            for r in (
                await self._session.exec(
                    select(SupervisionRecord).where(
                        col(SupervisionRecord.session_id).in_(session_ids)
                    )
                )
            ).all()
        }
        refs: dict[int, list[str]] = defaultdict(list)
        for record_id, reference in (
            await self._session.exec(
                select(RecordCaseDiscussion.record_id, Case.reference)
                .join(Case, col(Case.id) == RecordCaseDiscussion.case_id)
                .where(col(RecordCaseDiscussion.record_id).in_([r.id for r in records.values()]))
            )
        ).all():
            refs[record_id].append(reference)
        facts = []
        for row in rows:
            record = records.get(row.id or 0)
            facts.append(
                SessionFacts(
                    id=row.id or 0,
                    type=SessionType(row.type),
                    supervisor_id=row.supervisor_id,
                    supervisee_ids=tuple(sorted(attendees[row.id or 0])),
                    start=row.planned_start,
                    end=row.planned_end,
                    status=SessionStatus(row.status),
                    rescheduled_from_id=row.rescheduled_from_id,
                    cancel_reason=CancelReason(row.cancel_reason) if row.cancel_reason else None,
                    record=RecordFacts(
                        record.written_at,
                        record.supervisor_signed_at,
                        record.supervisee_signed_at,
                        tuple(refs[record.id or 0]),
                    )
                    if record
                    else None,
                )
            )
        return tuple(facts)

    async def _cases(
        self, ids: list[int], on: date, sessions: tuple[SessionFacts, ...]
    ) -> tuple[tuple[PolicyCaseFacts, ...], tuple[tuple[int, int], ...]]:
        rows = (
            await self._session.exec(
                select(Case, CaseAllocation)
                .join(CaseAllocation, col(CaseAllocation.case_id) == Case.id)
                .where(
                    col(CaseAllocation.staff_id).in_(ids),
                    or_(col(CaseAllocation.end_date).is_(None), col(CaseAllocation.end_date) > on),
                    or_(col(Case.closed).is_(None), col(Case.closed) > on),
                )
            )
        ).all()
        last_discussed: dict[str, date] = {}
        for session in sessions:
            if session.status is SessionStatus.HELD and session.record is not None:
                day = session.start.astimezone(LONDON).date()
                for reference in session.record.case_refs:
                    if last_discussed.get(reference, date.min) < day:
                        last_discussed[reference] = day
        cases = []
        counts: dict[int, int] = defaultdict(int)
        for case, allocation in rows:
            lead = AllocationRole(allocation.role) is AllocationRole.LEAD
            cases.append(
                PolicyCaseFacts(
                    reference=case.reference,
                    category=CaseCategory(case.category),
                    worker_id=allocation.staff_id,
                    opened=case.opened,
                    closed=case.closed,
                    last_case_supervision=last_discussed.get(case.reference),
                    matched_stable_extension_until=case.case_supervision_extension_until,
                    counts_towards_cap=lead,
                )
            )
            if lead:
                # CAP003 003:24: a case is one child, so a sibling group counts each child.
                counts[allocation.staff_id] += case.children
        return tuple(cases), tuple(sorted(counts.items()))
