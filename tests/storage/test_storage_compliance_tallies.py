"""Closed months' compliance kept as tallies (issue 18): read back instead of recounted, cleared
by the triggers when a fact in them changes, never kept from a count a change made stale. On
SQLite and, with TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from policy.packs import Pack, builtin_pack
from storage.db import session_factory
from storage.models import (
    Absence,
    ComplianceTally,
    MissedMonth,
    Organisation,
    SessionAttendee,
    Staff,
    SupervisionSession,
    Team,
)
from storage.queries import digest_months, monthly_compliance_sql
from storage.queries.tallies import _claim, _keep, kept_monthly_compliance, tally_fingerprint

ON = date(2026, 11, 23)  # a Monday: this month and October live, November 2025 to September kept
MARCH = date(2026, 3, 1)


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def _months() -> list[date]:
    first = date(2025, 11, 1)
    return [date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1)
            for i in range(13)]  # fmt: skip


async def _seed(engine: AsyncEngine, pack: Pack) -> tuple[int, list[int], int]:
    """A council of two teams of three, supervised in most months of the year."""
    kind = pack.compliance.session_types[0].value
    async with session_factory(engine)() as session:
        org = Organisation(slug="t", name="T", pack_id=pack.id)
        session.add(org)
        await session.flush()
        assert org.id is not None
        teams = [Team(organisation_id=org.id, name=n, service="Safeguarding") for n in "AB"]
        session.add_all(teams)
        await session.flush()
        people = [
            Staff(organisation_id=org.id, team_id=teams[n % 2].id, external_ref=str(n),
                  name=f"P{n}", email=f"p{n}@example.org", role="social_worker",
                  start_date=date(2024, 1, 1))
            for n in range(6)
        ]  # fmt: skip
        manager = Staff(organisation_id=org.id, team_id=teams[0].id, external_ref="m",
                        name="M", email="m@example.org", role="team_manager",
                        start_date=date(2020, 1, 1))  # fmt: skip
        session.add_all([*people, manager])
        await session.flush()
        ids = [p.id or 0 for p in people]
        for i, first in enumerate(_months()):
            for n, staff_id in enumerate(ids):
                if (i + n) % 3 == 0:
                    continue  # not supervised this month
                await _session(session, org.id, manager.id or 0, staff_id, first + timedelta(9),
                               kind)  # fmt: skip
        await session.commit()
        return org.id, ids, manager.id or 0


async def _session(
    session: AsyncSession, org: int, supervisor: int, staff_id: int, day: date, kind: str
) -> int:
    row = SupervisionSession(
        organisation_id=org, type=kind, supervisor_id=supervisor, planned_start=_noon(day),
        planned_end=_noon(day) + timedelta(hours=1), status="held", ical_uid=f"{staff_id}-{day}",
    )  # fmt: skip
    session.add(row)
    await session.flush()
    session.add(SessionAttendee(session_id=row.id or 0, staff_id=staff_id))
    return row.id or 0


async def _kept_months(engine: AsyncEngine, org: int) -> list[date]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(ComplianceTally.month)
            .where(ComplianceTally.organisation_id == org, ComplianceTally.counts.is_not(None))  # type: ignore[union-attr]
            .order_by(ComplianceTally.month)
        )
        return [r[0] for r in rows.all()]


async def _same_as_live(engine: AsyncEngine, org: int, pack: Pack) -> None:
    months = digest_months(pack, ON)
    last = date(2026, 10, 1)
    kept = await kept_monthly_compliance(engine, org, pack, months, ON, people_in=[last])
    async with engine.connect() as connection:
        live = await monthly_compliance_sql(connection, org, pack, months, people_in=[last])
    assert kept.reports == live.reports
    assert any(r.organisation.in_post for r in live.reports.values())  # something was compared


CLOSED = [m for m in _months() if m < date(2026, 10, 1)]


async def test_closed_months_are_kept_once_and_read_back(engine: AsyncEngine) -> None:
    pack = builtin_pack("powys")
    org, _, _ = await _seed(engine, pack)
    assert await _kept_months(engine, org) == []
    await _same_as_live(engine, org, pack)
    assert await _kept_months(engine, org) == CLOSED  # the two live months are not kept
    # Read back, not recounted: a kept count altered by hand shows in the next figures.
    async with engine.begin() as connection:
        counts = (
            await connection.execute(
                select(ComplianceTally.counts).where(ComplianceTally.month == MARCH)
            )
        ).scalar_one()
        assert counts is not None
        assert "Safeguarding" in counts  # counts per team and service, no names
        assert "P1" not in counts
        await connection.execute(
            update(ComplianceTally)
            .where(ComplianceTally.month == MARCH)
            .values(counts=counts.replace('"Safeguarding"', '"Fostering"'))
        )
    kept = await kept_monthly_compliance(engine, org, pack, digest_months(pack, ON), ON)
    assert "Fostering" in set(kept.services.values())


Change = Callable[[AsyncSession, int, list[int], int, Pack], Awaitable[None]]


async def _held_in_march(s: AsyncSession, org: int, ids: list[int], m: int, pack: Pack) -> None:
    kind = pack.compliance.session_types[0].value
    await _session(s, org, m, ids[0], date(2026, 3, 20), kind)


async def _absence_in_march(s: AsyncSession, org: int, ids: list[int], m: int, p: Pack) -> None:
    s.add(Absence(staff_id=ids[1], kind="sickness", start_date=date(2026, 3, 12),
                  end_date=date(2026, 4, 20)))  # fmt: skip


async def _reason_for_march(s: AsyncSession, org: int, ids: list[int], m: int, p: Pack) -> None:
    s.add(MissedMonth(staff_id=ids[0], month=MARCH, reason="sickness", recorded_by_id=m))


async def _left_in_march(s: AsyncSession, org: int, ids: list[int], m: int, p: Pack) -> None:
    await s.exec(update(Staff).where(Staff.id == ids[2]).values(leaving_date=date(2026, 3, 15)))  # type: ignore[arg-type]


async def _session_moved(s: AsyncSession, org: int, ids: list[int], m: int, p: Pack) -> None:
    first = (
        await s.exec(
            select(SupervisionSession.id)
            .where(SupervisionSession.planned_start >= _noon(date(2026, 3, 1)))  # type: ignore[arg-type]
            .order_by(SupervisionSession.planned_start)
            .limit(1)
        )
    ).scalar_one()
    await s.exec(
        update(SupervisionSession)
        .where(SupervisionSession.id == first)  # type: ignore[arg-type]
        .values(status="cancelled")
    )


async def _attendee_off(s: AsyncSession, org: int, ids: list[int], m: int, p: Pack) -> None:
    session_id = (
        await s.exec(
            select(SessionAttendee.session_id)
            .join(SupervisionSession, SupervisionSession.id == SessionAttendee.session_id)  # type: ignore[arg-type]
            .where(SupervisionSession.planned_start >= _noon(date(2026, 3, 1)))  # type: ignore[arg-type]
            .order_by(SupervisionSession.planned_start)
            .limit(1)
        )
    ).scalar_one()
    await s.exec(delete(SessionAttendee).where(SessionAttendee.session_id == session_id))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "change",
    [
        _held_in_march,
        _absence_in_march,
        _reason_for_march,
        _left_in_march,
        _session_moved,
        _attendee_off,
    ],
)
async def test_a_change_in_a_closed_month_clears_it_and_the_months_after(
    engine: AsyncEngine, change: Change
) -> None:
    pack = builtin_pack("powys")
    org, ids, manager = await _seed(engine, pack)
    await _same_as_live(engine, org, pack)
    async with session_factory(engine)() as session:
        await change(session, org, ids, manager, pack)
        await session.commit()
    # March and every month after it are counted again; January and before stand.
    kept = await _kept_months(engine, org)
    assert date(2026, 1, 1) in kept
    assert not [m for m in kept if m >= MARCH]
    await _same_as_live(engine, org, pack)  # recounted with the change
    assert await _kept_months(engine, org) == CLOSED


async def test_a_new_member_of_staff_or_go_live_clears_every_month(engine: AsyncEngine) -> None:
    pack = builtin_pack("powys")
    org, ids, _ = await _seed(engine, pack)
    await _same_as_live(engine, org, pack)
    async with session_factory(engine)() as session:
        team = (await session.exec(select(Staff.team_id).where(Staff.id == ids[0]))).scalar()  # type: ignore[arg-type]
        session.add(Staff(organisation_id=org, team_id=team, external_ref="new", name="N",
                          email="n@example.org", role="social_worker"))  # fmt: skip
        await session.commit()
    assert await _kept_months(engine, org) == []
    await _same_as_live(engine, org, pack)
    async with engine.begin() as connection:
        await connection.execute(
            update(Organisation).where(Organisation.id == org).values(go_live=date(2026, 2, 1))  # type: ignore[arg-type]
        )
    assert await _kept_months(engine, org) == []
    await _same_as_live(engine, org, pack)  # months before go-live are unknown, not 0%


async def test_a_move_between_teams_keeps_the_closed_months(engine: AsyncEngine) -> None:
    """Where someone worked in March does not change when they move in November."""
    pack = builtin_pack("powys")
    org, ids, _ = await _seed(engine, pack)
    await _same_as_live(engine, org, pack)
    async with session_factory(engine)() as session:
        teams = (await session.exec(select(Team.id).order_by(Team.id))).scalars().all()
        await session.exec(update(Staff).where(Staff.id == ids[0]).values(team_id=teams[1]))  # type: ignore[arg-type]
        await session.commit()
    assert await _kept_months(engine, org) == CLOSED


async def test_a_count_a_change_made_stale_is_not_kept(engine: AsyncEngine) -> None:
    """Claimed, then a session held in the month commits, then the count (from before it) is
    written: the change's trigger took the claim away, so nothing stale is kept."""
    pack = builtin_pack("powys")
    org, ids, manager = await _seed(engine, pack)
    token = await _claim(engine, org, [MARCH], tally_fingerprint(pack), None)
    assert token is not None
    async with engine.connect() as connection:
        from storage.queries.compliance import _counted

        stale = await _counted(connection, org, pack, [MARCH])
    async with session_factory(engine)() as session:
        await _held_in_march(session, org, ids, manager, pack)
        await session.commit()
    await _keep(engine, org, [MARCH], token, stale, None)
    assert await _kept_months(engine, org) == []
    await _same_as_live(engine, org, pack)


