"""Transcript: "what's due" shows the next supervision, what is overdue and what to sign."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from dialogs.messages import Card
from storage.db import session_factory
from storage.models import SessionAttendee, Staff, SupervisionRecord, SupervisionSession


async def test_worker_sees_next_supervision_and_sections(chat_as) -> None:  # type: ignore[no-untyped-def]
    worker = await chat_as("Sam Taylor")
    replies = await worker.send("what's due")
    card = replies[0]
    assert isinstance(card, Card)
    assert card.title == "What's due"
    facts = {f.label: f.value for f in card.facts}
    assert facts["Next supervision"].endswith("with Priya Shah") or facts[
        "Next supervision"
    ].startswith("none booked")
    booked = facts["Next supervision"].endswith("with Priya Shah")
    assert ("start:book" in {o.value for o in card.actions}) is not booked


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
    assert {f.label: f.value for f in card.facts}["Next supervision"].startswith(
        "none booked; due by "
    )


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


async def _cancel_future_sessions(database: AsyncEngine, name: str, after) -> None:  # type: ignore[no-untyped-def]
    async with session_factory(database)() as session:
        person = (await session.exec(select(Staff).where(Staff.name == name))).one()
        future = (
            await session.exec(
                select(SupervisionSession)
                .join(SessionAttendee, col(SessionAttendee.session_id) == SupervisionSession.id)
                .where(
                    SessionAttendee.staff_id == person.id,
                    col(SupervisionSession.planned_start) > after,
                )
            )
        ).all()
        for row in future:
            row.status = "cancelled"
            row.cancel_reason = "urgent_work"
            session.add(row)
        await session.commit()


async def _book_for_sam(database: AsyncEngine, start: datetime) -> None:
    async with session_factory(database)() as session:
        sam = (await session.exec(select(Staff).where(Staff.name == "Sam Taylor"))).one()
        assert sam.id is not None
        assert sam.line_manager_id is not None
        booked = SupervisionSession(
            organisation_id=sam.organisation_id,
            type="one_to_one",
            supervisor_id=sam.line_manager_id,
            planned_start=start,
            planned_end=start + timedelta(hours=1),
            ical_uid="issue21-item7@test",
        )
        session.add(booked)
        await session.flush()
        assert booked.id is not None
        session.add(SessionAttendee(session_id=booked.id, staff_id=sam.id))
        await session.commit()


async def _agree_next_meeting(database: AsyncEngine, at: datetime) -> None:
    """Sam's last record, signed by both, agrees the next meeting at `at`."""
    async with session_factory(database)() as session:
        sam = (await session.exec(select(Staff).where(Staff.name == "Sam Taylor"))).one()
        record = (
            await session.exec(
                select(SupervisionRecord)
                .join(
                    SessionAttendee, col(SessionAttendee.session_id) == SupervisionRecord.session_id
                )
                .join(
                    SupervisionSession, col(SupervisionSession.id) == SupervisionRecord.session_id
                )
                .where(SessionAttendee.staff_id == sam.id)
                .order_by(col(SupervisionSession.planned_start).desc())
            )
        ).first()
        assert record is not None
        record.next_meeting_at = at
        record.supervisor_signed_at = record.supervisor_signed_at or record.written_at
        record.supervisee_signed_at = record.supervisee_signed_at or record.written_at
        session.add(record)
        await session.commit()


async def test_booked_supervision_is_shown_and_book_is_not_offered(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
    clock,  # type: ignore[no-untyped-def]
) -> None:
    """Issue 21 item 7: a worker whose next supervision is in the diary is not offered Book."""
    await _book_for_sam(database, clock.now + timedelta(days=20))
    worker = await chat_as("Sam Taylor")
    card = (await worker.send("when is my next supervision?"))[0]
    assert isinstance(card, Card)
    facts = {f.label: f.value for f in card.facts}
    assert facts["Next supervision"].endswith("with Priya Shah")
    assert "start:book" not in {o.value for o in card.actions}


async def test_none_booked_says_when_it_is_due_and_what_was_agreed(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
    clock,  # type: ignore[no-untyped-def]
) -> None:
    """Issue 21 item 7: "none booked" alone ignored a due date more than two weeks away and the
    next meeting agreed in the last signed record."""
    await _cancel_future_sessions(database, "Sam Taylor", clock.now)
    await _agree_next_meeting(database, clock.now + timedelta(days=30))
    worker = await chat_as("Sam Taylor")
    card = (await worker.send("when is my next supervision?"))[0]
    assert isinstance(card, Card)
    shown = {f.label: f.value for f in card.facts}["Next supervision"]
    assert shown.startswith("none booked; due by ")
    assert "; agreed at your last supervision: " in shown
    assert "start:book" in {o.value for o in card.actions}


async def test_a_manager_is_told_whose_records_to_review_this_month(chat_as) -> None:  # type: ignore[no-untyped-def]
    # Issue 25 item 5, DCC 000:321-327: the manager selects service user records for review in
    # supervision, rotating through the whole workload; Derbyshire's pack: two a supervisee.
    reply = (await (await chat_as("Priya Shah")).send("what's due"))[0]
    assert isinstance(reply, Card)
    section = next(s for s in reply.sections if s.heading.startswith("Service user records"))
    people = [line.split(":")[0] for line in section.lines if line.startswith(("Sam", "Tom"))]
    assert people == ["Sam Taylor", "Tom Evans"]
    sam = next(line for line in section.lines if line.startswith("Sam Taylor:"))
    assert sam.count("C-") == 2  # references only, two of them
    assert "Derbyshire" in section.lines[-1]  # the clause, as people can look it up
    worker = (await (await chat_as("Sam Taylor")).send("what's due"))[0]
    assert isinstance(worker, Card)
    assert not any(s.heading.startswith("Service user records") for s in worker.sections)
