"""Every role against every kind of data, through the conversations: no leaks (DCC 000:147)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from dialogs.messages import AskForm, Card, Say
from storage.db import session_factory
from storage.models import (
    AuditEvent,
    Organisation,
    SessionAttendee,
    Staff,
    SupervisionRecord,
    SupervisionSession,
)

SECRET_SECTION = "Review plan of action from previous meeting"


async def add_people(database: AsyncEngine) -> None:
    async with session_factory(database)() as session:
        demo = (await session.exec(select(Organisation))).one()
        other = Organisation(slug="elsewhere", name="Elsewhere Council", pack_id="lambeth")
        session.add(other)
        await session.flush()
        assert other.id is not None
        assert demo.id is not None
        session.add(
            Staff(
                organisation_id=other.id,
                external_ref="X1",
                name="Olly Other",
                email="olly@elsewhere.example",
                role="service_manager",
            )
        )
        session.add(
            Staff(
                organisation_id=demo.id,
                external_ref="A1",
                name="Aisha Auditor",
                email="aisha@demoshire.example",
                role="auditor",
                start_date=date(2020, 1, 1),
            )
        )
        await session.commit()


async def sams_signed_record(database: AsyncEngine) -> int:
    async with session_factory(database)() as session:
        sam = (await session.exec(select(Staff).where(Staff.name == "Sam Taylor"))).one()
        record_id = (
            await session.exec(
                select(SupervisionRecord.id)
                .join(
                    SessionAttendee, col(SessionAttendee.session_id) == SupervisionRecord.session_id
                )
                .join(
                    SupervisionSession, col(SupervisionSession.id) == SupervisionRecord.session_id
                )
                .where(SessionAttendee.staff_id == sam.id)
                .order_by(col(SupervisionRecord.id))
            )
        ).first()
    assert record_id is not None
    return record_id


def shows_record(replies: list) -> bool:  # type: ignore[type-arg]
    return any(
        isinstance(r, Card) and any(s.heading == SECRET_SECTION for s in r.sections)
        for r in replies
    )


def shows_score(replies: list) -> bool:  # type: ignore[type-arg]
    return any(
        isinstance(r, Card) and r.title.startswith(("Caseload: Sam", "Your caseload"))
        for r in replies
    )


# actor -> (may see Sam's score, may read Sam's record, needs a reason for the record)
MATRIX = {
    "Sam Taylor": (True, True, False),  # own data
    "Priya Shah": (True, True, False),  # supervisor and team manager
    "Tom Evans": (False, False, False),  # same team, a colleague
    "Daniel Hughes": (False, False, False),  # another team's manager
    "Morgan Price": (True, True, True),  # service manager: figures; records with a reason
    "Lucy Patel": (False, False, False),  # admin support: never record content
    "Aisha Auditor": (False, True, True),  # auditor: records with a reason, no scores
    "Olly Other": (False, False, False),  # another organisation
}


@pytest.mark.parametrize(("actor", "expected"), MATRIX.items())
async def test_matrix(
    database: AsyncEngine, chat_as, actor: str, expected: tuple[bool, bool, bool]
) -> None:  # type: ignore[no-untyped-def]
    await add_people(database)
    record_id = await sams_signed_record(database)
    may_score, may_read, needs_reason = expected
    chat = await chat_as(actor)
    score = await chat.command("caseload", "Sam Taylor" if actor != "Sam Taylor" else "")
    assert shows_score(score) is may_score, (actor, score)
    replies = await chat.command("view", str(record_id))
    if needs_reason:
        assert isinstance(replies[0], AskForm)
        assert not shows_record(replies)
        refused = await chat.submit(reason="")
        assert "Reason is required." in str(refused[0])
        replies = await chat.submit(reason="Quarterly supervision file audit")
        assert [n.staff_id for n in chat.last.notifications], "Sam is told who read it"
    assert shows_record(replies) is may_read, (actor, replies)
    if not may_read:
        assert isinstance(replies[0], Say)
        assert replies[0].text == f"There is no record {record_id} that you can see."
    team = await chat.send("caseload team")
    team_cards = [r for r in team if isinstance(r, Card) and r.title.startswith("Caseloads:")]
    sams_team = [c for c in team_cards if c.title == "Caseloads: Safeguarding North"]
    assert bool(sams_team) is (actor == "Priya Shah"), (actor, team)  # only Sam's own manager
    managers = {"Priya Shah", "Daniel Hughes"}
    assert bool(team_cards) is (actor in managers)  # each manager sees their own team only
    async with session_factory(database)() as session:
        events = (
            await session.exec(
                select(AuditEvent).where(AuditEvent.subject_type == "supervision_record")
            )
        ).all()
    if needs_reason:
        assert any(
            e.action == "read" and e.reason == "Quarterly supervision file audit" for e in events
        )
    elif not may_read:
        assert any(e.action == "refused" for e in events) or actor == "Olly Other"
