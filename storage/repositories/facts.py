"""The policy engine's inputs, read in a few set-based queries (no query per person)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, or_
from sqlalchemy import select as core_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogs.ports import KeptDue, PolicyInputs
from policy.facts import (
    AbsenceFacts,
    CaseloadPeriod,
    MissedReasonFacts,
    OverCapApproval,
    RecordFacts,
    SessionFacts,
    StaffFacts,
)
from policy.facts import CaseFacts as PolicyCaseFacts
from policy.packs import Pack
from policy.vocabulary import AbsenceKind, CancelReason, SessionStatus, SessionType
from scoring.model import PersonalElement as ScoredElement
from scoring.vocabulary import AllocationRole, CaseCategory, StaffRole
from storage.models import (
    Absence,
    Case,
    CaseAllocation,
    MissedMonth,
    Organisation,
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
from storage.models import (
    PersonalElement as PersonalElementRow,
)
from storage.queries.digest import caseload_history_sql
from storage.repositories.obligations import kept_due, last_reviewed

LONDON = ZoneInfo("Europe/London")


def _as_utc(moment: datetime) -> datetime:
    """An aggregate over a UTC column comes back naive on SQLite (no column type applies)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _last_discussions(
    sessions: Sequence[SessionFacts], found: dict[str, date] | None = None
) -> dict[str, date]:
    """Each child's last discussion in these sessions (held, with a record), on top of `found`."""
    last = found if found is not None else {}
    for session in sessions:
        if session.status is SessionStatus.HELD and session.records:
            day = session.start.astimezone(LONDON).date()
            for reference in session.case_refs:
                if last.get(reference, date.min) < day:
                    last[reference] = day
    return last


def _each(together: PolicyInputs, staff_ids: Sequence[int]) -> dict[int, PolicyInputs]:
    """Each person's part of inputs read for several (SqlFacts.for_each): what `for_staff` reads
    for them alone. Alone, their service is the first one numbered, their sessions are those they
    led or attended, and a child's last discussion is the last in those sessions."""
    sessions: dict[int, list[SessionFacts]] = defaultdict(list)
    for session in together.sessions:  # in the order read, as one person's read has them
        for staff_id in dict.fromkeys((session.supervisor_id, *session.supervisee_ids)):
            sessions[staff_id].append(session)
    staff = {s.id: replace(s, service_id=1) for s in together.staff}
    absences, cases = defaultdict(list), defaultdict(list)
    approvals, counts, reasons = defaultdict(list), defaultdict(list), defaultdict(list)
    for absence in together.absences:
        absences[absence.staff_id].append(absence)
    for case in together.cases:
        cases[case.worker_id].append(case)
    for approval in together.approvals:
        approvals[approval.staff_id].append(approval)
    for count in together.caseload_counts:
        counts[count[0]].append(count)
    for reason in together.missed_reasons:
        reasons[reason.staff_id].append(reason)
    found = {}
    for staff_id in staff_ids:
        theirs = tuple(sessions.get(staff_id, ()))
        discussed = _last_discussions(theirs)
        found[staff_id] = PolicyInputs(
            (staff[staff_id],) if staff_id in staff else (),
            theirs,
            tuple(absences.get(staff_id, ())),
            tuple(
                replace(c, last_case_supervision=discussed.get(c.reference))
                for c in cases.get(staff_id, ())
            ),
            tuple(approvals.get(staff_id, ())),
            tuple(counts.get(staff_id, ())),
            tuple(reasons.get(staff_id, ())),
        )
    return found


_IDS_PER_QUERY = 500  # bound ids per IN list: far below SQLite's and asyncpg's limits