async def test_other_rules_recount_the_kept_months(engine: AsyncEngine) -> None:
    powys = builtin_pack("powys")
    org, _, _ = await _seed(engine, powys)
    await _same_as_live(engine, org, powys)
    stricter = powys.model_copy(
        update={"compliance": powys.compliance.model_copy(update={"absence_exclusion": None})}
    )
    assert tally_fingerprint(stricter) != tally_fingerprint(powys)
    await _same_as_live(engine, org, stricter)


async def test_postgres_claim_gives_way_to_a_writer_that_does_not_finish(
    engine: AsyncEngine,
) -> None:
    """PostgreSQL: a transaction that changed a counted table and has not committed holds the
    claim off; after CLAIM_WAIT_MS the months are counted and nothing is kept."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: a claim waits its turn like any write")
    pack = builtin_pack("powys")
    org, ids, _ = await _seed(engine, pack)
    async with engine.connect() as writer:
        await writer.execute(
            update(Staff).where(Staff.id == ids[0]).values(name="Still writing")  # type: ignore[arg-type]
        )
        await _same_as_live(engine, org, pack)  # counted, not kept, and did not wait on them
        assert await _kept_months(engine, org) == []
        await writer.rollback()
    await _same_as_live(engine, org, pack)
    assert await _kept_months(engine, org) == CLOSED
