"""Transcript: booking, moving and cancelling send invitations calendars match by their UID."""

from __future__ import annotations

from icalendar import Calendar
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from dialogs.messages import Attachment, Card
from storage.db import session_factory
from storage.models import SupervisionSession


def ics(replies: list) -> tuple[Calendar, object]:  # type: ignore[type-arg]
    files = [r for r in replies if isinstance(r, Attachment) and r.media_type == "text/calendar"]
    assert len(files) == 1, replies
    calendar = Calendar.from_ical(files[0].content)
    return calendar, next(c for c in calendar.walk() if c.name == "VEVENT")


async def latest(database: AsyncEngine) -> SupervisionSession:
    async with session_factory(database)() as session:
        query = select(SupervisionSession).order_by(col(SupervisionSession.id).desc())
        return (await session.exec(query)).first()  # type: ignore[return-value]


async def test_book_move_and_cancel_share_one_uid(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    manager = await chat_as("Priya Shah")
    await manager.send("book supervision with Sam tomorrow 2pm")
    await manager.submit(mode="in_person", venue="Room 2, County Hall")
    replies = await manager.choose("confirm")
    assert isinstance(replies[0], Card)
    calendar, event = ics(replies)
    booked = await latest(database)
    assert calendar["METHOD"] == "REQUEST"
    assert event["UID"] == booked.ical_uid
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == booked.planned_start
    assert "mailto:sam.taylor@demoshire.example" in str(event["ATTENDEE"])
    assert str(event["SUMMARY"]) == "Supervision: Sam Taylor"
    told = manager.last.notifications[0].messages
    assert any(isinstance(m, Attachment) and m.media_type == "text/calendar" for m in told)

    await manager.command("rearrange", "Sam")
    await manager.choose("rearrange")
    await manager.submit(reason="urgent_work", note="Court hearing", when="Thu 10:00")
    _, moved = ics(await manager.choose("confirm"))
    assert moved["UID"] == booked.ical_uid
    assert int(moved["SEQUENCE"]) > int(event["SEQUENCE"])
    assert moved.decoded("DTSTART").hour == 10  # 10:00 in London is 10:00 UTC in November

    await manager.command("rearrange", "Sam")
    await manager.choose("cancel")
    await manager.submit(reason="leaving")
    cancelled_calendar, cancelled = ics(await manager.choose("confirm"))
    assert cancelled_calendar["METHOD"] == "CANCEL"
    assert cancelled["UID"] == booked.ical_uid
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) > int(moved["SEQUENCE"])
