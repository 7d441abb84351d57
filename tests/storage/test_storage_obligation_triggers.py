"""The triggers that mark obligations stale, on SQLite and on PostgreSQL (TEST_DATABASE_URL)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import session_factory
from storage.models import (
    Absence,
    Case,
    CaseAllocation,
    ObligationState,
    Organisation,
    RecordCaseDiscussion,
    SessionAttendee,
    Staff,
    SupervisionRecord,
    SupervisionSession,
    Team,
)

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


async def changes(engine: AsyncEngine) -> dict[int, int]:
    async with engine.connect() as connection:
        rows = await connection.execute(select(ObligationState.staff_id, ObligationState.changes))
        return {int(a): int(b) for a, b in rows.all()}


async def _seed(session: AsyncSession) -> tuple[int, int, int, int]:
    org = Organisation(slug="t", name="T", pack_id="lambeth")
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
    ids = [p.id or 0 for p in people]
    return org.id, ids[0], ids[1], ids[2]


async def test_each_fact_marks_exactly_the_people_it_concerns(engine: AsyncEngine) -> None:
    make = session_factory(engine)
    async with make() as session:
        org, manager, worker, bystander = await _seed(session)
        await session.commit()
    before = await changes(engine)
    assert set(before) == {manager, worker, bystander}  # new staff get a row of their own

    async def bumped(step) -> set[int]:  # type: ignore[no-untyped-def]
        start = await changes(engine)
        async with make() as session:
            await step(session)
            await session.commit()
        end = await changes(engine)
        return {k for k in end if end[k] != start.get(k)}

    async def book(session: AsyncSession) -> None:
        s = SupervisionSession(organisation_id=org, type="formal", supervisor_id=manager,
                               planned_start=NOON, planned_end=NOON, ical_uid="u1")  # fmt: skip
        session.add(s)
        await session.flush()
        session.add(SessionAttendee(session_id=s.id or 0, staff_id=worker))

    assert await bumped(book) == {manager, worker}
    sid = await _one(engine, select(SupervisionSession.id))

    async def held(session: AsyncSession) -> None:
        await session.exec(update(SupervisionSession).values(status="held"))  # type: ignore[call-overload]

    assert await bumped(held) == {manager, worker}

    async def venue(session: AsyncSession) -> None:  # not a fact the policy reads
        await session.exec(update(SupervisionSession).values(venue="Room 2"))  # type: ignore[call-overload]

    assert await bumped(venue) == set()

    async def record(session: AsyncSession) -> None:
        session.add(SupervisionRecord(session_id=sid, template_id="t", written_by_id=manager))

    assert await bumped(record) == {manager, worker}

    async def sign(session: AsyncSession) -> None:
        await session.exec(update(SupervisionRecord).values(supervisee_signed_at=NOON))  # type: ignore[call-overload]

    assert await bumped(sign) == {manager, worker}

    async def allocate(session: AsyncSession) -> None:
        case = Case(organisation_id=org, reference="C-1", category="cp", opened=date(2026, 1, 1))
        session.add(case)
        await session.flush()
        session.add(CaseAllocation(case_id=case.id or 0, staff_id=bystander,
                                   start_date=date(2026, 1, 1)))  # fmt: skip

    assert await bumped(allocate) == {bystander}
    case_id = await _one(engine, select(Case.id))

    async def discuss(session: AsyncSession) -> None:
        rid = await _one(engine, select(SupervisionRecord.id))
        session.add(RecordCaseDiscussion(record_id=rid, case_id=case_id))

    assert await bumped(discuss) == {bystander}

    async def close(session: AsyncSession) -> None:
        await session.exec(update(Case).values(closed=date(2026, 12, 1)))  # type: ignore[call-overload]

    assert await bumped(close) == {bystander}

    async def away(session: AsyncSession) -> None:
        session.add(Absence(staff_id=worker, kind="sickness", start_date=date(2026, 12, 1),
                            end_date=date(2026, 12, 5)))  # fmt: skip

    assert await bumped(away) == {worker}

    async def promote(session: AsyncSession) -> None:
        await session.exec(
            update(Staff).where(Staff.id == worker).values(role="senior_practitioner")
        )  # type: ignore[call-overload,arg-type]

    assert await bumped(promote) == {worker}

    async def new_pack(session: AsyncSession) -> None:
        await session.exec(update(Organisation).values(pack_id="derbyshire"))  # type: ignore[call-overload]

    assert await bumped(new_pack) == {manager, worker, bystander}

    async def cancel(session: AsyncSession) -> None:
        await session.exec(delete(SessionAttendee))  # type: ignore[call-overload]

    assert await bumped(cancel) == {manager, worker}


async def _one(engine: AsyncEngine, query):  # type: ignore[no-untyped-def]
    async with engine.connect() as connection:
        return (await connection.execute(query)).scalar_one()
