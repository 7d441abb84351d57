"""Issue 23 item 6: a virtual session gets its own Teams meeting through Microsoft Graph where
the council has them: the join link in the invitation and the confirmation, moved with the
session and cancelled with it; when Graph fails the booking stands with the team's standing
link and a clear note. The real Graph client and token grant, against a fake Graph on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer
from icalendar import Calendar
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.teams.meetings import TeamsMeetings
from dialogs.messages import AskChoice, Attachment, Card, Reply, Say, Tone
from storage.db import session_factory
from storage.models import SessionAttendee, Staff, SupervisionSession, Team
from tests.dialogs.conftest import Chat, FakeClock, make_engine, staff_id
from tests.teams.graph_fake import (
    FakeGraph,
    graph,  # noqa: F401  (a fixture)
)

TEAM_LINK = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NorthTeam%40thread.v2/0"


@pytest.fixture
async def manager(
    database: AsyncEngine,
    clock: FakeClock,
    graph: FakeGraph,  # noqa: F811
) -> AsyncIterator[Chat]:
    """Priya, Sam's supervisor, in a council with Teams meetings through (the fake) Graph."""
    client = graph.client()
    engine = make_engine(database, clock)
    engine.meetings = TeamsMeetings(client, database)
    yield Chat(engine, await staff_id(database, "Priya Shah"), clock, "teams")
    await client.close()


def event_of(replies: list[Reply]) -> dict[str, str]:
    [attachment] = [r for r in replies if isinstance(r, Attachment)]
    [event] = Calendar.from_ical(attachment.content).walk("VEVENT")
    return {k: str(event[k]) for k in ("LOCATION", "DESCRIPTION", "URL", "SUMMARY") if k in event}


def facts(replies: list[Reply]) -> dict[str, str]:
    """The confirmation's facts: the first card (the agenda so far may follow it, issue 27)."""
    card = next(r for r in replies if isinstance(r, Card))
    return {f.label: f.value for f in card.facts}


async def sessions_of(database: AsyncEngine, name: str) -> list[SupervisionSession]:
    person = await staff_id(database, name)
    async with session_factory(database)() as session:
        return list(
            (
                await session.exec(
                    select(SupervisionSession)
                    .join(SessionAttendee, col(SessionAttendee.session_id) == SupervisionSession.id)
                    .where(SessionAttendee.staff_id == person)
                    .order_by(col(SupervisionSession.id))
                )
            ).all()
        )


async def book_virtual(chat: Chat, when: str = "2/12 10:00") -> list[Reply]:
    await chat.command("book", "Sam")
    await chat.submit(when=when, mode="virtual", venue="")
    return await chat.choose("confirm")


async def change(chat: Chat, session_id: int, action: str) -> None:
    """`rearrange Sam`, pick the session booked here, then rearrange or cancel it."""
    replies = await chat.command("rearrange", "Sam")
    [ask] = [r for r in replies if isinstance(r, AskChoice)]
    if str(session_id) in [o.value for o in ask.options]:
        await chat.choose(str(session_id))
    await chat.choose(action)


