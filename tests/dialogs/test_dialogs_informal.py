"""Transcript: informal supervision is between a supervisor and a supervisee, checked on a card,
kept once, with who recorded it (issue 21 item 1; DCC 000:60)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from dialogs.messages import AskForm, Card, Say, Tone
from storage.db import session_factory
from storage.models import AuditEvent, InformalSupervision
from tests.dialogs.conftest import staff_id

NOTE = {"when": "20/11/2026 14:00", "discussed": "A visit that went badly", "decided": ""}


async def notes(database: AsyncEngine) -> list[InformalSupervision]:
    async with session_factory(database)() as session:
        query = select(InformalSupervision).order_by(col(InformalSupervision.id))
        return list((await session.exec(query)).all())


def errors(form: AskForm) -> dict[str, str]:
    return {f.name: f.error for f in form.fields if f.error}


@pytest.mark.parametrize(
    ("who", "with_whom"),
    [
        ("Sam Taylor", "Tom Evans"),  # a peer in the same team
        ("Sam Taylor", "Grace Lee"),  # a worker in another team
        ("Priya Shah", "Grace Lee"),  # a team manager and another team's worker
        ("Priya Shah", "Daniel Hughes"),  # another team's manager
    ],
)
async def test_only_a_supervisor_and_their_supervisee(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
    who: str,
    with_whom: str,
) -> None:
    before = len(await notes(database))
    chat = await chat_as(who)
    await chat.command("informal", with_whom)
    await chat.submit(**NOTE)
    form = chat.form()
    assert errors(form) == {
        "person": "You can record informal supervision with people you supervise or with your "
        f"own line manager; {with_whom} is neither."
    }
    assert {f.name: f.value for f in form.fields}["discussed"] == NOTE["discussed"]  # kept
    assert len(await notes(database)) == before


async def test_a_worker_records_it_with_their_manager_after_checking_the_card(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    before = len(await notes(database))
    sam = await chat_as("Sam Taylor")
    await sam.command("informal", "Priya Shah")
    [card] = await sam.submit(**NOTE)
    assert isinstance(card, Card)
    facts = {f.label: f.value for f in card.facts}
    assert (facts["Supervisor"], facts["Supervisee"], facts["Recorded by"]) == (
        "Priya Shah",
        "Sam Taylor",
        "Sam Taylor",
    )
    assert len(await notes(database)) == before  # nothing saved before the confirmation

    done, _undo = await sam.choose("confirm")  # and an Undo button (issue 22)
    assert isinstance(done, Say)
    assert done.tone is Tone.SUCCESS
    saved = (await notes(database))[-1]
    sam_id = await staff_id(database, "Sam Taylor")
    priya_id = await staff_id(database, "Priya Shah")
    assert (saved.supervisor_id, saved.supervisee_id) == (priya_id, sam_id)
    async with session_factory(database)() as session:
        written = (
            await session.exec(
                select(AuditEvent).where(
                    AuditEvent.subject_type == "informal_supervision",
                    AuditEvent.subject_id == str(saved.id),
                )
            )
        ).one()
    assert written.actor_id == sam_id  # who recorded it
    assert written.detail == {"supervisor_id": priya_id, "supervisee_id": sam_id}


async def test_the_same_note_is_kept_once(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    before = len(await notes(database))
    priya = await chat_as("Priya Shah")
    await priya.command("informal", "Sam Taylor")
    await priya.submit(**NOTE)
    await priya.choose("confirm")
    for _ in range(3):  # entered again, each time in a fresh conversation
        await priya.command("informal", "Sam Taylor")
        await priya.submit(**NOTE)
        assert errors(priya.form()) == {
            "when": "Informal supervision with Sam Taylor on Fri 20 Nov 2026, 14:00 is already "
            "on file. Change the time if this was another conversation, or type cancel."
        }
    assert len(await notes(database)) == before + 1
    await priya.submit(when="20/11/2026 16:00")  # another conversation that day
    await priya.choose("confirm")
    assert len(await notes(database)) == before + 2


async def test_change_on_the_card_reopens_the_form_as_filled(chat_as) -> None:  # type: ignore[no-untyped-def]
    priya = await chat_as("Priya Shah")
    await priya.command("informal", "Sam Taylor")
    await priya.submit(**NOTE)
    await priya.choose("edit")
    assert {f.name: f.value for f in priya.form().fields}["discussed"] == NOTE["discussed"]
