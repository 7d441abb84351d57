"""The audit trail is hash-chained: an edited, deleted, inserted or reordered row is detected."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import session_factory
from storage.repositories.audit import SqlAudit, verify_chain


async def write_events(engine: AsyncEngine, n: int = 5) -> None:
    async with session_factory(engine)() as session:
        audit = SqlAudit(session)
        for i in range(n):
            await audit.record(
                actor_id=None,
                action="read",
                subject_type="supervision_record",
                subject_id=str(i),
                target_staff_id=None,
                reason="audit sample",
            )
        await session.commit()


async def tamper(engine: AsyncEngine, statement: str) -> list[str]:
    async with engine.begin() as connection:
        await connection.execute(text(statement))
    async with session_factory(engine)() as session:
        _, problems = await verify_chain(session)
    return [f"{p.event_id}: {p.problem}" for p in problems]


async def test_untouched_chain_verifies(engine: AsyncEngine) -> None:
    await write_events(engine)
    async with session_factory(engine)() as session:
        count, problems = await verify_chain(session)
    assert count == 5
    assert problems == []


async def test_edited_row_is_detected(engine: AsyncEngine) -> None:
    await write_events(engine)
    problems = await tamper(engine, "UPDATE auditevent SET reason = 'nothing to see' WHERE id = 3")
    assert problems == ["3: content changed after it was written"]


async def test_deleted_row_is_detected(engine: AsyncEngine) -> None:
    await write_events(engine)
    problems = await tamper(engine, "DELETE FROM auditevent WHERE id = 2")
    assert "3: expected event 2: rows missing" in problems
    assert "3: does not follow the event before it" in problems


async def test_reordered_rows_are_detected(engine: AsyncEngine) -> None:
    await write_events(engine)
    # Swap the positions of events 2 and 4 in the sequence.
    await tamper(engine, "UPDATE auditevent SET id = 999 WHERE id = 2")
    await tamper(engine, "UPDATE auditevent SET id = 2 WHERE id = 4")
    problems = await tamper(engine, "UPDATE auditevent SET id = 4 WHERE id = 999")
    assert "2: content changed after it was written" in problems
    assert "2: does not follow the event before it" in problems
    assert "4: content changed after it was written" in problems
