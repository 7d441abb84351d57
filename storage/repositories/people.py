"""The directory of staff and teams, and cases with their allocations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogs.views import CaseView, StaffView, TeamView
from storage.models import Case, CaseAllocation, Staff, Team
from storage.repositories.mapping import case_view, staff_view, team_view


class SqlDirectory:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def staff(self, staff_id: int) -> StaffView | None:
        row = await self._session.get(Staff, staff_id)
        return staff_view(row) if row else None

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


class SqlCases:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def open_cases(self, staff_id: int, on: date) -> Sequence[CaseView]:
        rows = await self._session.exec(
            select(Case, CaseAllocation.role)
            .join(CaseAllocation, col(CaseAllocation.case_id) == Case.id)
            .where(
                CaseAllocation.staff_id == staff_id,
                col(CaseAllocation.start_date) <= on,
                or_(col(CaseAllocation.end_date).is_(None), col(CaseAllocation.end_date) > on),
                col(Case.opened) <= on,
                or_(col(Case.closed).is_(None), col(Case.closed) > on),
            )
            .order_by(col(Case.reference))
        )
        return [case_view(case, role) for case, role in rows.all()]

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


class SqlChatIdentities:
    """Chat accounts to staff: matched once by verified work email, then remembered on Staff."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def by_slack_id(self, slack_team_id: str, slack_user_id: str) -> StaffView | None:
        row = (
            await self._session.exec(
                select(Staff).where(
                    Staff.slack_user_id == slack_user_id, Staff.slack_team_id == slack_team_id
                )
            )
        ).first()
        return staff_view(row) if row else None

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
        row = (
            await self._session.exec(
                select(Staff).where(
                    # Stored lower-case (link_teams, imports), so the index serves this lookup.
                    Staff.teams_aad_object_id == aad_object_id.strip().lower()
                )
            )
        ).first()
        return staff_view(row) if row else None

    async def link_teams(self, staff_id: int, aad_object_id: str) -> None:
        row = await self._session.get(Staff, staff_id)
        if row is not None:
            row.teams_aad_object_id = aad_object_id.strip().lower()
            self._session.add(row)