async def test_a_virtual_session_gets_its_own_teams_meeting_moved_and_cancelled_with_it(
    database: AsyncEngine,
    manager: Chat,
    graph: FakeGraph,  # noqa: F811
) -> None:
    async with session_factory(database)() as session:
        priya = (await session.exec(select(Staff).where(Staff.name == "Priya Shah"))).one()

    replies = await book_virtual(manager)

    (created,) = graph.graph_calls("POST")
    assert created.path == f"/v1.0/users/{priya.teams_aad_object_id}/onlineMeetings"
    # The times and the staff's names: nothing from the agenda, no case, no child.
    assert created.body == {
        "startDateTime": "2026-12-02T10:00:00Z",
        "endDateTime": "2026-12-02T11:00:00Z",
        "subject": "Supervision: Sam Taylor",
    }
    assert created.auth == "Bearer graph-token-1"
    (meeting,) = graph.meetings.values()
    url = meeting["joinWebUrl"]
    event = event_of(replies)
    assert event["LOCATION"] == "Microsoft Teams meeting"
    assert event["URL"] == url
    assert f"Join the meeting: {url}" in event["DESCRIPTION"]
    assert facts(replies)["Teams meeting"] == url  # in the confirmation too
    [told] = manager.last.notifications  # and in what Sam is sent
    assert {f.label: f.value for f in told.messages[0].facts}["Teams meeting"] == url  # type: ignore[union-attr]
    booked = (await sessions_of(database, "Sam Taylor"))[-1]
    assert (booked.online_meeting_id, booked.online_meeting_url) == (meeting["id"], url)

    # Moved: the same meeting, new times; the invitation keeps its link.
    assert booked.id is not None
    await change(manager, booked.id, "rearrange")
    await manager.submit(reason="urgent_work", note="", when="3/12 14:00")
    replies = await manager.choose("confirm")
    (patched,) = graph.graph_calls("PATCH")
    assert patched.path.endswith(f"/onlineMeetings/{meeting['id']}")
    assert patched.body["startDateTime"] == "2026-12-03T14:00:00Z"
    assert event_of(replies)["URL"] == url
    assert facts(replies)["Teams meeting"] == url
    moved = (await sessions_of(database, "Sam Taylor"))[-1]
    assert moved.rescheduled_from_id == booked.id
    assert moved.online_meeting_id == meeting["id"]
    assert len(graph.graph_calls("POST")) == 1  # no second meeting

    # Cancelled: the meeting goes too.
    assert moved.id is not None
    await change(manager, moved.id, "cancel")
    await manager.submit(reason="leaving")
    replies = await manager.choose("confirm")
    (deleted,) = graph.graph_calls("DELETE")
    assert deleted.path.endswith(f"/onlineMeetings/{meeting['id']}")
    assert graph.meetings == {}
    assert not [r for r in replies if isinstance(r, Say) and r.tone is Tone.WARNING]
    assert len(graph.tokens) == 1  # one token for the lot


async def test_when_graph_refuses_the_booking_stands_with_the_team_link_and_a_note(
    database: AsyncEngine,
    manager: Chat,
    graph: FakeGraph,  # noqa: F811
) -> None:
    sam = await staff_id(database, "Sam Taylor")
    async with session_factory(database)() as session:
        team_id = (await session.get(Staff, sam)).team_id  # type: ignore[union-attr]
        await session.exec(update(Team).where(Team.id == team_id).values(meeting_link=TEAM_LINK))  # type: ignore[call-overload]
        await session.commit()
    graph.refuse["meeting"] = 403  # no application access policy for Priya
    before = len(await sessions_of(database, "Sam Taylor"))

    replies = await book_virtual(manager)

    assert len(await sessions_of(database, "Sam Taylor")) == before + 1  # booked all the same
    assert event_of(replies)["URL"] == TEAM_LINK
    [note] = [r for r in replies if isinstance(r, Say) and r.tone is Tone.WARNING]
    assert "The booking is saved, but a Teams meeting could not be made for it" in note.text
    assert "Teams did not allow it (403)" in note.text
    assert "the invitation carries the team's meeting link instead" in note.text
    assert "graph-token" not in note.text
    assert "Teams meeting" not in facts(replies)
    assert manager.last.notifications  # Sam is still told, with the invitation


async def test_an_in_person_session_makes_no_meeting(
    manager: Chat,
    graph: FakeGraph,  # noqa: F811
) -> None:
    await manager.command("book", "Sam")
    await manager.submit(when="2/12 10:00", mode="in_person", venue="Room 2")
    await manager.choose("confirm")
    assert graph.calls == []


async def test_the_bot_gives_the_dialogs_teams_meetings_when_configured(
    database: AsyncEngine,
    graph: FakeGraph,  # noqa: F811
) -> None:
    from bot.app import CONVERSATIONS, create_app
    from tests.teams.conftest import fixed_clock, settings

    app = create_app(
        settings(**graph.settings(teams_online_meetings=True)),
        database,
        fixed_clock(),
        run_scheduler=False,
    )
    async with TestServer(app, host="127.0.0.1"):
        assert isinstance(app[CONVERSATIONS].dialogs.meetings, TeamsMeetings)
    plain = create_app(settings(), database, fixed_clock(), run_scheduler=False)
    async with TestServer(plain, host="127.0.0.1"):
        assert plain[CONVERSATIONS].dialogs.meetings is None
