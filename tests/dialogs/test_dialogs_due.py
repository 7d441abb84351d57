"""Transcript: "what's due" shows the next supervision, what is overdue and what to sign."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from dialogs.messages import Card
from storage.db import session_factory
from storage.models import SessionAttendee, Staff, SupervisionSession


async def test_worker_sees_next_supervision_and_sections(chat_as) -> None:  # type: ignore[no-untyped-def]
    worker = await chat_as("Sam Taylor")
    replies = await worker.send("what's due")
    card = replies[0]
    assert isinstance(card, Card)
    assert card.title == "What's due"
    facts = {f.label: f.value for f in card.facts}
    assert (
        facts["Next supervision"].endswith("with Priya Shah")
        or facts["Next supervision"] == "none booked"
    )
    assert {o.value for o in card.actions} >= {"start:book"}


async def test_missed_months_and_what_is_overdue_are_reported(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
    clock,  # type: ignore[no-untyped-def]
) -> None:
    # Remove Tom Evans's recent and future sessions: Derbyshire expects monthly (000:300).
    async with session_factory(database)() as session:
        tom = (await session.exec(select(Staff).where(Staff.name == "Tom Evans"))).one()
        recent = (
            await session.exec(
                select(SupervisionSession)
                .join(SessionAttendee, col(SessionAttendee.session_id) == SupervisionSession.id)
                .where(
                    SessionAttendee.staff_id == tom.id,
                    col(SupervisionSession.planned_start) > clock.now - timedelta(days=75),
                )
            )
        ).all()
        for row in recent:
            row.status = "cancelled"
            row.cancel_reason = "urgent_work"
            session.add(row)
        await session.commit()
    worker = await chat_as("Tom Evans")
    card = (await worker.send("anything overdue?"))[0]
    assert isinstance(card, Card)
    overdue = next(s for s in card.sections if s.heading == "Overdue")
    assert any("days ago" in line for line in overdue.lines)
    # DCC 000:174-176: the calendar months without 1:1 supervision closed, missed; the current
    # month's is due, not overdue (issue 20 item 12).
    missed = next(s for s in card.sections if s.heading == "Months missed")
    assert missed.lines
    assert all("Supervision Policy, Appendix 2" in line for line in missed.lines), missed.lines
    assert not any("calendar month" in line for line in overdue.lines)
    assert {f.label: f.value for f in card.facts}["Next supervision"] == "none booked"


async def test_an_nqsw_holding_cases_is_told_case_management_is_owed(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    # LAM 004:265: NQSWs on the ASYE programme have case management supervision "Minimum of
    # every 4 weeks" whether or not they hold cases; Aled Rhys (45 days into his ASYE) holds
    # cases and has had none in the demo council, so it is owed, with its clause.
    from storage.models import Case, CaseAllocation, Organisation

    async with session_factory(database)() as session:
        aled = (await session.exec(select(Staff).where(Staff.name == "Aled Rhys"))).one()
        organisation = await session.get(Organisation, aled.organisation_id)
        assert organisation is not None
        organisation.pack_id = "lambeth"
        session.add(organisation)
        await session.commit()
        held_cases = (
            await session.exec(
                select(Case)
                .join(CaseAllocation, col(CaseAllocation.case_id) == Case.id)
                .where(CaseAllocation.staff_id == aled.id, col(Case.closed).is_(None))
            )
        ).all()
    assert held_cases, "Aled holds cases in the demo council"
    card = (await (await chat_as("Aled Rhys")).send("what's due"))[0]
    assert isinstance(card, Card)
    lines = [line for section in card.sections for line in section.lines]
    owed = [line for line in lines if line.startswith("Case management supervision (NQSW")]
    assert owed, lines
