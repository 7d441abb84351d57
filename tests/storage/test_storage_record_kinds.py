"""One session, a record of each kind (issue 20 item 14, LAM 004:350,356): the migration that
swaps one record per session for one per (session, kind), on SQLite and PostgreSQL.

SQLite rebuilds `supervisionrecord` to drop its constraint; a rebuilt table has lost its
triggers, so the test checks the obligation triggers still mark the supervisor and supervisee
stale after the upgrade and after a downgrade.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError

from storage.db import create_engine, session_factory
from storage.migrate import MigrationRefused, current_revision, downgrade, revisions, upgrade
from storage.models import SessionAttendee, SupervisionSession

BEFORE = "3f0c7a1e5b26"
KINDS = "3f0c7a1e5b27"  # this revision; later ones (issue 25's 3f0c7a1e5b28) sit above it
NOW = datetime(2026, 12, 7, 10, tzinfo=UTC)


async def _seed(url: str) -> None:
    # Tables this migration leaves alone, written through the models.
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        # In SQL: a later migration's column on `organisation` is not there at BEFORE.
        await session.exec(  # type: ignore[call-overload]
            text(
                "INSERT INTO organisation (id, slug, name, pack_id, created_at) "
                "VALUES (1, 'o', 'O', 'lambeth', CURRENT_TIMESTAMP)"
            )
        )
        # In SQL: later migrations add columns to `staff` (issue 24's caseload stamp, issue 28's
        # language) that are not there at BEFORE.
        for staff_id in (1, 2):
            await session.exec(  # type: ignore[call-overload]
                text(
                    "INSERT INTO staff (id, organisation_id, external_ref, name, email, role, fte, "
                    "agency, timezone, quiet_hours_start, quiet_hours_end, legal_hold, created_at) "
                    f"VALUES ({staff_id}, 1, 'r{staff_id}', 'P', 'p{staff_id}@x.test', "
                    "'social_worker', '1', FALSE, 'Europe/London', 18, 8, FALSE, CURRENT_TIMESTAMP)"
                )
            )
        await session.flush()
        # Only the columns given (Core, not the model): later migrations add columns to
        # `supervisionsession` (issue 23's online meeting) that are not there at BEFORE.
        table = SupervisionSession.__table__  # type: ignore[attr-defined]
        await session.exec(  # type: ignore[call-overload]
            insert(table).values(
                id=1,
                organisation_id=1,
                type="professional",
                supervisor_id=1,
                planned_start=NOW,
                planned_end=NOW,
                venue="",
                virtual=False,
                status="held",
                agenda=[],
                ical_uid="u1",
                ical_sequence=0,
                created_at=NOW,
            )
        )
        await session.flush()
        session.add(SessionAttendee(session_id=1, staff_id=2))
        await session.commit()
    await engine.dispose()


async def _changes(c: object) -> dict[int, int]:
    rows = await c.execute(text("SELECT staff_id, changes FROM obligationstate"))  # type: ignore[attr-defined]
    return {int(r[0]): int(r[1]) for r in rows}


async def _insert_record(c: object, record_id: int, kind: str | None) -> None:
    columns = "id, session_id, template_id, sections, written_by_id, written_at"
    values = ":id, 1, 't', '{}', 1, :t"
    if kind is not None:
        columns, values = f"{columns}, kind", f"{values}, :kind"
    await c.execute(  # type: ignore[attr-defined]
        text(f"INSERT INTO supervisionrecord ({columns}) VALUES ({values})"),
        {"id": record_id, "t": NOW, "kind": kind},
    )


async def _assert_triggers_fire(url: str, record_id: int, kind: str | None) -> None:
    engine = create_engine(url)
    async with engine.begin() as c:
        before = await _changes(c)
        await _insert_record(c, record_id, kind)
        inserted = await _changes(c)
        assert inserted == {1: before[1] + 1, 2: before[2] + 1}, "insert marked nobody stale"
        await c.execute(
            text("UPDATE supervisionrecord SET supervisor_signed_at = :t WHERE id = :id"),
            {"t": NOW, "id": record_id},
        )
        assert await _changes(c) == {1: before[1] + 2, 2: before[2] + 2}, "update did not"
        await c.execute(text("DELETE FROM supervisionrecord WHERE id = :id"), {"id": record_id})
        assert await _changes(c) == {1: before[1] + 3, 2: before[2] + 3}, "delete did not"
    await engine.dispose()


async def test_a_session_keeps_one_record_of_each_kind_and_its_triggers(database_url: str) -> None:
    await upgrade(database_url, BEFORE)
    await _seed(database_url)
    engine = create_engine(database_url)
    async with engine.begin() as c:
        await _insert_record(c, 1, None)
    await engine.dispose()
    await upgrade(database_url)
    assert await current_revision(database_url) == revisions(database_url)[0]  # the head
    assert KINDS in revisions(database_url)
    engine = create_engine(database_url)
    async with engine.begin() as c:
        # The record from before the upgrade is the default kind.
        assert (
            await c.execute(text("SELECT kind FROM supervisionrecord"))
        ).scalar_one() == "record"
    async with engine.begin() as c:
        # LAM 004:350,356: the case record and the professional minutes of one session.
        await _insert_record(c, 2, "professional_minutes")
    with pytest.raises(IntegrityError):
        async with engine.begin() as c:
            await _insert_record(c, 3, "professional_minutes")  # one of each kind, no more
    await engine.dispose()
    await _assert_triggers_fire(database_url, 4, "case_record")


async def test_downgrade_refuses_two_records_of_a_session_then_restores_one_per_session(
    database_url: str,
) -> None:
    await upgrade(database_url)
    await _seed(database_url)
    engine = create_engine(database_url)
    async with engine.begin() as c:
        await _insert_record(c, 1, "case_record")
        await _insert_record(c, 2, "professional_minutes")
    with pytest.raises(MigrationRefused, match="more than one record"):
        await downgrade(database_url, BEFORE)
    assert await current_revision(database_url) == revisions(database_url)[0]  # the head
    assert KINDS in revisions(database_url)
    async with engine.begin() as c:
        await c.execute(text("DELETE FROM supervisionrecord WHERE id = 2"))
    await engine.dispose()
    await downgrade(database_url, BEFORE)
    assert await current_revision(database_url) == BEFORE
    engine = create_engine(database_url)
    with pytest.raises(IntegrityError):
        async with engine.begin() as c:
            await _insert_record(c, 3, None)  # one record per session again
    await engine.dispose()
    engine = create_engine(database_url)
    async with engine.begin() as c:
        await c.execute(text("DELETE FROM supervisionrecord"))
    await engine.dispose()
    await _assert_triggers_fire(database_url, 5, None)
