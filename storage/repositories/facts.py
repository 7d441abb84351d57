"""The policy engine's inputs, read in a few set-based queries (no query per person)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_
from sqlalchemy import select as core_select
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

    async def approvals(self, staff_id: int) -> tuple[OverCapApproval, ...]:
        A = ApprovalRow
        connection = await self._session.connection()
        rows = await connection.execute(
            core_select(
                col(A.staff_id), col(A.approver_id), col(A.reason), col(A.start_date),
                col(A.max_end_date),
            ).where(col(A.staff_id) == staff_id)
        )  # fmt: skip
        return tuple(OverCapApproval(*row) for row in rows.all())

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
        # Only the columns the policy reads: record text (encrypted) is never loaded here.
        attending = select(SessionAttendee.session_id).where(col(SessionAttendee.staff_id).in_(ids))
        S = SupervisionSession
        connection = await self._session.connection()
        rows = (
            await connection.execute(
                core_select(
                    col(S.id),
                    col(S.type),
                    col(S.supervisor_id),
                    col(S.planned_start),
                    col(S.planned_end),
                    col(S.status),
                    col(S.rescheduled_from_id),
                    col(S.cancel_reason),
                ).where(or_(col(S.supervisor_id).in_(ids), col(S.id).in_(attending)))
            )
        ).all()
        session_ids = [r[0] for r in rows]
        attendees: dict[int, list[int]] = defaultdict(list)
        for session_id, staff_id in (
            await self._session.exec(
                select(SessionAttendee.session_id, SessionAttendee.staff_id).where(
                    col(SessionAttendee.session_id).in_(session_ids)
                )
            )
        ).all():
            attendees[session_id].append(staff_id)
        R = SupervisionRecord
        records = {
            r[1]: r
            for r in (
                await connection.execute(
                    core_select(
                        col(R.id),
                        col(R.session_id),
                        col(R.written_at),
                        col(R.supervisor_signed_at),
                        col(R.supervisee_signed_at),
                    ).where(col(R.session_id).in_(session_ids))
                )
            ).all()
        }
        refs: dict[int, list[str]] = defaultdict(list)
        for record_id, reference in (
            await self._session.exec(
                select(RecordCaseDiscussion.record_id, Case.reference)
                .join(Case, col(Case.id) == RecordCaseDiscussion.case_id)
                .where(col(RecordCaseDiscussion.record_id).in_([r[0] for r in records.values()]))
            )
        ).all():
            refs[record_id].append(reference)
        facts = []
        for row_id, kind, supervisor, start, end, status, moved_from, cancel in rows:
            sid = int(row_id or 0)
            record = records.get(sid)
            facts.append(
                SessionFacts(
                    id=sid,
                    type=SessionType(kind),
                    supervisor_id=supervisor,
                    supervisee_ids=tuple(sorted(attendees[sid])),
                    start=start,
                    end=end,
                    status=SessionStatus(status),
                    rescheduled_from_id=moved_from,
                    cancel_reason=CancelReason(cancel) if cancel else None,
                    record=RecordFacts(
                        record[2], record[3], record[4], tuple(refs[int(record[0] or 0)])
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
                    # Open on the day, as the chat's score reads them (SqlCases.open_cases).
                    col(CaseAllocation.staff_id).in_(ids),
                    col(CaseAllocation.start_date) <= on,
                    or_(col(CaseAllocation.end_date).is_(None), col(CaseAllocation.end_date) > on),
                    col(Case.opened) <= on,
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
