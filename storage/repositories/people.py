"""The directory of staff and teams, and cases with their allocations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Result, bindparam, func, or_
from sqlalchemy import select as core_select
from sqlalchemy.sql import Executable
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogs.views import CaseView, HeldCase, StaffView, TeamView
from storage.models import Case, CaseAllocation, ManagerDecision, Staff, Team
from storage.repositories.mapping import case_view, staff_view, team_view

STAFF = Staff.__table__  # type: ignore[attr-defined]
CASE = Case.__table__  # type: ignore[attr-defined]


async def core_rows(session: AsyncSession, statement: Executable) -> Result[Any]:
    """A Core statement on the session's connection: rows, not ORM objects. Used where every
    turn reads (the person asking, their cases), as building ORM objects costs more than the
    query itself."""
    return await (await session.connection()).execute(statement)


async def staff_where(session: AsyncSession, *where: Any) -> StaffView | None:
    row = (await core_rows(session, core_select(STAFF).where(*where).limit(1))).first()
    return staff_view(row) if row is not None else None


# Issue 24: the statements every chat answer runs, built once with bound parameters, so a turn
# neither builds them again nor works out their cache keys (SQLAlchemy memoises a statement's).
_STAFF_BY_ID = core_select(STAFF).where(STAFF.c.id == bindparam("staff_id"))
_OPEN_CASES_OF_ONE = (
    core_select(CASE, col(CaseAllocation.role), col(CaseAllocation.staff_id).label("w"))
    .join(CaseAllocation, col(CaseAllocation.case_id) == CASE.c.id)
    .where(
        col(CaseAllocation.staff_id) == bindparam("staff_id"),
        col(CaseAllocation.start_date) <= bindparam("on"),
        or_(col(CaseAllocation.end_date).is_(None), col(CaseAllocation.end_date) > bindparam("on")),
        col(Case.opened) <= bindparam("on"),
        or_(col(Case.closed).is_(None), col(Case.closed) > bindparam("on")),
    )
    .order_by(col(Case.reference))
)


class SqlDirectory:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def staff(self, staff_id: int) -> StaffView | None:
        connection = await self._session.connection()
        row = (await connection.execute(_STAFF_BY_ID, {"staff_id": staff_id})).first()
        return staff_view(row) if row is not None else None

    async def find_staff(self, organisation_id: int, text: str) -> Sequence[StaffView]:
        needle = text.strip().lower()
        if not needle:
            return []
        pattern = f"%{needle.replace('%', '').replace('_', '')}%"
        rows = await self._session.exec(
            select(Staff)
            .where(
                Staff.organisation_id == organisation_id,
                or_(func.lower(Staff.name).like(pattern), col(Staff.email).like(pattern)),
            )
            .order_by(col(Staff.name))
            .limit(20)
        )
        found = [staff_view(r) for r in rows.all()]
        exact = [s for s in found if s.name.lower() == needle or s.email == needle]
        return exact or found

    async def supervisees(self, supervisor_id: int) -> Sequence[StaffView]:
        rows = await self._session.exec(
            select(Staff).where(Staff.line_manager_id == supervisor_id).order_by(col(Staff.name))
        )
        return [staff_view(r) for r in rows.all()]

    async def team(self, team_id: int) -> TeamView | None:
        row = await self._session.get(Team, team_id)
        return team_view(row) if row else None

    async def team_members(self, team_id: int) -> Sequence[StaffView]:
        rows = await self._session.exec(
            select(Staff).where(Staff.team_id == team_id).order_by(col(Staff.name))
        )
        return [staff_view(r) for r in rows.all()]

    async def teams_managed_by(self, staff_id: int) -> Sequence[TeamView]:
        rows = await self._session.exec(select(Team).where(Team.manager_id == staff_id))
        return [team_view(r) for r in rows.all()]

    async def management_chain(self, staff_id: int) -> Sequence[int]:
        chain: list[int] = []
        current = await self._session.get(Staff, staff_id)
        while current is not None and current.line_manager_id and len(chain) < 10:
            if current.line_manager_id in chain:
                break  # a loop in the HR data must not hang the bot
            chain.append(current.line_manager_id)
            current = await self._session.get(Staff, current.line_manager_id)
        return chain

    async def set_language(self, staff_id: int, language: str | None) -> None:
        row = await self._session.get(Staff, staff_id)
        if row is not None:
            row.language = language
            self._session.add(row)


class SqlCases:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def open_cases(self, staff_id: int, on: date) -> Sequence[CaseView]:
        """One person's open cases on the day (the statement built once: see above)."""
        connection = await self._session.connection()
        rows = await connection.execute(_OPEN_CASES_OF_ONE, {"staff_id": staff_id, "on": on})
        return [case_view(row, row.role) for row in rows.all()]

    async def open_cases_of(self, staff_ids: Sequence[int], on: date) -> dict[int, list[CaseView]]:
        """Each person's open cases on the day, for a whole team in one query."""
        found: dict[int, list[CaseView]] = {staff_id: [] for staff_id in staff_ids}
        rows = await core_rows(
            self._session,
            core_select(CASE, col(CaseAllocation.role), col(CaseAllocation.staff_id).label("w"))
            .join(CaseAllocation, col(CaseAllocation.case_id) == CASE.c.id)
            .where(
                col(CaseAllocation.staff_id).in_(list(staff_ids)),
                col(CaseAllocation.start_date) <= on,
                or_(col(CaseAllocation.end_date).is_(None), col(CaseAllocation.end_date) > on),
                col(Case.opened) <= on,
                or_(col(Case.closed).is_(None), col(Case.closed) > on),
            )
            .order_by(col(Case.reference)),
        )
        for row in rows.all():
            found[row.w].append(case_view(row, row.role))
        return found

    async def allocation_history(self, staff_ids: Sequence[int]) -> dict[int, list[HeldCase]]:
        """Every allocation these people have held, lead or co-worker, with its case, as the
        days it counted (the allocation and its case both open: caseload_history_sql's rows,
        WSX/LUT 001:92), in one query; allocations that never counted a day are left out."""
        found: dict[int, list[HeldCase]] = {staff_id: [] for staff_id in staff_ids}
        if not staff_ids:
            return found
        A = CaseAllocation
        rows = await core_rows(
            self._session,
            core_select(
                CASE, col(A.role), col(A.staff_id).label("w"), col(A.start_date).label("a_start"),
                col(A.end_date).label("a_end"),
            )
            .join(A, col(A.case_id) == CASE.c.id)
            .where(col(A.staff_id).in_(list(staff_ids)))
            .order_by(col(A.staff_id), col(A.id)),
        )  # fmt: skip
        for row in rows.all():
            start = max(row.a_start, row.opened)
            ends = [day for day in (row.a_end, row.closed) if day is not None]
            end = min(ends) if ends else None
            if end is not None and end <= start:
                continue
            found[row.w].append(HeldCase(case_view(row, row.role), start, end))
        return found

    async def by_reference(self, organisation_id: int, reference: str) -> CaseView | None:
        row = (
            await self._session.exec(
                select(Case).where(
                    Case.organisation_id == organisation_id,
                    func.upper(Case.reference) == reference.strip().upper(),
                )
            )
        ).first()
        return case_view(row) if row else None

    async def workers(self, case_id: int, on: date) -> Sequence[int]:
        rows = await self._session.exec(
            select(CaseAllocation.staff_id).where(
                CaseAllocation.case_id == case_id,
                or_(col(CaseAllocation.end_date).is_(None), col(CaseAllocation.end_date) > on),
            )
        )
        return list(rows.all())

    async def update_facts(self, case_id: int, facts: Mapping[str, Any]) -> None:
        row = await self._session.get(Case, case_id)
        if row is not None:
            row.facts = dict(facts)
            self._session.add(row)

    async def last_decisions(self, case_ids: Sequence[int]) -> Mapping[int, date]:
        """Dates only: the decision's text is never read here (issue 27, the agenda)."""
        if not case_ids:
            return {}
        rows = await core_rows(
            self._session,
            core_select(
                col(ManagerDecision.case_id),
                func.max(col(ManagerDecision.decided_on)).label("last"),
            )
            .where(
                col(ManagerDecision.case_id).in_(list(case_ids)),
                col(ManagerDecision.withdrawn_at).is_(None),  # undone (issue 22): not the last
            )
            .group_by(col(ManagerDecision.case_id)),
        )
        found: dict[int, date] = {}
        for row in rows.all():
            found[int(row.case_id)] = row.last
        return found


