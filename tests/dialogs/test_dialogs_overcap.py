"""Transcript: recording an over-cap allocation (policy_rules §10; WSX/LUT 001:85)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

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


async def test_only_a_workers_managers_record_it(chat_as) -> None:  # type: ignore[no-untyped-def]
    colleague = await chat_as("Tom Evans")
    await colleague.command("overcap", "Sam Taylor")
    await colleague.submit(approver="Priya Shah", reason="x", max_end="31/1/2027")
    errors = {f.name: f.error for f in colleague.form().fields if f.error}
    assert errors == {"person": "Only Sam's managers can record this."}
