"""Issue 27 over real Teams activities on loopback: the agenda's button for its supervisor, and
the old line manager confirming a handover from the card the staff import sends."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from policy.packs import builtin_pack
from policy.vocabulary import SessionType
from storage.db import session_factory
from storage.imports.base import ImportReport
from storage.imports.handover import tell_new_managers
from storage.models import AuditEvent, SessionAttendee, Staff, SupervisionSession
from tests.teams.conftest import PRIYA, TODAY, TeamsBot, card_of, elements, personal_message

PRIYA_CHAT = "a:chat-priya"


async def _staff(database: AsyncEngine, name: str) -> Staff:
    async with session_factory(database)() as session:
        return (await session.exec(select(Staff).where(Staff.name == name))).one()


async def test_the_supervisors_agenda_has_the_button_to_write_it_up(
    teams_bot: TeamsBot, database: AsyncEngine
) -> None:
    connector = teams_bot.connector
    sam = await _staff(database, "Sam Taylor")
    priya = await _staff(database, "Priya Shah")
    start = TODAY + timedelta(days=3)
    async with session_factory(database)() as session:
        booked = SupervisionSession(
            organisation_id=priya.organisation_id,
            type=SessionType.ONE_TO_ONE.value,
            supervisor_id=priya.id,
            planned_start=start,
            planned_end=start + timedelta(hours=1),
            ical_uid="test-teams-agenda@demoshire.example",
        )
        session.add(booked)
        await session.flush()
        assert booked.id is not None
        assert sam.id is not None
        session.add(SessionAttendee(session_id=booked.id, staff_id=sam.id))
        await session.commit()
    await teams_bot.post(personal_message(teams_bot, PRIYA, "agenda Sam Taylor"))
    card = card_of((await connector.wait_for(lambda: connector.sent(PRIYA_CHAT)))[-1])
    texts = " ".join(e.get("text", "") for e in elements(card))
    assert "Agenda for your supervision" in texts
    write = next(a for a in card.get("actions", []) if a["title"] == "Write up from this agenda")
    assert write["data"]["choice"] == f"start:record:agenda:{booked.id}"
    # Before the session, the button says when to use it and writes nothing.
    await teams_bot.post(personal_message(teams_bot, PRIYA, value=write["data"]))
    replies = await connector.wait_for(lambda: connector.sent(PRIYA_CHAT)[1:])
    said = replies[-1].body.get("text", "") or str(card_of(replies[-1]))
    assert "record it after" in said


async def test_the_old_manager_confirms_a_handover_from_its_card(
    teams_bot: TeamsBot, database: AsyncEngine
) -> None:
    connector = teams_bot.connector
    sam = await _staff(database, "Sam Taylor")
    priya = await _staff(database, "Priya Shah")
    morgan = await _staff(database, "Morgan Price")
    assert sam.line_manager_id == priya.id
    async with session_factory(database)() as session:
        moved = await session.get(Staff, sam.id)
        assert moved is not None
        moved.line_manager_id = morgan.id
        session.add(moved)
        assert sam.id is not None
        assert morgan.id is not None
        report = ImportReport("staff", manager_changes=[(sam.id, priya.id, morgan.id)])
        await tell_new_managers(session, builtin_pack("derbyshire"), report, date(2026, 11, 23))
        await session.commit()
    value = {"choice": f"start:handover:{sam.id}:{morgan.id}"}  # the card's Action.Submit data
    await teams_bot.post(personal_message(teams_bot, PRIYA, value=value))
    replies = await connector.wait_for(lambda: connector.sent(PRIYA_CHAT))
    said = replies[-1].body.get("text", "") or str(card_of(replies[-1]))
    assert "Confirmed: Sam Taylor's handover to Morgan Price" in said
    async with session_factory(database)() as session:
        events = (
            await session.exec(select(AuditEvent).where(AuditEvent.subject_type == "handover"))
        ).all()
    assert [(e.actor_id, e.detail["event"]) for e in events] == [
        (None, "line manager changed"),
        (priya.id, "confirmed"),
    ]
