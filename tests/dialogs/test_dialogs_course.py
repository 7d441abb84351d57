"""A manager records that a worker completed the Section 47 course, and "who can take an S47"
follows it (CAP003 003:30: "Before independently undertaking child protection enquiries, social
workers should have completed the 'Good Practice in Undertaking Section 47 Enquiries' course")."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from dialogs.messages import AskForm, Card
from storage.db import session_factory
from storage.models import AuditEvent, CourseCompletion, Organisation, OutboxMessage
from tests.dialogs.conftest import TODAY, staff_id


async def use_pack(database: AsyncEngine, pack_id: str) -> None:
    async with session_factory(database)() as session:
        for org in (await session.exec(select(Organisation))).all():
            org.pack_id = pack_id
            session.add(org)
        await session.commit()


def _card(replies: list[object]) -> Card:
    (card,) = [r for r in replies if isinstance(r, Card)]
    return card


def _lines(card: Card, heading: str) -> tuple[str, ...]:
    return next((s.lines for s in card.sections if s.heading.startswith(heading)), ())


async def test_recording_the_course_lets_a_worker_lead_an_s47_alone(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    await use_pack(database, "lambeth")
    manager = await chat_as("Priya Shah")
    card = _card(await manager.send("who can take an S47"))
    stopped = _lines(card, "Cannot take it")
    sam = next(line for line in stopped if line.startswith("Sam Taylor: "))
    assert "Good Practice in Undertaking Section 47 Enquiries" in sam
    assert "Caseload Policy (CAP003)" in sam  # the clause, in the document's own name
    assert all(not line.startswith("Sam Taylor") for line in _lines(card, "Most room"))

    replies = await manager.send("course Sam Taylor")
    form = next(r for r in replies if isinstance(r, AskForm))
    assert "Caseload Policy (CAP003)" in form.intro
    assert {f.name: f.value for f in form.fields}["course"] == "s47_enquiries"
    # A day not yet come is refused on the form, nothing lost.
    future = (TODAY + timedelta(days=3)).strftime("%d/%m/%Y")
    await manager.submit(completed=future)
    assert "today or earlier" in manager.text() or any(
        f.error for f in manager.form().fields if f.name == "completed"
    )
    done_on = (TODAY - timedelta(days=40)).strftime("%d/%m/%Y")
    await manager.submit(completed=done_on)
    assert "Recorded: Sam Taylor completed Good Practice in Undertaking Section 47" in (
        manager.text()
    )

    sam_id = await staff_id(database, "Sam Taylor")
    async with session_factory(database)() as session:
        (done,) = (await session.exec(select(CourseCompletion))).all()
        audits = (
            await session.exec(
                select(AuditEvent).where(AuditEvent.subject_type == "course_completion")
            )
        ).all()
        told = (
            await session.exec(
                select(OutboxMessage).where(col(OutboxMessage.idempotency_key).contains("course:"))
            )
        ).all()
    assert (done.staff_id, done.completed_on) == (sam_id, TODAY - timedelta(days=40))
    assert done.recorded_by_id == await staff_id(database, "Priya Shah")
    assert [a.target_staff_id for a in audits] == [sam_id]
    assert told  # Sam is told what was recorded about them

    card = _card(await manager.send("who can take an S47"))
    assert all(not line.startswith("Sam Taylor") for line in _lines(card, "Cannot take it"))
    assert any("Sam Taylor" in line for line in _lines(card, "Most room"))


async def test_only_the_worker_s_managers_record_it_and_only_where_the_pack_names_a_course(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    # The demo's own pack (Derbyshire) names no course.
    manager = await chat_as("Priya Shah")
    await manager.send("course Sam Taylor")
    assert "names no course" in manager.text()
    await use_pack(database, "lambeth")
    other = await chat_as("Daniel Hughes")  # another team's manager
    await other.send("course Sam Taylor")
    assert "Only Sam's managers can record this." in str(other.form())
    worker = await chat_as("Sam Taylor")
    await worker.send("course")
    assert "Only a worker's managers record courses completed" in worker.text()
