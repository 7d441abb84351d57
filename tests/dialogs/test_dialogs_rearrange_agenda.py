"""Issue 27 item 1 for a moved session: moved to tomorrow after the day's agenda run, it has its
day-before agenda sent at once, under the scheduler's keys; moved further on, it waits for it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.dialogs.conftest import staff_id
from tests.dialogs.test_dialogs_rearrange import moved_from, session_of, to_form


async def test_a_session_moved_to_tomorrow_has_its_agenda_at_once(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    old = await session_of(database, "Hannah Okafor")  # Mon 30 Nov 09:00 with Priya
    assert old.id is not None
    hannah = await staff_id(database, "Hannah Okafor")
    priya = await staff_id(database, "Priya Shah")
    manager = await chat_as("Priya Shah")
    await to_form(manager, "Hannah", "rearrange")
    await manager.submit(reason="urgent_work", note="Strategy meeting", when="tomorrow 15:00")
    await manager.choose("confirm")
    [new] = await moved_from(database, old.id)
    keys = sorted(n.key for n in manager.last.notifications if n.key.startswith("agenda:"))
    assert keys == sorted(f"agenda:{new.id}:{hannah}:{who}:2026-11-24" for who in (priya, hannah))
    assert [n.key for n in manager.last.notifications if n.key.startswith("reflect:")] == [
        f"reflect:{new.id}:{hannah}:2026-11-24"
    ]


async def test_a_session_moved_days_ahead_waits_for_the_day_before(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    manager = await chat_as("Priya Shah")
    await to_form(manager, "Hannah", "rearrange")
    await manager.submit(reason="urgent_work", note="Strategy meeting", when="2/12 14:00")
    await manager.choose("confirm")
    assert not [n for n in manager.last.notifications if n.key.startswith(("agenda:", "reflect:"))]
