"""Transcript: "undo" just after saving a manager decision or an informal supervision note
withdraws it, kept on file and audited; once only, by its author, within the window, and not once
it has gone to the child's record (issue 22 item 1)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from test_dialogs_decision import a_case_of, decisions

from dialogs.messages import AskChoice, Say, Tone
from dialogs.undo import UNDO_WINDOW
from storage.db import session_factory
from storage.exports import mark_exported, pending_case_notes
from storage.models import AuditEvent, InformalSupervision, ManagerDecision
from storage.repositories.people import SqlCases
from tests.dialogs.conftest import FakeClock, staff_id

NOTE = {"when": "20/11/2026 14:00", "discussed": "A visit that went badly", "decided": ""}


async def decide(chat, reference: str) -> list:  # type: ignore[no-untyped-def,type-arg]
    await chat.send(f"decision {reference} step down to CIN because risks reduced")
    return await chat.choose("confirm")


async def counted(database: AsyncEngine, decision: ManagerDecision) -> tuple[bool, bool]:
    """Whether the decision is in the next export and is its case's last decision."""
    async with session_factory(database)() as session:
        pending, _ = await pending_case_notes(session, decision.organisation_id)
        last = await SqlCases(session).last_decisions([decision.case_id])
    exported = decision.id in {d.id for d in pending}
    return exported, last.get(decision.case_id) == decision.decided_on


async def withdrawals(database: AsyncEngine) -> list[AuditEvent]:
    async with session_factory(database)() as session:
        query = select(AuditEvent).where(AuditEvent.action == "withdraw")
        return list((await session.exec(query.order_by(col(AuditEvent.id)))).all())


async def test_undo_withdraws_the_decision_just_saved_once(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
    clock: FakeClock,
) -> None:
    reference = await a_case_of(database, "Sam Taylor")
    priya = await chat_as("Priya Shah")
    done, offer = await decide(priya, reference)
    assert isinstance(done, Say)
    assert isinstance(offer, AskChoice)  # an Undo button under what was saved
    (button,) = offer.options
    assert button.label == "Undo"
    saved = (await decisions(database))[-1]
    assert await counted(database, saved) == (True, True)

    clock.advance(minutes=4)
    (said,) = await priya.send("undo")
    assert isinstance(said, Say)
    assert said.tone is Tone.SUCCESS
    assert said.text.startswith(
        f"Withdrawn: the Managers Decision on {reference} dated Mon 23 Nov 2026 (saved at 10:00)."
    )
    assert "step down" not in said.text
    assert "risks" not in said.text
    sam = await staff_id(database, "Sam Taylor")
    (notice,) = priya.last.notifications  # the worker told of it is told it is withdrawn
    assert notice.staff_id == sam
    assert notice.messages[0].text == (  # type: ignore[union-attr]
        f"Priya Shah withdrew the Managers Decision on {reference} dated Mon 23 Nov 2026, "
        "saved at 10:00."
    )
    row = next(d for d in await decisions(database) if d.id == saved.id)
    assert row.withdrawn_by_id == await staff_id(database, "Priya Shah")
    assert row.withdrawn_at == datetime(2026, 11, 23, 10, 4, tzinfo=UTC)
    assert row.decision == "step down to CIN"  # kept, not deleted
    assert await counted(database, row) == (False, False)  # no longer counts
    (audited,) = await withdrawals(database)
    assert (audited.subject_type, audited.subject_id) == ("manager_decision", str(saved.id))
    assert audited.target_staff_id == sam

    # A second "undo", and a double click on the button: nothing more is withdrawn.
    (again,) = await priya.send("undo")
    assert isinstance(again, Say)
    assert again.text.startswith("Nothing more to undo:")
    await priya.choose(button.value)
    assert priya.text().startswith("Nothing more to undo:")
    assert len(await withdrawals(database)) == 1
    assert not priya.last.notifications


async def test_undo_is_refused_after_the_window_and_once_exported(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
    clock: FakeClock,
) -> None:
    reference = await a_case_of(database, "Sam Taylor")
    priya = await chat_as("Priya Shah")
    await decide(priya, reference)
    clock.advance(seconds=UNDO_WINDOW.total_seconds() + 60)
    (late,) = await priya.send("undo")
    assert isinstance(late, Say)
    assert late.text == (
        f"The Managers Decision on {reference} dated Mon 23 Nov 2026 was saved at 10:00, more "
        "than 10 minutes ago, so it can't be undone. To change it, record a new Managers "
        f"Decision on {reference} that corrects it."
    )
    await decide(priya, reference)  # another, exported at once to the child's record
    saved = (await decisions(database))[-1]
    async with session_factory(database)() as session:
        await mark_exported(session, [saved.id or 0], [], datetime.now(UTC))
        await session.commit()
    (sent,) = await priya.send("undo")
    assert "already been sent to the child's record" in sent.text  # type: ignore[union-attr]
    assert await withdrawals(database) == []
    assert all(d.withdrawn_at is None for d in await decisions(database))


async def test_only_the_author_undoes_and_only_their_last(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    """Sam records informal supervision with Priya; Priya's "undo" is not Sam's, and a click on
    the Undo under an older note withdraws nothing."""
    sam = await chat_as("Sam Taylor")
    priya = await chat_as("Priya Shah")
    await sam.command("informal", "Priya Shah")
    await sam.submit(**NOTE)
    _, offer = await sam.choose("confirm")
    assert isinstance(offer, AskChoice)
    (said,) = await priya.send("undo")
    assert said.text.startswith("Nothing to undo")  # type: ignore[union-attr]
    await sam.command("informal", "Priya Shah")
    await sam.submit(**{**NOTE, "when": "20/11/2026 16:00"})
    await sam.choose("confirm")
    (older,) = await sam.choose(offer.options[0].value)
    assert older.text.startswith("Nothing was withdrawn: that Undo is for something")  # type: ignore[union-attr]
    (done,) = await sam.send("undo that")
    assert done.text.startswith(  # type: ignore[union-attr]
        "Withdrawn: the informal supervision with Priya Shah on Fri 20 Nov 2026, 16:00"
    )
    async with session_factory(database)() as session:
        rows = (
            await session.exec(select(InformalSupervision).order_by(col(InformalSupervision.id)))
        ).all()
    assert [r.withdrawn_at is not None for r in rows[-2:]] == [False, True]
    assert rows[-1].recorded_by_id == await staff_id(database, "Sam Taylor")
    # Withdrawn: the same conversation can be recorded again.
    await sam.command("informal", "Priya Shah")
    [card] = await sam.submit(**{**NOTE, "when": "20/11/2026 16:00"})
    assert card.title == "Informal supervision"  # type: ignore[union-attr]


async def test_undo_in_a_form_still_steps_back_and_withdraws_nothing(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    reference = await a_case_of(database, "Sam Taylor")
    priya = await chat_as("Priya Shah")
    await decide(priya, reference)
    await priya.command("informal", "Sam Taylor")
    await priya.submit(**NOTE)  # at the card to confirm
    await priya.send("undo")
    assert "Back a step in Record informal supervision" in priya.text()
    assert await withdrawals(database) == []
