"""Transcript: recording an over-cap allocation (policy_rules §10; WSX/LUT 001:85)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from dialogs.messages import AskForm, Say, Tone
from storage.db import session_factory
from storage.models import OverCapApproval
from tests.dialogs.conftest import staff_id


async def test_a_manager_records_an_approval_and_the_worker_is_told(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    manager = await chat_as("Priya Shah")
    await manager.command("overcap", "Sam Taylor")
    await manager.submit(approver="Priya Shah", reason="Covering a vacancy", max_end="23/11/2026")
    errors = {f.name: f.error for f in manager.form().fields if f.error}
    assert errors == {"max_end": "The end date must be after the start date."}
    assert manager.form().fields[2].value == "Covering a vacancy"  # kept for the correction

    replies = await manager.submit(max_end="31/1/2027")
    assert replies[0].text.startswith("Recorded: Sam Taylor may hold cases above the cap until")  # type: ignore[union-attr]
    [told] = manager.last.notifications
    assert told.staff_id == await staff_id(database, "Sam Taylor")
    async with session_factory(database)() as session:
        saved = (await session.exec(select(OverCapApproval))).all()
    assert [(a.reason, str(a.max_end_date)) for a in saved][-1] == (
        "Covering a vacancy",
        "2027-01-31",
    )


@pytest.mark.parametrize("flow", ["overcap", "element"])
@pytest.mark.parametrize("argument", ["Sam Taylor", ""])
async def test_someone_who_manages_nobody_is_told_who_does_before_any_form(
    chat_as,  # type: ignore[no-untyped-def]
    flow: str,
    argument: str,
) -> None:
    """Issue 21 item 3: the form was shown to a worker and refused only on save."""
    colleague = await chat_as("Tom Evans")
    replies = await colleague.command(flow, argument)
    assert not any(isinstance(r, AskForm) for r in replies), replies
    [said] = replies
    assert isinstance(said, Say)
    assert said.tone is Tone.WARNING
    what = "over-cap allocations" if flow == "overcap" else "personal elements of a caseload score"
    assert said.text == (
        f"Only a worker's managers record {what}, and nobody here reports to you. Ask Priya Shah."
    )
    assert colleague.last.flow is None  # nothing left open to answer


async def test_a_manager_naming_someone_elses_worker_sees_why_on_the_form(chat_as) -> None:  # type: ignore[no-untyped-def]
    other_manager = await chat_as("Daniel Hughes")
    await other_manager.command("overcap", "Sam Taylor")
    form = other_manager.form()
    assert {f.name: f.error for f in form.fields if f.error} == {
        "person": "Only Sam's managers can record this."
    }
    assert form.intro == "Your policy: agreed by the Operations Manager, with a maximum timescale."
    await other_manager.submit(approver="Daniel Hughes", reason="x", max_end="31/1/2027")
    errors = {f.name: f.error for f in other_manager.form().fields if f.error}
    assert errors == {"person": "Only Sam's managers can record this."}
