"""Issue 23 item 6: "On Teams, send the invite so it lands in Outlook (Graph event ...) rather
than as a OneDrive file when configured; the file remains the fallback." A booking made where the
council sends invitations into Outlook creates the event in the supervisor's calendar with the
supervisee invited (Exchange sends the invitation), moving the session updates the same event,
cancelling it cancels the event; when Graph refuses, the .ics file goes with a clear note. The
real Graph client and token grant, against a fake Graph on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from icalendar import Calendar
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.teams.outlook import GraphOutlookInvites
from dialogs.messages import Attachment, Reply, Say, Tone
from storage.db import session_factory
from storage.models import Staff
from tests.dialogs.conftest import Chat, FakeClock, make_engine, staff_id
from tests.dialogs.test_dialogs_teams_meetings import change, sessions_of
from tests.teams.graph_fake import (
    FakeGraph,
    graph,  # noqa: F401  (a fixture)
)

SENT = "The invitation was sent through Outlook, to everyone's calendar."


@pytest.fixture
async def manager(
    database: AsyncEngine,
    clock: FakeClock,
    graph: FakeGraph,  # noqa: F811
) -> AsyncIterator[Chat]:
    """Priya, Sam's supervisor, in a council that sends invitations into Outlook."""
    client = graph.client()
    engine = make_engine(database, clock)
    engine.invites = GraphOutlookInvites(client, database)
    yield Chat(engine, await staff_id(database, "Priya Shah"), clock, "teams")
    await client.close()


async def book_in_person(chat: Chat) -> list[Reply]:
    await chat.command("book", "Sam")
    await chat.submit(when="2/12 10:00", mode="in_person", venue="Room 4, County Hall")
    return await chat.choose("confirm")


def files(replies: list[Reply]) -> list[Attachment]:
    return [r for r in replies if isinstance(r, Attachment)]


async def test_the_invitation_goes_into_outlook_and_follows_the_session(
    database: AsyncEngine,
    manager: Chat,
    graph: FakeGraph,  # noqa: F811
) -> None:
    async with session_factory(database)() as session:
        priya = (await session.exec(select(Staff).where(Staff.name == "Priya Shah"))).one()
        sam = (await session.exec(select(Staff).where(Staff.name == "Sam Taylor"))).one()

    replies = await book_in_person(manager)

    (created,) = graph.graph_calls("POST")
    assert created.path == f"/v1.0/users/{priya.teams_aad_object_id}/events"
    booked = (await sessions_of(database, "Sam Taylor"))[-1]
    # Times, place, the staff's names and Sam's address: no case, no child, no agenda.
    assert created.body == {
        "subject": "Supervision: Sam Taylor",
        "start": {"dateTime": "2026-12-02T10:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2026-12-02T11:00:00", "timeZone": "UTC"},
        "location": {"displayName": "Room 4, County Hall"},
        "attendees": [
            {"emailAddress": {"address": sam.email, "name": "Sam Taylor"}, "type": "required"}
        ],
        "body": {"contentType": "text", "content": "Booked with Supervision Assistant."},
        "transactionId": booked.ical_uid,
    }
    (event,) = graph.events.values()
    assert booked.outlook_event_id == event["id"]
    # No calendar file for Priya or Sam: Outlook has it.
    assert not files(replies)
    assert [r.text for r in replies if isinstance(r, Say)] == [SENT]
    for told in manager.last.notifications:
        assert not [m for m in told.messages if isinstance(m, Attachment)]

    # Moved: the same event, new times (Exchange sends the update).
    assert booked.id is not None
    await change(manager, booked.id, "rearrange")
    await manager.submit(reason="urgent_work", note="", when="3/12 14:00")
    replies = await manager.choose("confirm")
    (patched,) = graph.graph_calls("PATCH")
    assert patched.path.endswith(f"/events/{event['id']}")
    assert patched.body["start"] == {"dateTime": "2026-12-03T14:00:00", "timeZone": "UTC"}
    assert "transactionId" not in patched.body
    assert len(graph.graph_calls("POST")) == 1  # no second invitation
    moved = (await sessions_of(database, "Sam Taylor"))[-1]
    assert moved.outlook_event_id == event["id"]
    assert not files(replies)

    # Cancelled: the event is cancelled (Exchange tells everyone invited).
    assert moved.id is not None
    await change(manager, moved.id, "cancel")
    await manager.submit(reason="leaving")
    replies = await manager.choose("confirm")
    (cancelled,) = [c for c in graph.graph_calls("POST") if c.path.endswith("/cancel")]
    assert cancelled.path.endswith(f"/events/{event['id']}/cancel")
    assert event["isCancelled"] is True
    assert not files(replies)
    assert not [r for r in replies if isinstance(r, Say) and r.tone is Tone.WARNING]


async def test_when_outlook_refuses_the_calendar_file_goes_with_a_note(
    database: AsyncEngine,
    manager: Chat,
    graph: FakeGraph,  # noqa: F811
) -> None:
    graph.refuse["event"] = 403  # no Calendars.ReadWrite for Priya's mailbox
    before = len(await sessions_of(database, "Sam Taylor"))

    replies = await book_in_person(manager)

    assert len(await sessions_of(database, "Sam Taylor")) == before + 1  # booked all the same
    (ics,) = files(replies)
    (event,) = Calendar.from_ical(ics.content).walk("VEVENT")
    assert str(event["LOCATION"]) == "Room 4, County Hall"
    [note] = [r for r in replies if isinstance(r, Say) and r.tone is Tone.WARNING]
    assert "The booking is saved, but Outlook could not take its invitation" in note.text
    assert "(403)" in note.text
    assert "calendar file instead" in note.text
    assert "graph-token" not in note.text
    assert (await sessions_of(database, "Sam Taylor"))[-1].outlook_event_id is None


def test_outlook_invitations_without_credentials_say_what_to_set() -> None:
    from bot.settings import SettingsError, load_settings

    with pytest.raises(SettingsError) as refused:
        load_settings(_env_file=None, teams_outlook_invites=True)
    message = str(refused.value)
    assert "GRAPH_CLIENT_ID or TEAMS_APP_ID is required" in message
    assert "TEAMS_OUTLOOK_INVITES" in message
