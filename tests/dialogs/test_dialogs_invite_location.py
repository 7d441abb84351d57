"""Calendar invitations always say where (issue 23 item 6): the venue, or the pack's words,
and a virtual session carries the team's standing meeting link where one is set."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from icalendar import Calendar
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.messages import Attachment, Reply
from dialogs.outputs.ics import Person, invitation
from storage.db import session_factory
from storage.models import Staff, Team
from tests.dialogs.conftest import staff_id

LINK = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NorthTeam%40thread.v2/0"


def event_of(replies: list[Reply]) -> dict[str, str]:
    [attachment] = [r for r in replies if isinstance(r, Attachment)]
    [event] = Calendar.from_ical(attachment.content).walk("VEVENT")
    return {key: str(event[key]) for key in ("LOCATION", "DESCRIPTION", "URL") if key in event}


async def book(chat, when: str, mode: str, venue: str) -> list[Reply]:  # type: ignore[no-untyped-def]
    await chat.command("book", "Sam")
    await chat.submit(when=when, mode=mode, venue=venue)
    return await chat.choose("confirm")


async def test_virtual_sessions_carry_the_teams_meeting_link(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    sam = await staff_id(database, "Sam Taylor")
    async with session_factory(database)() as session:
        team_id = (await session.get(Staff, sam)).team_id  # type: ignore[union-attr]
        await session.exec(update(Team).where(Team.id == team_id).values(meeting_link=LINK))  # type: ignore[call-overload]
        await session.commit()
    manager = await chat_as("Priya Shah")
    event = event_of(await book(manager, "2/12 10:00", "virtual", ""))
    assert event["LOCATION"] == "Microsoft Teams meeting"  # the pack's words, never empty
    assert event["URL"] == LINK
    assert f"Join the meeting: {LINK}" in event["DESCRIPTION"]


async def test_in_person_without_a_venue_still_says_where(chat_as) -> None:  # type: ignore[no-untyped-def]
    manager = await chat_as("Priya Shah")
    event = event_of(await book(manager, "3/12 10:00", "in_person", ""))
    assert event["LOCATION"] == "In person: venue to be confirmed"
    assert "URL" not in event
    event = event_of(await book(manager, "4/12 10:00", "in_person", "Room 2, County Hall"))
    assert event["LOCATION"] == "Room 2, County Hall"


def test_an_invitation_without_a_location_is_refused() -> None:
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    with pytest.raises(ValueError, match="LOCATION"):
        invitation(
            uid="u",
            sequence=0,
            start=now,
            end=now,
            summary="Supervision",
            location=" ",
            organiser=Person("A", "a@x.test"),
            attendees=[],
            stamp=now,
        )