class SqlChatIdentities:
    """Chat accounts to staff: matched once by verified work email, then remembered on Staff."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def by_slack_id(self, slack_team_id: str, slack_user_id: str) -> StaffView | None:
        return await staff_where(
            self._session,
            STAFF.c.slack_user_id == slack_user_id,
            STAFF.c.slack_team_id == slack_team_id,
        )

    async def by_email(self, email: str) -> Sequence[StaffView]:
        """Everyone with this email, across organisations (more than one is ambiguous)."""
        rows = await self._session.exec(
            select(Staff).where(func.lower(Staff.email) == email.strip().lower())
        )
        return [staff_view(r) for r in rows.all()]

    async def link_slack(self, staff_id: int, slack_team_id: str, slack_user_id: str) -> None:
        row = await self._session.get(Staff, staff_id)
        if row is not None:
            row.slack_team_id, row.slack_user_id = slack_team_id, slack_user_id
            self._session.add(row)

    async def by_teams_object_id(self, aad_object_id: str) -> StaffView | None:
        """A Teams user by their Entra ID object id, once it has been remembered."""
        # Stored lower-case (link_teams, imports), so the index serves this lookup.
        return await staff_where(
            self._session, STAFF.c.teams_aad_object_id == aad_object_id.strip().lower()
        )

    async def link_teams(self, staff_id: int, aad_object_id: str) -> None:
        row = await self._session.get(Staff, staff_id)
        if row is not None:
            row.teams_aad_object_id = aad_object_id.strip().lower()
            self._session.add(row)