# Issue 24: a chat answer's two reads beside its cases, built once with bound parameters.
_APPROVALS_OF_ONE = core_select(
    col(ApprovalRow.staff_id), col(ApprovalRow.approver_id), col(ApprovalRow.reason),
    col(ApprovalRow.start_date), col(ApprovalRow.max_end_date),
).where(col(ApprovalRow.staff_id) == bindparam("staff_id"))  # fmt: skip
_ELEMENTS_OF_ONE = (
    core_select(
        col(PersonalElementRow.staff_id),
        col(PersonalElementRow.element),
        col(PersonalElementRow.quantity),
        col(PersonalElementRow.points),
    )
    .where(
        col(PersonalElementRow.staff_id) == bindparam("staff_id"),
        col(PersonalElementRow.start_date) <= bindparam("on"),
        or_(
            col(PersonalElementRow.end_date).is_(None),
            col(PersonalElementRow.end_date) >= bindparam("on"),
        ),
    )
    .order_by(col(PersonalElementRow.id))
)


class SqlFacts:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def for_staff(
        self, staff_ids: Sequence[int], on: date, history_from: date | None = None
    ) -> PolicyInputs:
        """Their inputs on `on`. With `history_from`, sessions before it are read only where the
        policy can still need them (policy.obligations.history_window): each person's last held
        session of each type, and held sessions whose record is not finished."""
        return await self._load(col(Staff.id).in_(list(staff_ids)), on, history_from)

    async def for_each(self, staff_ids: Sequence[int], on: date) -> dict[int, PolicyInputs]:
        """What `for_staff([staff_id], on)` gives each of them, read for all of them in one go
        (issue 18: a council's day-before agendas in a few statements, not several a person).
        Each person's inputs are theirs alone, as when read one at a time: their own sessions
        (in the order of the shared read: neither read orders them, the policy indexes them by
        day), and their children's last discussion in those sessions."""
        return _each(await self.for_staff(staff_ids, on), staff_ids)

    async def for_organisation(
        self, organisation_id: int, on: date, history_from: date | None = None
    ) -> PolicyInputs:
        return await self._load(col(Staff.organisation_id) == organisation_id, on, history_from)

    async def approvals(self, staff_id: int) -> tuple[OverCapApproval, ...]:
        connection = await self._session.connection()
        rows = await connection.execute(_APPROVALS_OF_ONE, {"staff_id": staff_id})
        return tuple(OverCapApproval(*row) for row in rows.all())

    async def approvals_of(
        self, staff_ids: Sequence[int]
    ) -> dict[int, tuple[OverCapApproval, ...]]:
        """Each person's over-cap approvals, for a whole team in one query."""
        connection = await self._session.connection()
        rows = await connection.execute(
            core_select(
                col(ApprovalRow.staff_id), col(ApprovalRow.approver_id), col(ApprovalRow.reason),
                col(ApprovalRow.start_date), col(ApprovalRow.max_end_date),
            ).where(col(ApprovalRow.staff_id).in_(list(staff_ids)))
        )  # fmt: skip
        found: dict[int, list[OverCapApproval]] = {staff_id: [] for staff_id in staff_ids}
        for row in rows.all():
            found[row[0]].append(OverCapApproval(*row))
        return {k: tuple(v) for k, v in found.items()}

    async def kept_due(self, staff_id: int, pack: Pack, on: date) -> KeptDue | None:
        return await kept_due(self._session, staff_id, pack, on)

    async def last_reviewed(
        self, worker_ids: Sequence[int], people: Sequence[int], pack: Pack, on: date
    ) -> dict[int, list[tuple[str, date | None]]]:
        return await last_reviewed(self._session, worker_ids, people, pack, on)

    async def caseload_history(self, staff_ids: Sequence[int]) -> tuple[CaseloadPeriod, ...]:
        """Every allocation they have held, for when a caseload went over its cap (WSX/LUT
        001:92, policy.caps.over_cap_since); the digest's SQL reads the same rows."""
        connection = await self._session.connection()
        return await caseload_history_sql(connection, staff_ids)

    async def personal_elements(
        self, staff_ids: Sequence[int], on: date
    ) -> dict[int, tuple[ScoredElement, ...]]:
        """The personal elements of the caseload score that count on the day, per person."""
        P = PersonalElementRow
        connection = await self._session.connection()
        if len(staff_ids) == 1:  # a chat answer: the statement built once (see above)
            (staff_id,) = staff_ids
            one = await connection.execute(_ELEMENTS_OF_ONE, {"staff_id": staff_id, "on": on})
            return {staff_id: tuple(ScoredElement(*row[1:]) for row in one.all())}
        rows = await connection.execute(
            core_select(col(P.staff_id), col(P.element), col(P.quantity), col(P.points))
            .where(
                col(P.staff_id).in_(list(staff_ids)),
                col(P.start_date) <= on,
                or_(col(P.end_date).is_(None), col(P.end_date) >= on),
            )
            .order_by(col(P.id))
        )
        found: dict[int, list[ScoredElement]] = {staff_id: [] for staff_id in staff_ids}
        for staff_id, element, quantity, points in rows.all():
            found[staff_id].append(ScoredElement(element, quantity, points))
        return {k: tuple(v) for k, v in found.items()}

    async def _load(
        self, who: ColumnElement[bool], on: date, history_from: date | None = None
    ) -> PolicyInputs:
        # Core rows throughout, and only the columns the policy reads: a council's inputs are
        # hundreds of thousands of values, and ORM objects would cost more than the queries.
        connection = await self._session.connection()
        S = Staff
        rows = (
            await connection.execute(
                core_select(
                    col(S.id), col(S.name), col(S.role), col(S.team_id), col(S.line_manager_id),
                    col(S.start_date), col(S.leaving_date), col(S.agency), col(S.asye_start),
                    col(S.fte), col(Team.service), col(Organisation.go_live),
                )
                .outerjoin(Team, col(Team.id) == S.team_id)
                .join(Organisation, col(Organisation.id) == S.organisation_id)
                .where(who)
            )
        ).all()  # fmt: skip
        services: dict[str, int] = {}
        staff = tuple(
            StaffFacts(
                id=r[0] or 0,
                name=r[1],
                role=StaffRole(r[2]),
                team_id=r[3] or 0,
                supervisor_id=r[4],
                # No start date in the HR export: in post for as long as anyone knows; with a
                # go-live date, the clocks start there (StaffFacts.clock_start).
                start_date=r[5] or date(2000, 1, 1),
                leaving_date=r[6],
                agency=r[7],
                asye_start=r[8],
                fte=r[9],
                service_id=services.setdefault(r[10] or "", len(services) + 1),
                known_from=r[11],  # issue 23 item 1: before go-live, unknown is not overdue
            )
            for r in rows
        )
        ids = [s.id for s in staff]
        sessions = await self._sessions(who, history_from)
        A = Absence
        absences = tuple(
            AbsenceFacts(staff_id, AbsenceKind(kind), start, end)
            for staff_id, kind, start, end in (
                await connection.execute(
                    core_select(
                        col(A.staff_id), col(A.kind), col(A.start_date), col(A.end_date)
                    ).where(col(A.staff_id).in_(ids))
                )
            ).all()
        )
        discussed = await self._last_discussed(ids, on) if history_from is not None else None
        cases, counts = await self._cases(ids, on, sessions, discussed)
        P = ApprovalRow
        approvals = tuple(
            OverCapApproval(*row)
            for row in (
                await connection.execute(
                    core_select(
                        col(P.staff_id), col(P.approver_id), col(P.reason), col(P.start_date),
                        col(P.max_end_date),
                    ).where(col(P.staff_id).in_(ids))
                )
            ).all()
        )  # fmt: skip
        M = MissedMonth
        reasons = tuple(
            MissedReasonFacts(staff_id, month, CancelReason(reason))
            for staff_id, month, reason in (
                await connection.execute(
                    core_select(col(M.staff_id), col(M.month), col(M.reason)).where(
                        col(M.staff_id).in_(ids)
                    )
                )
            ).all()
        )
        return PolicyInputs(staff, sessions, absences, cases, approvals, counts, reasons)

    async def _sessions(
        self, who: ColumnElement[bool], history_from: date | None = None
    ) -> tuple[SessionFacts, ...]:
        # Only the columns the policy reads: record text (encrypted) is never loaded here. The
        # people and their sessions are found by subqueries; what hangs off the sessions is then
        # read by their ids, 500 to a statement (an organisation's run to tens of thousands).
        S, A, R, D = SupervisionSession, SessionAttendee, SupervisionRecord, RecordCaseDiscussion
        people = core_select(col(Staff.id)).where(who)
        attending = core_select(col(A.session_id)).where(col(A.staff_id).in_(people))
        theirs = or_(col(S.supervisor_id).in_(people), col(S.id).in_(attending))
        if history_from is not None:
            theirs = and_(theirs, self._still_needed(people, history_from))
        connection = await self._session.connection()
        rows = (
            await connection.execute(
                core_select(
                    col(S.id), col(S.type), col(S.supervisor_id), col(S.planned_start),
                    col(S.planned_end), col(S.status), col(S.rescheduled_from_id),
                    col(S.cancel_reason),
                ).where(theirs)
            )
        ).all()  # fmt: skip
        # Attendees, records and the children discussed by the ids just read, a few hundred at
        # a time: through the sessions' subquery PostgreSQL could not tell how few rows there
        # were, and scanned the whole of England's records and cases for each batch of people.
        attendees: dict[int, list[int]] = defaultdict(list)
        records: dict[int, list[Any]] = defaultdict(list)
        ids = sorted(int(row[0] or 0) for row in rows)
        for first in range(0, len(ids), _IDS_PER_QUERY):
            chunk = ids[first : first + _IDS_PER_QUERY]
            for session_id, staff_id in (
                await connection.execute(
                    core_select(col(A.session_id), col(A.staff_id)).where(
                        col(A.session_id).in_(chunk)
                    )
                )
            ).all():
                attendees[session_id].append(staff_id)
            for r in (
                await connection.execute(
                    core_select(
                        col(R.id), col(R.session_id), col(R.written_at),
                        col(R.supervisor_signed_at), col(R.supervisee_signed_at), col(R.kind),
                    ).where(col(R.session_id).in_(chunk)).order_by(col(R.id))
                )
            ).all():  # fmt: skip
                records[r[1]].append(r)
        refs: dict[int, list[str]] = defaultdict(list)
        record_ids = sorted(int(r[0] or 0) for rs in records.values() for r in rs)
        for first in range(0, len(record_ids), _IDS_PER_QUERY):
            chunk = record_ids[first : first + _IDS_PER_QUERY]
            for record_id, reference in (
                await connection.execute(
                    core_select(col(D.record_id), col(Case.reference))
                    .join(Case, col(Case.id) == D.case_id)
                    .where(col(D.record_id).in_(chunk))
                    .order_by(col(D.id))
                )
            ).all():
                refs[record_id].append(reference)
        facts = []
        for row_id, kind, supervisor, start, end, status, moved_from, cancel in rows:
            sid = int(row_id or 0)
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
                    records=tuple(
                        RecordFacts(r[2], r[3], r[4], tuple(refs[int(r[0] or 0)]), r[5])
                        for r in records.get(sid, ())
                    ),
                )
            )
        return tuple(facts)

    @staticmethod
    def _still_needed(people: Select[Any], history_from: date) -> ColumnElement[bool]:
        """Sessions from `history_from` on, and older held ones the policy still reads."""
        S, A, R = SupervisionSession, SessionAttendee, SupervisionRecord
        since = datetime.combine(history_from, time(0), tzinfo=LONDON)
        held = SessionStatus.HELD.value
        older_held = and_(col(S.status) == held, col(S.planned_start) < since)
        # Each person's last held session of each type before the window: the anchor of every
        # periodic rule (a year without supervision is still overdue from that last session).
        last = (
            core_select(
                col(A.staff_id).label("staff_id"),
                col(S.type).label("type"),
                func.max(col(S.planned_start)).label("start"),
            )
            .join(S, col(S.id) == A.session_id)
            .where(col(A.staff_id).in_(people), older_held)
            .group_by(col(A.staff_id), col(S.type))
            .subquery()
        )
        anchors = (
            core_select(col(S.id))
            .join(A, col(A.session_id) == S.id)
            .join(
                last,
                and_(
                    last.c.staff_id == A.staff_id,
                    last.c.type == S.type,
                    last.c.start == S.planned_start,
                ),
            )
        )
        # Held sessions whose record is missing or not signed by both: still owed, however old.
        attending = core_select(col(A.session_id)).where(col(A.staff_id).in_(people))
        unfinished = (
            core_select(col(S.id))
            .outerjoin(R, col(R.session_id) == S.id)
            .where(
                or_(col(S.supervisor_id).in_(people), col(S.id).in_(attending)),
                older_held,
                or_(
                    col(R.id).is_(None),
                    col(R.supervisor_signed_at).is_(None),
                    col(R.supervisee_signed_at).is_(None),
                ),
            )
        )
        return or_(col(S.planned_start) >= since, col(S.id).in_(anchors), col(S.id).in_(unfinished))

    async def _last_discussed(self, ids: list[int], on: date) -> dict[str, date]:
        """Each of their cases' last discussion in a held session, over all history (one
        aggregate), so a bounded session read still knows when a child was last discussed."""
        S, R, D = SupervisionSession, SupervisionRecord, RecordCaseDiscussion
        theirs = core_select(col(CaseAllocation.case_id)).where(
            col(CaseAllocation.staff_id).in_(ids)
        )
        connection = await self._session.connection()
        rows = await connection.execute(
            core_select(col(Case.reference), func.max(col(S.planned_start)))
            .join(D, col(D.case_id) == Case.id)
            .join(R, col(R.id) == D.record_id)
            .join(S, col(S.id) == R.session_id)
            .where(col(Case.id).in_(theirs), col(S.status) == SessionStatus.HELD.value)
            .group_by(col(Case.reference))
        )
        return {
            reference: _as_utc(start).astimezone(LONDON).date()
            for reference, start in rows.all()
            if start is not None
        }

    async def later_case_changes(self, staff_ids: Sequence[int], on: date) -> dict[int, list[date]]:
        """Days after `on` on which a case of theirs opens or closes, or an allocation starts or
        ends: what they owe changes on those days with no fact written (policy.obligations)."""
        connection = await self._session.connection()
        C, L = Case, CaseAllocation
        rows = await connection.execute(
            core_select(
                col(L.staff_id), col(L.start_date), col(L.end_date), col(C.opened), col(C.closed)
            )
            .join(C, col(C.id) == L.case_id)
            .where(
                col(L.staff_id).in_(list(staff_ids)),
                or_(
                    col(L.start_date) > on,
                    col(L.end_date) > on,
                    col(C.opened) > on,
                    col(C.closed) > on,
                ),
            )
        )
        found: dict[int, list[date]] = defaultdict(list)
        for staff_id, *days in rows.all():
            found[staff_id] += [d for d in days if d is not None and d > on]
        return found

    async def _cases(
        self,
        ids: list[int],
        on: date,
        sessions: tuple[SessionFacts, ...],
        discussed: dict[str, date] | None = None,
    ) -> tuple[tuple[PolicyCaseFacts, ...], tuple[tuple[int, int], ...]]:
        connection = await self._session.connection()
        rows = (
            await connection.execute(
                core_select(
                    col(Case.reference),
                    col(Case.category),
                    col(Case.opened),
                    col(Case.closed),
                    col(Case.case_supervision_extension_until),
                    col(Case.children),
                    col(CaseAllocation.staff_id),
                    col(CaseAllocation.role),
                    col(Case.category_since),
                )
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
        last_discussed = _last_discussions(sessions, dict(discussed or {}))
        cases = []
        counts: dict[int, int] = defaultdict(int)
        for reference, category, opened, closed, extension, children, worker, role, since in rows:
            lead = AllocationRole(role) is AllocationRole.LEAD
            cases.append(
                PolicyCaseFacts(
                    reference=reference,
                    category=CaseCategory(category),
                    worker_id=worker,
                    opened=opened,
                    closed=closed,
                    last_case_supervision=last_discussed.get(reference),
                    matched_stable_extension_until=extension,
                    counts_towards_cap=lead,
                    category_since=since,  # issue 20 item 11
                )
            )
            if lead:
                # CAP003 003:24: a case is one child, so a sibling group counts each child.
                counts[worker] += children
        return tuple(cases), tuple(sorted(counts.items()))
