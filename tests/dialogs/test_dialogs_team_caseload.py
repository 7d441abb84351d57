"""`caseload team` (issue 24): the team's caseloads from a few reads for the whole team, not
three per member, and one audit event for the request listing whom it showed, which a subject
access request finds for each of them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from dialogs.messages import Card
from storage.db import session_factory
from storage.models import AuditCovered, AuditEvent, Staff, Team
from storage.subject_access import person_export
from tests.dialogs.conftest import staff_id


class Statements:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.seen.append(" ".join(statement.split()))

    def reading(self, table: str) -> list[str]:
        names = (f"FROM {table} ", f'FROM "{table}" ')
        return [s for s in self.seen if s.startswith("SELECT") and any(n in f"{s} " for n in names)]


async def _members(database: AsyncEngine, manager: str) -> list[int]:
    manager_id = await staff_id(database, manager)
    async with session_factory(database)() as session:
        team = (await session.exec(select(Team).where(Team.manager_id == manager_id))).one()
        rows = await session.exec(select(Staff.id).where(Staff.team_id == team.id))
        return [i for i in rows.all() if i is not None and i != manager_id]


async def _events(database: AsyncEngine) -> list[AuditEvent]:
    async with session_factory(database)() as session:
        return list((await session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))).all())


async def test_team_view_reads_the_team_once_and_writes_one_event_listing_whom_it_showed(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    members = await _members(database, "Priya Shah")
    assert len(members) >= 3
    manager = await chat_as("Priya Shah")
    before = len(await _events(database))
    statements = Statements()
    event.listen(database.sync_engine, "before_cursor_execute", statements)
    try:
        replies = await manager.send("caseload team")
    finally:
        event.remove(database.sync_engine, "before_cursor_execute", statements)
    card = next(r for r in replies if isinstance(r, Card))
    assert card.title == "Caseloads: Safeguarding North"
    assert len(card.sections[0].lines) == len(members)

    # One read of the team's cases, one of its approvals, one of its personal elements: the
    # same for a team of three as of thirty.
    assert len(statements.reading("case")) == 1, statements.reading("case")
    assert len(statements.reading("overcapapproval")) == 1, statements.seen
    assert len(statements.reading("personalelement")) <= 1, statements.seen
    # In all: the turn's own reads (organisations, the manager, their conversation), the
    # manager's teams and their members, those three, and the audit chain's tail.
    selects = [s[:90] for s in statements.seen if s.startswith("SELECT")]
    assert len(selects) <= 9, "\n".join(selects)

    events = (await _events(database))[before:]
    assert len(events) == 1, events
    (seen,) = events
    assert (seen.action, seen.subject_type, seen.target_staff_id) == ("read", "team_caseload", None)
    assert sorted(seen.detail["covered"]) == sorted(members)  # in the hashed detail too
    async with session_factory(database)() as session:
        rows = (
            await session.exec(
                select(AuditCovered.staff_id).where(AuditCovered.event_id == seen.id)
            )
        ).all()
    assert sorted(rows) == sorted(members)


async def test_subject_access_finds_each_team_view_that_showed_the_person(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    sam = await staff_id(database, "Sam Taylor")
    priya = await staff_id(database, "Priya Shah")
    manager = await chat_as("Priya Shah")
    await manager.send("caseload team")
    await manager.send("caseload team")
    await manager.command("caseload", "Sam Taylor")  # a single look: the event names Sam
    async with session_factory(database)() as session:
        export = await person_export(session, sam)
        other = await person_export(session, await staff_id(database, "Daniel Hughes"))
    views = [
        e
        for e in export["access_log"]
        if e["actor_id"] == priya and e["subject_type"] in {"team_caseload", "caseload_score"}
    ]
    assert [e["subject_type"] for e in views[-3:]] == [
        "team_caseload",
        "team_caseload",
        "caseload_score",
    ]
    # Someone in another team is not in Priya's team views.
    assert not [e for e in other["access_log"] if e["subject_type"] == "team_caseload"]
