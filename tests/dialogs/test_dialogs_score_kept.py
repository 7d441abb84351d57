"""A person's score kept between answers (issue 24 item 4), and given up the moment anything it
reads changes, whoever changes it: another engine here stands for another instance of the bot
(or an import, or a hand-run SQL fix) writing to the same database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from dialogs.messages import Card
from storage.db import create_engine
from storage.models import Case, CaseAllocation, Staff
from tests.dialogs.conftest import TODAY, staff_id


class Statements:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.seen.append(" ".join(statement.split()))

    def score_reads(self) -> list[str]:
        tables = ('"case"', "caseallocation", "overcapapproval", "personalelement")
        return [s for s in self.seen if s.startswith("SELECT") and any(t in s for t in tables)]


async def _ask(database: AsyncEngine, chat: Any) -> tuple[str, Statements]:
    statements = Statements()
    event.listen(database.sync_engine, "before_cursor_execute", statements)
    try:
        replies = await chat.send("what's my caseload score")
    finally:
        event.remove(database.sync_engine, "before_cursor_execute", statements)
    card = next(r for r in replies if isinstance(r, Card))
    return card.title, statements


def _elsewhere(database: AsyncEngine) -> AsyncEngine:
    """A second engine on the same database: another instance's connection pool."""
    return create_engine(database.url.render_as_string(hide_password=False))


async def test_a_second_answer_reads_only_the_person(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    sam = await chat_as("Sam Taylor")
    first, cold = await _ask(database, sam)
    assert cold.score_reads(), "the first answer works the score out"
    again, warm = await _ask(database, sam)
    assert again == first
    assert warm.score_reads() == [], warm.seen
    # The turn's own reads only (organisations, Sam, the conversation) and the claim.
    assert len(warm.seen) <= 4, warm.seen


async def test_an_allocation_ended_elsewhere_is_seen_at_once(
    database: AsyncEngine, chat_as
) -> None:  # type: ignore[no-untyped-def]
    sam_id = await staff_id(database, "Sam Taylor")
    sam = await chat_as("Sam Taylor")
    before, _ = await _ask(database, sam)
    await _ask(database, sam)  # kept

    other = _elsewhere(database)
    try:
        async with other.begin() as connection:
            allocation = (
                await connection.execute(
                    select(col(CaseAllocation.id))
                    .where(col(CaseAllocation.staff_id) == sam_id)
                    .where(col(CaseAllocation.end_date).is_(None))
                    .limit(1)
                )
            ).scalar_one()
            await connection.execute(
                update(CaseAllocation)
                .where(col(CaseAllocation.id) == allocation)
                .values(end_date=TODAY - timedelta(days=1))
            )
    finally:
        await other.dispose()

    after, statements = await _ask(database, sam)
    assert statements.score_reads(), "the score is worked out again"
    assert after != before, (before, after)


async def test_a_case_changed_elsewhere_is_seen_at_once(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    sam_id = await staff_id(database, "Sam Taylor")
    sam = await chat_as("Sam Taylor")
    before, _ = await _ask(database, sam)

    other = _elsewhere(database)
    try:
        async with other.begin() as connection:
            version = (
                await connection.execute(
                    select(col(Staff.caseload_version)).where(col(Staff.id) == sam_id)
                )
            ).scalar_one()
            case = (
                await connection.execute(
                    select(col(CaseAllocation.case_id))
                    .where(col(CaseAllocation.staff_id) == sam_id)
                    .where(col(CaseAllocation.end_date).is_(None))
                    .limit(1)
                )
            ).scalar_one()
            # More children in the sibling group: only the case row changes.
            await connection.execute(
                update(Case).where(col(Case.id) == case).values(children=col(Case.children) + 3)
            )
            bumped = (
                await connection.execute(
                    select(col(Staff.caseload_version)).where(col(Staff.id) == sam_id)
                )
            ).scalar_one()
    finally:
        await other.dispose()
    assert bumped > version

    after, statements = await _ask(database, sam)
    assert statements.score_reads()
    assert after != before, (before, after)
