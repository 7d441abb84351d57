"""The agenda the day before (issue 27): the scheduler sends each supervision booked for
tomorrow its agenda, privately to the supervisor and the supervisee, once whatever the ticks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from bot.scheduler import Scheduler
from policy.packs import builtin_pack, builtin_pack_ids
from storage.models import OutboxMessage, SessionAttendee, SupervisionSession

TODAY = date(2026, 11, 23)  # a Monday
PACKS = {pack_id: builtin_pack(pack_id) for pack_id in builtin_pack_ids()}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def _agendas(
    database: AsyncEngine, kind: str = "agenda"
) -> list[tuple[str, str, dict[str, Any]]]:
    async with database.connect() as connection:
        rows = (
            await connection.execute(
                select(OutboxMessage.idempotency_key, OutboxMessage.target, OutboxMessage.payload)
                .where(OutboxMessage.kind == kind)
                .order_by(col(OutboxMessage.id))
            )
        ).all()
    return [(key, target, payload) for key, target, payload in rows]


async def _booked_on(database: AsyncEngine, day: date) -> list[tuple[int, int, int]]:
    s, a = SupervisionSession, SessionAttendee
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    async with database.connect() as connection:
        rows = (
            await connection.execute(
                select(s.id, s.supervisor_id, a.staff_id)
                .join(a, col(a.session_id) == col(s.id))
                .where(
                    s.status == "booked",
                    col(s.planned_start) >= start,
                    col(s.planned_start) < start + timedelta(days=1),
                )
            )
        ).all()
    return [(int(i), int(sup), int(who)) for i, sup, who in rows]


async def _first_booked_day(database: AsyncEngine, since: date) -> date:
    """The first day on or after `since` with a booked supervision (the demo books on working
    days only, so which day that is follows the calendar)."""
    s = SupervisionSession
    start = datetime(since.year, since.month, since.day, tzinfo=UTC)
    async with database.connect() as connection:
        first = (
            await connection.execute(
                select(s.planned_start)
                .where(s.status == "booked", col(s.planned_start) >= start)
                .order_by(col(s.planned_start))
                .limit(1)
            )
        ).scalar_one()
    return first.date()  # type: ignore[no-any-return]


async def test_the_day_before_both_parties_get_the_agenda_once(database: AsyncEngine) -> None:
    tomorrow = await _first_booked_day(database, date(2026, 11, 24))
    booked = await _booked_on(database, tomorrow)
    assert booked, "the demo books supervision in the week after its Monday"
    the_day_before = tomorrow - timedelta(days=1)
    clock = Clock(datetime.combine(the_day_before, datetime.min.time(), UTC) + timedelta(hours=7))
    scheduler = Scheduler(database, PACKS, clock)
    await scheduler.tick()
    clock.now += timedelta(minutes=1)
    await scheduler.tick()  # the same day again: nothing more
    await Scheduler(database, PACKS, clock).tick()  # another instance: nothing more either
    sent = await _agendas(database)
    expected = sorted(
        f"agenda:{session}:{who}:{reader}:{tomorrow.isoformat()}:web"
        for session, supervisor, who in booked
        for reader in sorted({supervisor, who})
    )
    assert sorted(key for key, *_ in sent) == expected
    for key, target, payload in sent:
        reader = key.split(":")[3]
        assert target == f"staff:{reader}"  # a private message, never a channel
        card = payload["replies"][0]
        assert card["title"] == "Agenda for your supervision"
        headings = [section["heading"] for section in card["sections"]]
        assert headings[0] == "Cases to review"  # Derbyshire: no per-child interval
        assert "Actions from the last record" in headings
    # The supervisee alone is asked the pack's reflection questions (DCC 000:241-251).
    prompts = await _agendas(database, "reflect")
    assert sorted(key for key, *_ in prompts) == sorted(
        f"reflect:{session}:{who}:{tomorrow.isoformat()}:web" for session, _, who in booked
    )
    for key, target, payload in prompts:
        session, who = key.split(":")[1:3]
        assert target == f"staff:{who}"
        card = payload["replies"][0]
        assert card["actions"] == [{"value": f"start:reflect:{session}", "label": "Answer"}]
        assert card["sections"][0]["lines"][0].startswith("Do you have the knowledge")
    # The day of the session itself: nothing new for it.
    clock.now = datetime.combine(tomorrow, datetime.min.time(), UTC) + timedelta(hours=7)
    await Scheduler(database, PACKS, clock).tick()
    assert sorted(key for key, *_ in await _agendas(database)) == expected


async def test_a_cancelled_supervision_gets_no_agenda(database: AsyncEngine) -> None:
    monday = date(2026, 11, 30)
    booked = await _booked_on(database, monday)
    assert len({session for session, *_ in booked}) > 1, "the demo books several that Monday"
    cancelled = booked[0][0]
    async with database.begin() as connection:
        await connection.execute(
            update(SupervisionSession)
            .where(col(SupervisionSession.id) == cancelled)
            .values(status="cancelled")
        )
    await Scheduler(database, PACKS, Clock(datetime(2026, 11, 29, 7, 0, tzinfo=UTC))).tick()
    sessions = {int(key.split(":")[1]) for key, *_ in await _agendas(database)}
    assert sessions == {session for session, *_ in booked} - {cancelled}


async def test_agendas_are_written_a_few_rows_to_a_transaction(
    database: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 18: no write of the scheduler holds the lock for long, however many sessions a
    # council has tomorrow. With one row to a transaction, each agenda and prompt is its own.
    import scheduling.agenda
    from scheduling.agenda import send_agendas
    from scheduling.obligations import Stats

    monkeypatch.setattr(scheduling.agenda, "ROWS_PER_WRITE", 1)
    tomorrow = await _first_booked_day(database, date(2026, 11, 24))
    today = tomorrow - timedelta(days=1)
    pack = PACKS["derbyshire"]
    now = datetime.combine(today, datetime.min.time(), UTC) + timedelta(hours=7)
    stats = Stats()
    added = await send_agendas(database, 1, pack, PACKS, now, today, stats)
    assert added > 1
    assert stats.writes == added  # one transaction a row
