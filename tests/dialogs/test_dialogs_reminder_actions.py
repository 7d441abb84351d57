"""Transcript: the buttons on a reminder (Snooze a day / a week, Mark as held)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from dialogs.messages import AskChoice, Choice, Say
from storage.db import session_factory
from storage.models import Snooze, Staff, SupervisionSession


async def test_snooze_a_week_from_a_reminder_button(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    worker = await chat_as("Sam Taylor")
    replies = await worker.send(Choice("start:snooze:one_to_one:7"))
    assert isinstance(replies[0], Say)
    assert replies[0].text == "Snoozed: I'll remind you again on Mon 30 Nov 2026."
    async with session_factory(database)() as session:
        snooze = (await session.exec(select(Snooze))).one()
    assert (snooze.kind, snooze.until.isoformat()) == ("one_to_one", "2026-11-29")
    replies = await worker.send(Choice("start:snooze:one_to_one:365"))
    assert "Use the Snooze buttons" in replies[0].text  # type: ignore[union-attr]


async def test_mark_a_past_booked_session_as_held(database: AsyncEngine, chat_as, clock) -> None:  # type: ignore[no-untyped-def]
    async with session_factory(database)() as session:
        priya = (await session.exec(select(Staff).where(Staff.name == "Priya Shah"))).one()
        upcoming = (
            await session.exec(
                select(SupervisionSession)
                .where(
                    SupervisionSession.supervisor_id == priya.id,
                    SupervisionSession.status == "booked",
                )
                .order_by(col(SupervisionSession.planned_start))
            )
        ).first()
    assert upcoming is not None
    clock.now = upcoming.planned_end + timedelta(hours=1)
    manager = await chat_as("Priya Shah")
    replies = await manager.send(Choice("start:held"))
    choice = replies[0]
    assert isinstance(choice, AskChoice)
    assert str(upcoming.id) in {o.value for o in choice.options}
    replies = await manager.choose(str(upcoming.id))
    assert "Marked as held" in replies[0].text  # type: ignore[union-attr]
    async with session_factory(database)() as session:
        row = await session.get(SupervisionSession, upcoming.id)
    assert row is not None
    assert row.status == "held"
    other = await chat_as("Grace Lee")
    await other.send(Choice("start:held"))
    replies = await other.choose(str(upcoming.id))
    # Refused whichever way: Grace has no past booked session, or has her own to choose from
    # (the demo's sessions fall on working days since issue 23 item 2) and this is not one.
    said = replies[0].text  # type: ignore[union-attr]
    assert (
        "not one of your sessions" in said
        or "no past booked" in other.text()
        or f"I don't know '{upcoming.id}'" in said
    ), said
