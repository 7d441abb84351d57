""" "What's due" (issue 24 item 3): the statements an answer costs, counted on the real database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.messages import Card


class Statements:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.seen.append(" ".join(statement.split()))


async def _due_statements(database: AsyncEngine, chat: Any) -> tuple[Card, list[str]]:
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
    assert len(seen) <= 17, "\n".join(s[:120] for s in seen)
    # No record is read whole: the dates and flags the card shows, in one statement each.
    assert not [s for s in seen if "recorddecision" in s], seen


async def test_whats_due_for_a_manager(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    card, seen = await _due_statements(database, await chat_as("Priya Shah"))
    assert card.title == "What's due"
    assert len(seen) <= 19, "\n".join(s[:120] for s in seen)
    # The manager's facts and their supervisees' in one read of each table.
    assert len([s for s in seen if s.startswith("SELECT missedmonth")]) == 1, seen
    assert not [s for s in seen if "recorddecision" in s], seen
