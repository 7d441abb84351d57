"""Transcript: a manager decision in one message, and everything that can go wrong with it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from dialogs.messages import AskForm, Card, Say, Tone
from storage.db import session_factory
from storage.models import AuditEvent, Case, CaseAllocation, ManagerDecision, Staff


async def a_case_of(database: AsyncEngine, worker: str) -> str:
    async with session_factory(database)() as session:
        reference = (
            await session.exec(
                select(Case.reference)
                .join(CaseAllocation, col(CaseAllocation.case_id) == Case.id)
                .join(Staff, col(Staff.id) == CaseAllocation.staff_id)
                .where(Staff.name == worker, col(Case.closed).is_(None))
                .order_by(col(Case.reference))
            )
        ).first()
    assert reference
    return reference


async def decisions(database: AsyncEngine) -> list[ManagerDecision]:
    async with session_factory(database)() as session:
        return list((await session.exec(select(ManagerDecision))).all())


async def test_one_message_then_confirm(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    before = len(await decisions(database))
    reference = await a_case_of(database, "Sam Taylor")
    manager = await chat_as("Priya Shah")
    replies = await manager.send(
        f"decision {reference} step down to CIN plan because risks reduced at review"
    )
    card = replies[0]
    assert isinstance(card, Card)
    assert card.title == f"Managers Decision: {reference}"  # Derbyshire's term (000:184)
    facts = {f.label: f.value for f in card.facts}
    assert facts["Decision"] == "step down to CIN plan"
    assert facts["Rationale"] == "risks reduced at review"
    replies = await manager.choose("confirm")
    assert isinstance(replies[0], Say)
    assert replies[0].tone is Tone.SUCCESS
    saved = await decisions(database)
    assert len(saved) == before + 1
    assert saved[-1].rationale == "risks reduced at review"
    assert saved[-1].note_type == "Managers Decision"
    assert [n.staff_id for n in manager.last.notifications]  # the worker is told
    async with session_factory(database)() as session:
        audit = (await session.exec(select(AuditEvent))).all()
    assert audit[-1].subject_type == "manager_decision"


async def test_missing_rationale_asks_for_it_and_keeps_the_rest(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    reference = await a_case_of(database, "Sam Taylor")
    manager = await chat_as("Priya Shah")
    await manager.send(f"decision {reference} convene strategy discussion")
    form = manager.form()
    values = {f.name: f.value for f in form.fields}
    errors = {f.name: f.error for f in form.fields if f.error}
    assert values["case"] == reference
    assert values["decision"] == "convene strategy discussion"
    assert errors == {"rationale": "Rationale is required."}
    replies = await manager.submit(rationale="   ")
    assert manager.form().fields[2].error == "Rationale is required."
    replies = await manager.submit(rationale="New disclosure at school")
    assert isinstance(replies[0], Card)


async def test_typing_while_the_form_is_open_shows_it_again_as_filled(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    reference = await a_case_of(database, "Sam Taylor")
    manager = await chat_as("Priya Shah")
    await manager.send(f"decision {reference} convene strategy discussion")
    replies = await manager.send("it was agreed at the strategy meeting")
    assert "Fill in the form" in str(replies[0])
    values = {f.name: f.value for f in manager.form().fields}
    assert values["case"] == reference
    assert values["decision"] == "convene strategy discussion"


async def test_unknown_case_future_date_and_huge_text(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    manager = await chat_as("Priya Shah")
    await manager.send("decision C-99999 close the case because needs met")
    form = manager.form()
    case_field = next(f for f in form.fields if f.name == "case")
    assert "There is no case C-99999 here" in case_field.error
    reference = await a_case_of(database, "Sam Taylor")
    await manager.submit(case=reference, decided_on="tomorrow")
    assert "cannot be dated in the future" in next(
        f.error for f in manager.form().fields if f.name == "decided_on"
    )
    huge = "x" * 20_000
    await manager.submit(decided_on="today", rationale=huge)
    rationale = next(f for f in manager.form().fields if f.name == "rationale")
    assert "20,000 characters; the limit is 10,000" in rationale.error
    assert rationale.value == huge  # nothing typed is lost
    assert next(f for f in manager.form().fields if f.name == "case").value == reference


async def test_welsh_emoji_and_markup_are_kept_as_text(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    reference = await a_case_of(database, "Sam Taylor")
    manager = await chat_as("Priya Shah")
    text = "Cynllun gofal wedi'i gytuno ✅ <b>now</b> '; DROP TABLE staff; --"
    await manager.send(f"decision {reference} {text} because ŵ ŷ are fine 🙂")
    await manager.choose("confirm")
    saved = await decisions(database)
    assert saved[-1].decision == text
    assert saved[-1].rationale == "ŵ ŷ are fine 🙂"


async def test_someone_unconnected_to_the_case_is_refused(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    reference = await a_case_of(database, "Sam Taylor")
    other_team = await chat_as("Grace Lee")
    await other_team.send(f"decision {reference} close because done")
    assert isinstance(other_team.last.replies[0], AskForm)
    error = next(f.error for f in other_team.form().fields if f.name == "case")
    assert error == (
        f"A Managers Decision on {reference} is made and recorded by its worker's managers: "
        "Priya Shah. Ask them to record it."
    )


async def test_the_allocated_worker_is_told_who_can_record_it(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    """Issue 21 item 2: a social worker recorded a Managers Decision on each of 10 cases."""
    before = len(await decisions(database))
    reference = await a_case_of(database, "Sam Taylor")
    sam = await chat_as("Sam Taylor")
    await sam.send(f"decision {reference} step down to CIN because risks reduced")
    form = sam.form()
    assert {f.name: f.error for f in form.fields if f.error} == {
        "case": f"A Managers Decision on {reference} is made and recorded by its worker's "
        "managers: Priya Shah. Ask them to record it."
    }
    assert {f.name: f.value for f in form.fields}["rationale"] == "risks reduced"  # kept
    await sam.send("confirm")
    assert not any(isinstance(r, Card) for r in sam.last.replies)
    assert len(await decisions(database)) == before


async def test_duplicate_delivery_changes_nothing(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    reference = await a_case_of(database, "Sam Taylor")
    manager = await chat_as("Priya Shah")
    await manager.send(f"decision {reference} close because needs met", message_id="slack-1")
    before = len(await decisions(database))
    await manager.send("confirm", message_id="slack-2")
    await manager.send("confirm", message_id="slack-2")
    assert manager.last.duplicate
    assert len(await decisions(database)) == before + 1
