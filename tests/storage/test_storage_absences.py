"""One absence per day per person, on SQLite and PostgreSQL: the same absence twice, or two over
the same days, is a ConcurrentUpdate (the turn is replayed and told), never an IntegrityError."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from dialogs.ports import ConcurrentUpdate
from policy.vocabulary import AbsenceKind
from storage.db import session_factory
from storage.models import Absence, Organisation, Staff
from storage.repositories.notes import SqlNotes

LEAVE = AbsenceKind.ANNUAL_LEAVE


async def a_person(engine: AsyncEngine) -> int:
    async with session_factory(engine)() as session:
        org = Organisation(slug="t", name="Test council", pack_id="derbyshire")
        session.add(org)
        await session.flush()
        assert org.id is not None
        person = Staff(
            organisation_id=org.id, external_ref="S1", name="Sam Taylor", email="s@x", role="x"
        )
        session.add(person)
        await session.commit()
        assert person.id is not None
        return person.id


async def record(engine: AsyncEngine, staff_id: int, start: date, end: date) -> int:
    async with session_factory(engine)() as session:
        absence_id = await SqlNotes(session).absence(
            staff_id=staff_id, kind=LEAVE, start=start, end=end, note="a note"
        )
        await session.commit()
        return absence_id


async def spans(engine: AsyncEngine, staff_id: int) -> list[tuple[date, date]]:
    async with session_factory(engine)() as session:
        found = await SqlNotes(session).absences_overlapping(staff_id, date.min, date.max)
    return [(a.start, a.end) for a in found]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2027, 1, 4), date(2027, 1, 8)),  # the same (uq_absence_staff_start_kind)
        (date(2027, 1, 6), date(2027, 1, 12)),  # another first day, overlapping
        (date(2027, 1, 1), date(2027, 1, 4)),  # ends on its first day
    ],
)
async def test_an_overlapping_absence_is_refused_and_the_first_kept(
    engine: AsyncEngine, start: date, end: date
) -> None:
    sam = await a_person(engine)
    await record(engine, sam, date(2027, 1, 4), date(2027, 1, 8))
    with pytest.raises(ConcurrentUpdate):
        await record(engine, sam, start, end)
    assert await spans(engine, sam) == [(date(2027, 1, 4), date(2027, 1, 8))]
    await record(engine, sam, date(2027, 1, 9), date(2027, 1, 10))  # the day after is free
    assert len(await spans(engine, sam)) == 2


async def test_an_absence_is_removed_and_its_days_are_free_again(engine: AsyncEngine) -> None:
    sam = await a_person(engine)
    first = await record(engine, sam, date(2027, 1, 4), date(2027, 1, 8))
    async with session_factory(engine)() as session:
        notes = SqlNotes(session)
        found = await notes.absence_by_id(first)
        assert found is not None
        assert (found.kind, found.start) == (LEAVE, date(2027, 1, 4))
        await notes.remove_absence(first)
        await session.commit()
        assert await notes.absence_by_id(first) is None
    await record(engine, sam, date(2027, 1, 6), date(2027, 1, 12))
    assert await spans(engine, sam) == [(date(2027, 1, 6), date(2027, 1, 12))]


@pytest.mark.postgres
async def test_two_racing_overlapping_absences_write_one(
    engine: AsyncEngine, on_postgres: bool
) -> None:
    """Two turns (two instances) record overlapping absences at once with different first
    days, which no unique constraint catches: the person's row lock lets one write, and the
    other finds it and is replayed."""
    if not on_postgres:
        pytest.skip("SQLite has one writer; the race needs two connections on PostgreSQL")
    sam = await a_person(engine)
    results = await asyncio.gather(
        *(record(engine, sam, date(2027, 1, 4 + i), date(2027, 1, 10 + i)) for i in range(4)),
        return_exceptions=True,
    )
    won = [r for r in results if isinstance(r, int)]
    lost = [r for r in results if not isinstance(r, int)]
    assert len(won) == 1
    assert all(isinstance(r, ConcurrentUpdate) for r in lost), lost
    async with session_factory(engine)() as session:
        assert len((await session.exec(select(Absence))).all()) == 1


async def test_a_long_note_is_kept_whole_once_sealed(engine: AsyncEngine) -> None:
    """The note is encrypted at rest: 500 characters of it, sealed, are far longer than 500 (the
    column's old VARCHAR(500) refused them on PostgreSQL, migration 3f0c7a1e5b24)."""
    staff_id = await a_person(engine)
    note = "Phased return agreed with occupational health; " * 10 + "ŵ" * 30
    async with session_factory(engine)() as session:
        await SqlNotes(session).absence(
            staff_id=staff_id, kind=LEAVE, start=date(2027, 2, 1), end=date(2027, 2, 5), note=note
        )
        await session.commit()
    async with session_factory(engine)() as session:
        stored = (await session.exec(select(Absence.note))).one()
    assert stored == note
