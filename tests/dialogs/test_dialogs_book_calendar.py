"""Booking and moving supervision against leave, weekends and bank holidays (issue 23 item 2):
said before confirming, refused where the council's pack says so."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.engine import Engine
from dialogs.messages import Card, Reply
from dialogs.registry import flows, understanding
from policy.packs import builtin_pack, builtin_pack_ids
from policy.packs.schema import WorkingTime
from storage.db import session_factory
from storage.models import Absence
from storage.unit_of_work import unit_of_work_factory
from tests.dialogs.conftest import Chat, FakeClock, staff_id


def card(replies: list[Reply]) -> Card:
    cards = [r for r in replies if isinstance(r, Card)]
    assert len(cards) == 1, replies
    return cards[0]


def checks(found: Card) -> tuple[str, ...]:
    return next((s.lines for s in found.sections if s.heading == "Check before booking"), ())


async def away(database: AsyncEngine, name: str, kind: str, start: date, end: date) -> None:
    person = await staff_id(database, name)
    async with session_factory(database)() as session:
        session.add(Absence(staff_id=person, kind=kind, start_date=start, end_date=end))
        await session.commit()


async def test_leave_weekends_and_bank_holidays_are_said_before_confirming(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    await away(database, "Sam Taylor", "annual_leave", date(2026, 12, 14), date(2026, 12, 18))
    manager = await chat_as("Priya Shah")
    # Christmas Day, and the observed Boxing Day the demo used to book on.
    for typed, holiday in (("25/12 10:00", "Christmas Day"), ("28/12 10:00", "Boxing Day")):
        await manager.command("book", "Sam")
        lines = checks(card(await manager.submit(when=typed, mode="in_person", venue="Room 2")))
        assert any(f"is a bank holiday in England ({holiday}" in line for line in lines), lines
    await manager.command("book", "Sam")
    lines = checks(card(await manager.submit(when="28/11 10:00", mode="in_person", venue="Room 2")))
    assert "Sat 28 Nov 2026 is a Saturday, not a working day." in lines
    await manager.command("book", "Sam")
    lines = checks(card(await manager.submit(when="16/12 10:00", mode="in_person", venue="Room 2")))
    assert (
        "Sam Taylor is away that day (recorded absence, Mon 14 Dec 2026 to Fri 18 Dec 2026)."
        in lines
    )
    assert not [line for line in lines if "annual" in line.lower()]  # the kind is not shown
    # A plain working day with both in: nothing to check.
    await manager.command("book", "Sam")
    plain = card(await manager.submit(when="2/12 10:00", mode="in_person", venue="Room 2"))
    assert not [line for line in checks(plain) if "away" in line or "working day" in line]


async def test_the_pack_can_refuse_and_nothing_typed_is_lost(
    database: AsyncEngine, clock: FakeClock
) -> None:
    strict = WorkingTime(
        basis="product", absence_bookings="refuse", non_working_day_bookings="refuse"
    )
    packs = {pack_id: builtin_pack(pack_id) for pack_id in builtin_pack_ids()}
    packs["derbyshire"] = packs["derbyshire"].model_copy(update={"working_time": strict})
    engine = Engine(
        flows=flows(),
        understanding=understanding(),
        unit_of_work=unit_of_work_factory(database, packs),
        clock=clock,
    )
    await away(database, "Sam Taylor", "maternity", date(2026, 12, 1), date(2027, 5, 31))
    manager = Chat(engine, await staff_id(database, "Priya Shah"), clock)
    await manager.command("book", "Sam")
    await manager.submit(when="1/1/2027 10:00", mode="in_person", venue="Room 2")
    form = manager.form()
    error = next(f.error for f in form.fields if f.name == "when")
    assert "Fri 1 Jan 2027 is a bank holiday in England (New Year's Day)." in error
    assert "Sam Taylor is away that day" in error
    assert error.endswith("Your council does not book supervision then: choose another day.")
    assert next(f.value for f in form.fields if f.name == "venue") == "Room 2"


async def test_moving_a_session_to_new_years_day_is_warned_about(
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    manager = await chat_as("Priya Shah")
    await manager.command("rearrange", "Hannah")  # Mon 30 Nov 09:00 with Priya
    await manager.choose("rearrange")
    found = card(
        await manager.submit(reason="urgent_work", note="Strategy day", when="1/1/2027 10:00")
    )
    [warnings] = [s.lines for s in found.sections if s.heading == "Check before confirming"]
    assert "Fri 1 Jan 2027 is a bank holiday in England (New Year's Day)." in warnings
