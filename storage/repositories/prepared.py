"""Repositories that answer from what was read beforehand for many people at once (issue 18).

The day-before agendas (scheduling/agenda.py) are drawn by the chat's own functions
(dialogs.agenda), which ask the ports about one person at a time: a council's agendas took
hundreds of statements, a dozen for each supervisee. `read_ahead` reads what those functions
ask, for every supervision of a day and all its supervisees, in about twenty statements for the
whole council, and `prepare` gives a unit of work repositories that answer from those reads.
Each answer equals what the SQL repository would have read for that one person (the same
statements' rows, split by person; `tests/scheduling/test_scheduling_set_based.py` compares
them); a question about anyone or anything not read ahead is read as before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func
from sqlalchemy import select as core_select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogs.ports import PolicyInputs
from dialogs.views import ActionView, CaseView, HeldCase, SessionView, StaffView
from policy.facts import OverCapApproval
from scoring.model import PersonalElement as ScoredElement
from storage.models import (
    PersonalElement,
    RecordAction,
    SessionAttendee,
    SessionReflection,
    SupervisionRecord,
    SupervisionSession,
)
from storage.repositories.facts import SqlFacts
from storage.repositories.mapping import staff_view
from storage.repositories.people import STAFF, SqlCases, SqlDirectory
from storage.repositories.records import SqlRecords, _action_view
from storage.repositories.sessions import SqlSessions
from storage.unit_of_work import SqlUnitOfWork

_IDS = 500  # ids bound per IN list, as storage.repositories.facts


def _parts(ids: Sequence[int]) -> list[list[int]]:
    ordered = sorted(set(ids))
    return [ordered[i : i + _IDS] for i in range(0, len(ordered), _IDS)]


@dataclass(slots=True)
class Reads:
    """What the agendas of some supervisions ask about their supervisees, as of `on`."""

    on: date
    sessions: dict[int, SessionView] = field(default_factory=dict)
    staff: dict[int, StaffView] = field(default_factory=dict)
    # The supervisors who are not also supervisees that day: each agenda has a copy for its
    # supervisor, drawn in their language (issue 28), so the directory answers for them too.
    supervisors: dict[int, StaffView] = field(default_factory=dict)
    open_cases: dict[int, list[CaseView]] = field(default_factory=dict)
    approvals: dict[int, tuple[OverCapApproval, ...]] = field(default_factory=dict)
    # Every personal element of theirs with its first and last day (None: open-ended).
    elements: dict[int, list[tuple[date, date | None, ScoredElement]]] = field(default_factory=dict)
    inputs: dict[int, PolicyInputs] = field(default_factory=dict)
    decisions: dict[int, date] = field(default_factory=dict)
    decided_cases: set[int] = field(default_factory=set)  # the cases `decisions` covers
    recorded_at: dict[int, datetime | None] = field(default_factory=dict)
    history: dict[int, list[HeldCase]] = field(default_factory=dict)
    last_actions: dict[int, list[ActionView]] = field(default_factory=dict)
    open_actions: dict[int, list[ActionView]] = field(default_factory=dict)
    reflections: dict[tuple[int, int], str] = field(default_factory=dict)
    team_members: dict[int, list[StaffView]] = field(default_factory=dict)


async def read_ahead(
    session: AsyncSession, session_ids: Sequence[int], on: date, *, teams: bool = False
) -> Reads:
    """Everything the agendas of these supervisions read (dialogs.agenda.agenda_card), for all
    their supervisees at once, on `on`. With `teams`, also their teams' members and those
    members' open cases (a pack whose caps are a share of the team's caseload, CAP003 003:36)."""
    reads = Reads(on)
    sessions = SqlSessions(session)
    cases = SqlCases(session)
    facts = SqlFacts(session)
    rows: list[SupervisionSession] = []
    for part in _parts(session_ids):
        rows += (
            await session.exec(
                select(SupervisionSession).where(col(SupervisionSession.id).in_(part))
            )
        ).all()
    for view in await sessions._views(rows):
        reads.sessions[view.id] = view
    people = sorted({who for view in reads.sessions.values() for who in view.supervisee_ids})
    if not people:
        return reads
    connection = await session.connection()
    supervisors = {view.supervisor_id for view in reads.sessions.values()} - set(people)
    for part in _parts(sorted({*people, *supervisors})):
        for row in (await connection.execute(core_select(STAFF).where(STAFF.c.id.in_(part)))).all():
            found = reads.supervisors if int(row.id) in supervisors else reads.staff
            found[int(row.id)] = staff_view(row)
    reads.open_cases = await cases.open_cases_of(people, on)
    reads.approvals = await facts.approvals_of(people)
    reads.inputs = await facts.for_each(people, on)
    reads.history = await cases.allocation_history(people)
    held = sorted({case.id for found in reads.open_cases.values() for case in found})
    for part in _parts(held):
        reads.decisions.update(await cases.last_decisions(part))
    reads.decided_cases = set(held)
    await _elements(connection, reads, people)
    await _records(session, reads, people)
    reflections = await session.exec(
        select(SessionReflection).where(col(SessionReflection.session_id).in_(list(session_ids)))
    )
    for reflection in reflections.all():
        reads.reflections[(reflection.session_id, reflection.staff_id)] = reflection.text
    if teams:
        await _teams(connection, cases, reads)
    return reads


async def _elements(connection: AsyncConnection, reads: Reads, people: list[int]) -> None:
    P = PersonalElement
    rows = await connection.execute(
        core_select(
            col(P.staff_id), col(P.start_date), col(P.end_date), col(P.element),
            col(P.quantity), col(P.points),
        )
        .where(col(P.staff_id).in_(people))
        .order_by(col(P.id))
    )  # fmt: skip
    reads.elements = {staff_id: [] for staff_id in people}
    for staff_id, start, end, element, quantity, points in rows.all():
        reads.elements[staff_id].append((start, end, ScoredElement(element, quantity, points)))


async def _records(session: AsyncSession, reads: Reads, people: list[int]) -> None:
    """Their last record's actions, when their last recorded session began (both as
    SqlRecords finds them for one person), and the actions they own still open."""
    S, R, A = SupervisionSession, SupervisionRecord, SessionAttendee
    connection = await session.connection()
    reads.recorded_at = dict.fromkeys(people)
    reads.last_actions = {staff_id: [] for staff_id in people}
    reads.open_actions = {staff_id: [] for staff_id in people}
    for staff_id, began in (
        await session.exec(
            select(col(A.staff_id), func.max(col(S.planned_start)))
            .select_from(R)
            .join(A, col(A.session_id) == R.session_id)
            .join(S, col(S.id) == R.session_id)
            .where(col(A.staff_id).in_(people))
            .group_by(col(A.staff_id))
        )
    ).all():
        reads.recorded_at[staff_id] = began
    # Each person's last record: the latest session they attended, of its records the last
    # written (SqlRecords.last_actions' order), one row a person.
    ranked = (
        core_select(
            col(A.staff_id).label("staff_id"),
            col(R.id).label("record_id"),
            func.row_number()
            .over(
                partition_by=col(A.staff_id),
                order_by=(col(S.planned_start).desc(), col(R.id).desc()),
            )
            .label("n"),
        )
        .select_from(R)
        .join(A, col(A.session_id) == R.session_id)
        .join(S, col(S.id) == R.session_id)
        .where(col(A.staff_id).in_(people))
        .subquery()
    )
    last: dict[int, list[int]] = defaultdict(list)
    for staff_id, record_id in (
        await connection.execute(
            core_select(ranked.c.staff_id, ranked.c.record_id).where(ranked.c.n == 1)
        )
    ).all():
        last[int(record_id)].append(int(staff_id))
    for part in _parts(list(last)):
        for action in (
            await session.exec(
                select(RecordAction)
                .where(col(RecordAction.record_id).in_(part))
                .order_by(col(RecordAction.id))
            )
        ).all():
            for staff_id in last[action.record_id]:
                reads.last_actions[staff_id].append(_action_view(action))
    for action in (
        await session.exec(
            select(RecordAction)
            .where(col(RecordAction.owner_id).in_(people), col(RecordAction.done_at).is_(None))
            .order_by(col(RecordAction.due_date))
        )
    ).all():
        if action.owner_id is not None:
            reads.open_actions[action.owner_id].append(_action_view(action))


async def _teams(connection: AsyncConnection, cases: SqlCases, reads: Reads) -> None:
    teams = sorted({s.team_id for s in reads.staff.values() if s.team_id})
    if not teams:
        return
    reads.team_members = {team_id: [] for team_id in teams}
    for row in (
        await connection.execute(
            core_select(STAFF).where(STAFF.c.team_id.in_(teams)).order_by(STAFF.c.name)
        )
    ).all():
        reads.team_members[int(row.team_id)].append(staff_view(row))
    members = sorted({m.id for found in reads.team_members.values() for m in found})
    missing = [m for m in members if m not in reads.open_cases]
    if missing:
        reads.open_cases.update(await cases.open_cases_of(missing, reads.on))


class _Directory(SqlDirectory):
    def __init__(self, session: AsyncSession, reads: Reads) -> None:
        super().__init__(session)
        self._reads = reads

    async def staff(self, staff_id: int) -> StaffView | None:
        if staff_id in self._reads.staff:
            return self._reads.staff[staff_id]
        if staff_id in self._reads.supervisors:
            return self._reads.supervisors[staff_id]
        return await super().staff(staff_id)

    async def team_members(self, team_id: int) -> Sequence[StaffView]:
        if team_id in self._reads.team_members:
            return list(self._reads.team_members[team_id])
        return await super().team_members(team_id)


class _Cases(SqlCases):
    def __init__(self, session: AsyncSession, reads: Reads) -> None:
        super().__init__(session)
        self._reads = reads

    async def open_cases(self, staff_id: int, on: date) -> Sequence[CaseView]:
        if on == self._reads.on and staff_id in self._reads.open_cases:
            return list(self._reads.open_cases[staff_id])
        return await super().open_cases(staff_id, on)

    async def open_cases_of(self, staff_ids: Sequence[int], on: date) -> dict[int, list[CaseView]]:
        held = self._reads.open_cases
        if on == self._reads.on and all(s in held for s in staff_ids):
            return {s: list(held[s]) for s in staff_ids}
        return await super().open_cases_of(staff_ids, on)

    async def allocation_history(self, staff_ids: Sequence[int]) -> dict[int, list[HeldCase]]:
        if all(s in self._reads.history for s in staff_ids):
            return {s: list(self._reads.history[s]) for s in staff_ids}
        return await super().allocation_history(staff_ids)

    async def last_decisions(self, case_ids: Sequence[int]) -> Mapping[int, date]:
        reads = self._reads
        if all(c in reads.decided_cases for c in case_ids):
            return {c: reads.decisions[c] for c in case_ids if c in reads.decisions}
        return await super().last_decisions(case_ids)


class _Facts(SqlFacts):
    def __init__(self, session: AsyncSession, reads: Reads) -> None:
        super().__init__(session)
        self._reads = reads

    async def for_staff(
        self, staff_ids: Sequence[int], on: date, history_from: date | None = None
    ) -> PolicyInputs:
        if (
            len(staff_ids) == 1
            and history_from is None
            and on == self._reads.on
            and staff_ids[0] in self._reads.inputs
        ):
            return self._reads.inputs[staff_ids[0]]
        return await super().for_staff(staff_ids, on, history_from)

    async def approvals(self, staff_id: int) -> tuple[OverCapApproval, ...]:
        if staff_id in self._reads.approvals:
            return self._reads.approvals[staff_id]
        return await super().approvals(staff_id)

    async def personal_elements(
        self, staff_ids: Sequence[int], on: date
    ) -> dict[int, tuple[ScoredElement, ...]]:
        kept = self._reads.elements
        if not all(s in kept for s in staff_ids):
            return await super().personal_elements(staff_ids, on)
        return {  # counting on the day: begun by then and not ended before it
            s: tuple(e for start, end, e in kept[s] if start <= on and (end is None or end >= on))
            for s in staff_ids
        }


class _Records(SqlRecords):
    def __init__(self, session: AsyncSession, reads: Reads) -> None:
        super().__init__(session)
        self._reads = reads

    async def last_actions(self, supervisee_id: int) -> Sequence[ActionView]:
        if supervisee_id in self._reads.last_actions:
            return list(self._reads.last_actions[supervisee_id])
        return await super().last_actions(supervisee_id)

    async def open_actions(self, staff_id: int) -> Sequence[ActionView]:
        if staff_id in self._reads.open_actions:
            return list(self._reads.open_actions[staff_id])
        return await super().open_actions(staff_id)

    async def last_recorded_at(self, supervisee_id: int) -> datetime | None:
        if supervisee_id in self._reads.recorded_at:
            return self._reads.recorded_at[supervisee_id]
        return await super().last_recorded_at(supervisee_id)


class _Sessions(SqlSessions):
    def __init__(self, session: AsyncSession, reads: Reads) -> None:
        super().__init__(session)
        self._reads = reads

    async def get(self, session_id: int) -> SessionView | None:
        if session_id in self._reads.sessions:
            return self._reads.sessions[session_id]
        return await super().get(session_id)

    async def reflection(self, session_id: int, staff_id: int) -> str | None:
        if session_id in self._reads.sessions:
            return self._reads.reflections.get((session_id, staff_id))
        return await super().reflection(session_id, staff_id)


def prepare(unit: SqlUnitOfWork, reads: Reads) -> SqlUnitOfWork:
    """`unit`, its directory, cases, facts, records and sessions answering from `reads` (for
    reading only: a write through them is the SQL repository's own)."""
    session = unit.session
    unit.directory = _Directory(session, reads)
    unit.cases = _Cases(session, reads)
    unit.facts = _Facts(session, reads)
    unit.records = _Records(session, reads)
    unit.sessions = _Sessions(session, reads)
    return unit
