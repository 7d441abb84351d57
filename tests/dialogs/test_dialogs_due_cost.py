""" "What's due" (issue 24 item 3): the statements an answer costs, counted on the real database.

Issue 24 item 1 (fifth session): with the scheduler's kept obligations current, the answer reads
them in one statement instead of the policy's facts (nine); when they are stale it recomputes,
and costs what it did before plus that one read (tests/dialogs/test_dialogs_due_kept.py shows
the two answers are the same)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from dialogs.messages import Card
from policy.packs import builtin_pack
from scheduling.obligations import Stats, refresh
from storage.db import session_factory
from storage.models import Organisation
from tests.dialogs.conftest import TODAY


async def _scheduler_pass(database: AsyncEngine) -> None:
    """What the running scheduler has done by the time anyone asks: everyone's kept current."""
    async with session_factory(database)() as session:
        organisations = (await session.exec(select(Organisation))).all()
    for organisation in organisations:
        await refresh(
            database, organisation.id or 0, builtin_pack(organisation.pack_id), TODAY, Stats()
        )


class Statements:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.seen.append(" ".join(statement.split()))


async def _due_statements(
    database: AsyncEngine, chat: Any, *, kept: bool = True
) -> tuple[Card, list[str]]:
    if kept:
        await _scheduler_pass(database)
    await chat.send("what's due")  # the first: the pack and anything else kept is warm
    statements = Statements()
    event.listen(database.sync_engine, "before_cursor_execute", statements)
    try:
        replies = await chat.send("what's due")
    finally:
        event.remove(database.sync_engine, "before_cursor_execute", statements)
    card = next(r for r in replies if isinstance(r, Card))
    return card, statements.seen


async def test_whats_due_for_a_worker(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    card, seen = await _due_statements(database, await chat_as("Sam Taylor"))
    assert card.title == "What's due"
    assert card.facts[0].label == "Next supervision"
    # 17 before the kept obligations: the turn's own four, the kept obligations, the booked
    # sessions, the records' dates (to sign, and the meeting agreed in the last) and the actions.
    assert len(seen) <= 8, "\n".join(s[:120] for s in seen)
    assert not [s for s in seen if s.startswith("SELECT missedmonth")], seen
    # No record is read whole: the dates and flags the card shows, in one statement each.
    assert not [s for s in seen if "recorddecision" in s], seen


async def test_whats_due_recomputed_while_the_kept_rows_are_stale(  # type: ignore[no-untyped-def]
    database: AsyncEngine, chat_as
) -> None:
    card, seen = await _due_statements(database, await chat_as("Sam Taylor"), kept=False)
    assert card.title == "What's due"
    assert len(seen) <= 17, "\n".join(s[:120] for s in seen)
    assert len([s for s in seen if s.startswith("SELECT missedmonth")]) == 1, seen


async def test_whats_due_for_a_manager(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    card, seen = await _due_statements(database, await chat_as("Priya Shah"))
    assert card.title == "What's due"
    # 19 before the kept obligations; the supervisees' cases to review in one statement, and
    # the booked sessions with their people in one (three before, and whole rows).
    assert len(seen) <= 10, "\n".join(s[:120] for s in seen)
    assert len([s for s in seen if "FROM caseallocation" in s]) == 1, seen
    assert not [s for s in seen if "recorddecision" in s], seen


async def test_whats_due_finds_records_to_sign_by_index_not_by_reading_them_all(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    """The records waiting for a signature were one OR across records and sessions, which
    SQLite answered by reading every record (219 ms an answer at 1x, bench/profile_chat.py
    --mix --fraction 1). Each statement of the answer is planned here as SQLite plans it: none
    reads the whole record table."""
    captured: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        captured.append((statement, parameters))

    chat = await chat_as("Priya Shah")
    await _scheduler_pass(database)
    await chat.send("what's due")
    event.listen(database.sync_engine, "before_cursor_execute", seen)
    try:
        await chat.send("what's due")
    finally:
        event.remove(database.sync_engine, "before_cursor_execute", seen)
    reading_records = [(s, p) for s, p in captured if "FROM supervisionrecord" in s]
    assert reading_records  # the records to sign are read in this answer
    async with database.connect() as connection:
        for statement, parameters in reading_records:
            plan = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            details = [str(row[-1]) for row in plan.all()]
            scans = [d for d in details if d.startswith("SCAN supervisionrecord")]
            assert not scans, (statement, details)
