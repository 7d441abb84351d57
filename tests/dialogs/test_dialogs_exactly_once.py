"""Exactly once: ten clicks on one Confirm write one row; quick messages are all answered; a
question writes no conversation state. A real engine on a copy of the demo council (SQLite)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from demo_data import copy_of
from races import STEPS, already, assert_one_winner, race, rows, text_of
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from dialogs.engine import Engine
from dialogs.messages import Choice, Command, Inbound, Say, Text
from storage.db import create_engine, session_factory
from storage.models import DialogState, ManagerDecision, ProcessedInbound
from storage.models.decisions import UniqueWrite
from tests.dialogs.conftest import Chat, FakeClock, make_engine, staff_id


@pytest.mark.parametrize("flow", sorted(STEPS))
async def test_ten_concurrent_confirmations_write_once(
    flow: str,
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    step = await STEPS[flow](database, chat_as)
    before = await step.count()
    results = await race([step.chat.engine], step.chat, step.payload)
    assert await step.count() == before + 1
    winner = assert_one_winner(results)
    for result in results:
        if result is not winner:
            assert text_of(result).startswith(f"Already recorded: {step.recorded}"), text_of(result)
            assert result.notifications == ()  # nobody is told twice
    assert not already(winner)


@pytest.mark.parametrize("word", ["yes", "confirm"])
async def test_ten_typed_yes_write_one_decision(
    word: str,
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    step = await STEPS["decision"](database, lambda name: chat_as(name))
    step = type(step)(step.chat, Text(word), step.count, step.recorded)
    before = await step.count()
    results = await race([step.chat.engine], step.chat, step.payload)
    assert await step.count() == before + 1
    assert_one_winner(results)
    assert sum(len(r.notifications) for r in results) == 1  # Sam is told once


async def test_two_instances_on_one_sqlite_file_write_one_decision(
    demo_database: Path, tmp_path: Path, clock: FakeClock
) -> None:
    """Two processes' engines (each with its own locks and connections) on one database: the
    version check and the unique write key decide, and the loser replays to "Already recorded"."""
    path, first = copy_of(demo_database, tmp_path)
    second = create_engine(f"sqlite+aiosqlite:///{path}")
    engines = [make_engine(first, clock), make_engine(second, clock)]

    async def open_chat(name: str) -> Chat:
        return Chat(engines[0], await staff_id(first, name), clock)

    try:
        step = await STEPS["decision"](first, open_chat)
        before = await step.count()
        results = await race(engines, step.chat, step.payload)
        assert await step.count() == before + 1
        assert_one_winner(results)
    finally:
        await first.dispose()
        await second.dispose()


async def test_a_decision_confirmed_after_it_was_saved_is_not_saved_again(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
    clock: FakeClock,
) -> None:
    step = await STEPS["decision"](database, chat_as)
    await step.chat.send(step.payload)
    clock.advance(minutes=4)
    replies = await step.chat.send(Choice("confirm"))  # the same button, clicked again later
    assert replies == [Say(f"Already recorded: {step.recorded} (saved at 10:00).")]
    assert await rows(database, ManagerDecision) == await step.count()
    clock.advance(hours=2)  # a stale card, long after: no longer "already recorded"
    replies = await step.chat.send(Choice("confirm"))
    assert not text_of(step.chat.last).startswith("Already recorded")
    replies = await step.chat.send("what's my caseload score")  # a new question starts afresh
    assert replies[0].title.startswith("Your caseload")  # type: ignore[union-attr]


async def test_overlapping_messages_of_one_person_are_all_answered(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    sam = await chat_as("Sam Taylor")
    said = [
        Text("what's my caseload score"),
        Text("what's due"),
        Command("absence"),
        Text("help"),
        Text("hello"),
    ] * 4
    inbounds = [
        Inbound("web", f"web:{sam.staff_id}", f"overlap-{i}", sam.staff_id, payload, sam.clock())
        for i, payload in enumerate(said)
    ]
    results = await asyncio.gather(*(sam.engine.handle(inbound) for inbound in inbounds))
    assert len(results) == 20
    for result in results:
        assert result.replies, result
        assert "changed elsewhere" not in text_of(result)
        assert "went wrong" not in text_of(result)
    assert len(sam.engine.locks) == 0  # no lock is kept for a conversation nobody is in


async def test_two_first_messages_at_once_on_two_instances_are_both_answered(
    database: AsyncEngine, clock: FakeClock
) -> None:
    """No state yet: both turns insert it; the second is a concurrent update, not an error."""
    engines = [make_engine(database, clock), make_engine(database, clock)]
    sam = await staff_id(database, "Sam Taylor")
    inbounds = [
        Inbound("web", f"web:{sam}", f"first-{i}", sam, Command("absence"), clock())
        for i in range(6)
    ]
    results = await asyncio.gather(
        *(engines[i % 2].handle(inbound) for i, inbound in enumerate(inbounds))
    )
    for result in results:
        assert result.flow == "absence", text_of(result)
    assert await rows(database, DialogState) == 1


async def test_questions_write_no_conversation_state(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    sam = await chat_as("Sam Taylor")
    manager = await chat_as("Priya Shah")
    claimed = await rows(database, ProcessedInbound)
    await sam.send("what's my caseload score")
    await sam.send("what's due")
    await manager.send("caseload team")
    await manager.command("caseload", "Sam Taylor")
    breakdown = manager.last.replies[0].actions[0].value  # type: ignore[union-attr]
    await manager.choose(breakdown)
    assert manager.last.replies[0].title == "Every point: Sam Taylor"  # type: ignore[union-attr]
    async with session_factory(database)() as session:
        assert (await session.exec(select(DialogState))).all() == []
        assert (await session.exec(select(UniqueWrite))).all() == []
    # Each message id is still claimed, so a platform's retry of a question is answered once.
    assert await rows(database, ProcessedInbound) == claimed + 5
    again = await sam.send("what's due", message_id="due-1")
    assert again
    await sam.send("what's due", message_id="due-1")
    assert sam.last.duplicate


async def test_a_turn_lock_is_released_whatever_the_turn_answers(
    database: AsyncEngine, clock: FakeClock
) -> None:
    engine: Engine = make_engine(database, clock)
    stranger = Inbound("web", "web:999999", "x-1", 999999, Text("hello"), clock())
    result = await engine.handle(stranger)
    assert "I don't know who you are" in text_of(result)
    assert len(engine.locks) == 0
