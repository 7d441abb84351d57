"""The triggers that stamp a person's caseload as changed (storage.caseload_triggers, issue 24
item 4), on SQLite and on PostgreSQL (TEST_DATABASE_URL): each change to what a score reads bumps
exactly the people whose score it is, in the writer's own transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import session_factory
from storage.models import (
    Case,
    CaseAllocation,
    Organisation,
    OverCapApproval,
    PersonalElement,
    Staff,
    Team,
)

Step = Callable[[AsyncSession], Awaitable[object]]


async def versions(engine: AsyncEngine) -> dict[int, int]:
    async with engine.connect() as connection:
        rows = await connection.execute(select(col(Staff.id), col(Staff.caseload_version)))
        return {int(a): int(b) for a, b in rows.all()}


async def test_each_change_to_a_score_s_facts_stamps_exactly_whose_score_it_is(
    engine: AsyncEngine,
) -> None:
    make = session_factory(engine)
    async with make() as session:
        org = Organisation(slug="t", name="T", pack_id="derbyshire")
        session.add(org)
        await session.flush()
        assert org.id is not None
        team = Team(organisation_id=org.id, name="A")
        session.add(team)
        await session.flush()
        people = [
            Staff(organisation_id=org.id, team_id=team.id, external_ref=str(n), name=f"P{n}",
                  email=f"p{n}@example.org", role="social_worker", start_date=date(2024, 1, 1))
            for n in range(3)
        ]  # fmt: skip
        session.add_all(people)
        await session.flush()
        manager, worker, bystander = (p.id or 0 for p in people)
        case = Case(
            organisation_id=org.id, reference="C-1", category="cin", opened=date(2025, 1, 1)
        )
        session.add(case)
        await session.flush()
        case_id = case.id or 0
        await session.commit()

    async def bumped(step: Step) -> set[int]:
        start = await versions(engine)
        async with make() as session:
            await step(session)
            await session.commit()
        end = await versions(engine)
        return {k for k in end if end[k] != start[k]}

    async def allocate(session: AsyncSession) -> None:
        session.add(CaseAllocation(case_id=case_id, staff_id=worker, start_date=date(2025, 1, 1)))

    async def facts(session: AsyncSession) -> None:
        await session.exec(update(Case).where(col(Case.id) == case_id).values(facts={"court": 1}))  # type: ignore[call-overload]

    async def approve(session: AsyncSession) -> None:
        session.add(OverCapApproval(staff_id=worker, approver_id=manager, recorded_by_id=manager,
                                    reason="cover", start_date=date(2025, 1, 1),
                                    max_end_date=date(2025, 6, 1)))  # fmt: skip

    async def element(session: AsyncSession) -> None:
        session.add(
            PersonalElement(
                staff_id=worker,
                element="duty_day",
                quantity=Decimal(2),
                start_date=date(2025, 1, 1),
                recorded_by_id=manager,
            )
        )

    async def end_element(session: AsyncSession) -> None:
        await session.exec(update(PersonalElement).values(end_date=date(2025, 2, 1)))  # type: ignore[call-overload]

    async def move(session: AsyncSession) -> None:
        await session.exec(  # type: ignore[call-overload]
            update(CaseAllocation)
            .where(col(CaseAllocation.case_id) == case_id)
            .values(staff_id=bystander)
        )

    async def unallocate(session: AsyncSession) -> None:
        await session.exec(delete(CaseAllocation))  # type: ignore[call-overload]

    async def rename(session: AsyncSession) -> None:  # not a score fact: the row itself is read
        await session.exec(update(Staff).where(col(Staff.id) == worker).values(name="Renamed"))  # type: ignore[call-overload]

    assert await bumped(allocate) == {worker}
    assert await bumped(facts) == {worker}
    assert await bumped(approve) == {worker}
    assert await bumped(element) == {worker}
    assert await bumped(end_element) == {worker}
    assert await bumped(move) == {worker, bystander}
    assert await bumped(unallocate) == {bystander}
    assert await bumped(rename) == set()
