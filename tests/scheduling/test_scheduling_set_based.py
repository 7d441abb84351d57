"""The day's first tick read set-based (issue 18, fifth session).

The day-before agendas: the scheduler reads what every agenda of a council needs in a few
statements, then draws the cards with the chat's own functions. The messages must be the very ones
the chat's ports give one person at a time, byte for byte, in two councils at once (Lambeth:
children due case supervision, caps a share of the team's caseload; Derbyshire: cases to review,
a weighting scheme with personal elements and key dates), on every day of three weeks.

The reminders: everyone due a reminder in a council is read together, not twenty at a time; the
messages queued and the obligations moved on are the same as when each person is read alone.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from demo_data import copy_of
from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from testing_keys import TEST_RECORD_KEY

import scheduling.reminders
from bot.commands.demo import demo_template, review_templates
from dialogs.agenda import agenda_card, agenda_key, for_supervisor, reflect_key, reflection_card
from dialogs.flow import Turn
from dialogs.ports import PolicyInputs
from dialogs.serialise import to_dict
from policy.packs import Pack, builtin_pack, builtin_pack_ids
from policy.vocabulary import SessionStatus
from scheduling.actions import send_at
from scheduling.agenda import send_agendas
from scheduling.obligations import Stats, refresh
from scheduling.reminders import plan_reminders
from storage import crypto
from storage.db import create_engine, session_factory
from storage.demo import seed_demo
from storage.migrate import upgrade
from storage.models import (
    Case,
    CaseAllocation,
    Obligation,
    Organisation,
    OutboxMessage,
    PersonalElement,
    RecordAction,
    SessionAttendee,
    SessionReflection,
    Staff,
    SupervisionRecord,
    SupervisionSession,
)
from storage.outbox import destinations_of
from storage.repositories.facts import SqlFacts
from storage.unit_of_work import unit_of_work_factory

TODAY = date(2026, 11, 23)  # a Monday
PACKS = {pack_id: builtin_pack(pack_id) for pack_id in builtin_pack_ids()}
COUNCILS = ("lambeth", "derbyshire")
Row = tuple[str, str, str, str, str, Any]


def _two_councils(path: Path) -> Path:
    """Lambeth's and Derbyshire's demo councils in one SQLite file (seed_two_councils)."""
    url = f"sqlite+aiosqlite:///{path}"
    crypto.configure(TEST_RECORD_KEY)

    async def build() -> None:
        await upgrade(url)
        engine = create_engine(url)
        await seed_two_councils(engine)
        await engine.dispose()

    asyncio.run(build())
    return path


async def seed_two_councils(engine: AsyncEngine) -> None:
    """Lambeth's and Derbyshire's demo councils in one database, with what the demo lacks: an
    answered reflection, personal elements (one ended, one to come), a case's key dates and an
    overdue action."""
    for pack_id in COUNCILS:
        pack = builtin_pack(pack_id)
        session_type, template = demo_template(pack)
        await seed_demo(
            engine,
            TODAY,
            pack_id=pack_id,
            session_type=session_type,
            template=template,
            reviews=review_templates(pack),
        )
        async with engine.begin() as connection:  # the demo's slug is taken once
            await connection.execute(
                update(Organisation)
                .where(col(Organisation.slug) == "demo")
                .values(slug=f"demo-{pack_id}")
            )
    await _extras(engine)


async def _extras(engine: AsyncEngine) -> None:
    S, A = SupervisionSession, SessionAttendee
    async with session_factory(engine)() as session:
        booked = (
            await session.exec(
                select(S.id, S.organisation_id, S.supervisor_id, A.staff_id)
                .join(A, col(A.session_id) == col(S.id))
                .where(
                    col(S.status) == "booked",
                    col(S.planned_start) >= datetime(2026, 11, 24, tzinfo=UTC),
                )
                .order_by(col(S.planned_start), col(S.id))
            )
        ).all()
        derbyshire = (
            await session.exec(select(Organisation.id).where(Organisation.pack_id == "derbyshire"))
        ).one()
        seen: set[int] = set()
        for session_id, org, supervisor, who in booked:
            if org in seen:
                continue
            seen.add(org)
            session.add(
                SessionReflection(
                    session_id=session_id,
                    staff_id=who,
                    text="Worried about the Holt visit; want to talk about my caseload.",
                    answered_at=datetime(2026, 11, 22, 18, tzinfo=UTC),
                )
            )
            session.add(
                RecordAction(
                    record_id=await _any_record(session),
                    description="Send the chronology to legal",
                    owner_id=who,
                    due_date=TODAY - timedelta(days=3),
                )
            )
            if org == derbyshire:
                for element, start, end in (
                    ("duty_day", TODAY - timedelta(days=60), TODAY - timedelta(days=20)),
                    ("additional_responsibilities", TODAY - timedelta(days=10), None),
                    ("duty_day", TODAY + timedelta(days=5), None),
                ):
                    session.add(
                        PersonalElement(
                            staff_id=who,
                            element=element,
                            quantity=Decimal("2"),
                            points=Decimal("10") if end is None else None,
                            start_date=start,
                            end_date=end,
                            recorded_by_id=supervisor,
                        )
                    )
                case_id = (
                    await session.exec(
                        select(CaseAllocation.case_id).where(CaseAllocation.staff_id == who)
                    )
                ).first()
                if case_id is not None:
                    case = await session.get(Case, case_id)
                    assert case is not None
                    case.facts = {
                        **case.facts,
                        "conference": (TODAY + timedelta(days=9)).isoformat(),
                        "s47_start": (TODAY - timedelta(days=9)).isoformat(),
                    }
                    session.add(case)
        await session.commit()


async def _any_record(session: Any) -> int:
    return int((await session.exec(select(SupervisionRecord.id))).first())


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _two_councils(tmp_path_factory.mktemp("two-councils") / "demo.db")


@pytest.fixture
async def database(seeded: Path, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    _, engine = copy_of(seeded, tmp_path)
    yield engine
    await engine.dispose()


async def _councils(database: AsyncEngine) -> list[tuple[int, Pack]]:
    async with database.connect() as connection:
        rows = (await connection.execute(select(Organisation.id, Organisation.pack_id))).all()
    return [(int(org), PACKS[pack_id]) for org, pack_id in rows]


async def _booked(database: AsyncEngine, org: int, pack: Pack, day: date) -> list[int]:
    s = SupervisionSession
    start = datetime.combine(day, datetime.min.time(), tzinfo=pack.zone)
    async with database.connect() as connection:
        return [
            int(i)
            for i in (
                await connection.execute(
                    select(s.id)
                    .where(
                        col(s.organisation_id) == org,
                        col(s.status) == SessionStatus.BOOKED.value,
                        col(s.planned_start) >= start,
                        col(s.planned_start) < start + timedelta(days=1),
                    )
                    .order_by(col(s.planned_start), col(s.id))
                )
            ).scalars()
        ]


def _json(payload: Any) -> Any:
    return json.loads(json.dumps(payload))


async def one_at_a_time(
    database: AsyncEngine, org: int, pack: Pack, now: datetime, today: date
) -> list[Row]:
    """The day-before agendas as the chat's ports give them, one person at a time (what the
    scheduler queued before it read ahead): the reference the set-based run must equal."""
    tomorrow = today + timedelta(days=1)
    at = send_at(pack, now, today).isoformat()
    rows: list[Row] = []
    async with unit_of_work_factory(database, PACKS)() as unit:
        for session_id in await _booked(database, org, pack, tomorrow):
            booked = await unit.sessions.get(session_id)
            assert booked is not None
            for supervisee_id in booked.supervisee_ids:
                supervisee = await unit.directory.staff(supervisee_id)
                if supervisee is None:
                    continue
                turn = Turn(unit, supervisee, pack, now, "", pack.zone)
                card = await agenda_card(turn, booked, supervisee)
                payloads = {
                    booked.supervisor_id: {"replies": [to_dict(for_supervisor(card, booked))]},
                    supervisee_id: {"replies": [to_dict(card)]},
                }
                readers = sorted({booked.supervisor_id, supervisee_id})
                reach = await destinations_of(unit.session, readers)
                for reader in readers:
                    for platform, target in reach[reader]:
                        key = agenda_key(booked.id, supervisee_id, reader, tomorrow)
                        rows.append(
                            (f"{key}:{platform}", platform, target, "agenda", at, payloads[reader])
                        )
                if pack.reflection is not None:
                    prompt = {"replies": [to_dict(reflection_card(booked, turn))]}
                    for platform, target in reach[supervisee_id]:
                        key = reflect_key(booked.id, supervisee_id, tomorrow)
                        rows.append((f"{key}:{platform}", platform, target, "reflect", at, prompt))
    return sorted((*r[:5], _json(r[5])) for r in rows)


async def _queued(database: AsyncEngine, after: int) -> list[Row]:
    async with session_factory(database)() as session:
        found = (
            await session.exec(select(OutboxMessage).where(col(OutboxMessage.id) > after))
        ).all()
    return sorted(
        (m.idempotency_key, m.platform, m.target, m.kind, m.due_at.isoformat(), _json(m.payload))
        for m in found
    )


async def _last_id(database: AsyncEngine) -> int:
    async with database.connect() as connection:
        rows = (await connection.execute(select(OutboxMessage.id))).scalars().all()
    return max([0, *rows])


async def test_each_agenda_is_the_one_the_chat_draws_in_two_councils_for_three_weeks(
    database: AsyncEngine,
) -> None:
    councils = await _councils(database)
    compared = {"agenda": 0, "reflect": 0}
    lines: set[str] = set()
    for offset in range(21):
        today = TODAY - timedelta(days=1) + timedelta(days=offset)
        for org, pack in councils:
            now = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=7)
            expected = await one_at_a_time(database, org, pack, now, today)
            before = await _last_id(database)
            added = await send_agendas(database, org, pack, PACKS, now, today, Stats())
            got = await _queued(database, before)
            assert got == expected, f"{pack.id} on {today}"
            assert added == len(expected)
            for row in got:
                compared[row[3]] += 1
                for reply in row[5]["replies"]:
                    lines |= {
                        line for s in reply.get("sections", ()) for line in s.get("lines", ())
                    }
                    lines |= {f["value"] for f in reply.get("facts", ())}
    # Enough was compared to mean something: both kinds of message and the agenda's parts.
    assert compared["agenda"] > 40, compared
    assert compared["reflect"] > 10, compared
    text = "\n".join(sorted(lines))
    for shown in (
        "): due ",  # Lambeth: children due case supervision by the session
        "): overdue since ",
        "no manager's decision recorded here",  # Derbyshire: cases to review
        "last manager's decision",
        "next key date: child protection conference date",
        "Worried about the Holt visit",  # the answered reflection
        "Send the chronology to legal: open, due",  # an action still open
        " since ",  # the caseload score against the last recorded supervision's day
    ):
        assert shown in text, shown


async def test_the_agendas_read_ahead_run_on_this_database(engine: AsyncEngine) -> None:
    """The same comparison for a week on the suite's database (PostgreSQL under .ci/run: the
    reads ahead use a window function and grouped aggregates)."""
    await seed_two_councils(engine)
    compared = 0
    for offset in range(7):
        today = TODAY + timedelta(days=offset)
        for org, pack in await _councils(engine):
            now = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=7)
            expected = await one_at_a_time(engine, org, pack, now, today)
            before = await _last_id(engine)
            await send_agendas(engine, org, pack, PACKS, now, today, Stats())
            assert await _queued(engine, before) == expected, f"{pack.id} on {today}"
            compared += len(expected)
    assert compared > 20


async def test_a_councils_agendas_take_a_few_reads_however_many_there_are(
    database: AsyncEngine,
) -> None:
    """Issue 18: the reads of a council's agendas do not grow with its supervisions (they were
    about a dozen statements for each supervisee)."""
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(database.sync_engine, "before_cursor_execute", seen)
    reads: dict[tuple[int, int], int] = {}  # (council, supervisees that day): reads
    for offset in range(14):
        today = TODAY + timedelta(days=offset)
        for org, pack in await _councils(database):
            ids = await _booked(database, org, pack, today + timedelta(days=1))
            async with database.connect() as connection:
                people = len(
                    (
                        await connection.execute(
                            select(SessionAttendee.staff_id).where(
                                col(SessionAttendee.session_id).in_(ids)
                            )
                        )
                    ).all()
                )
            statements.clear()
            now = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=7)
            await send_agendas(database, org, pack, PACKS, now, today, Stats())
            selects = sum(
                1 for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))
            )
            if people:
                reads[(org, people)] = max(reads.get((org, people), 0), selects)
    for org, _ in await _councils(database):
        theirs = {people: n for (o, people), n in reads.items() if o == org}
        assert max(theirs) >= 3, reads  # a day with several supervisees, and one with fewer
        assert len(theirs) > 1, reads
        assert len(set(theirs.values())) == 1, reads  # the same reads, however many
        assert max(theirs.values()) <= 30, reads


async def test_for_each_gives_each_person_what_they_read_alone(database: AsyncEngine) -> None:
    """SqlFacts.for_each (everyone's policy inputs in one read) equals for_staff one person at
    a time: their own sessions, absences, cases and each child's last discussion in those
    sessions (not in a colleague's), approvals, counts and recorded reasons."""
    for org, _pack in await _councils(database):
        async with database.connect() as connection:
            ids = [
                int(i)
                for i in (
                    await connection.execute(select(Staff.id).where(Staff.organisation_id == org))
                ).scalars()
            ]
        async with session_factory(database)() as session:
            facts = SqlFacts(session)
            together = await facts.for_each([*ids, 999_999], TODAY)
            for staff_id in [*ids, 999_999]:
                alone = await facts.for_staff([staff_id], TODAY)
                # Neither read orders the sessions (the policy indexes them by day).
                assert _by_id(together[staff_id]) == _by_id(alone), staff_id


def _by_id(inputs: PolicyInputs) -> PolicyInputs:
    return replace(inputs, sessions=tuple(sorted(inputs.sessions, key=lambda s: s.id)))


async def _primed(seeded: Path, folder: Path) -> AsyncEngine:
    """A copy of the two councils with everyone's obligations computed (as the tick before),
    each to be looked at today (most of the demo's people, rather than the 17 due a reminder)."""
    _, engine = copy_of(seeded, folder)
    for org, pack in await _councils(engine):
        await refresh(engine, org, pack, TODAY, Stats())
    async with engine.begin() as connection:
        await connection.execute(update(Obligation).values(next_plan=TODAY))
    return engine


async def _planned(database: AsyncEngine) -> list[tuple[int, str]]:
    async with database.connect() as connection:
        rows = (await connection.execute(select(Obligation.id, Obligation.next_plan))).all()
    return sorted((int(i), str(day)) for i, day in rows)


async def test_reminders_read_together_are_the_ones_read_one_person_at_a_time(
    seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "alone").mkdir()
    (tmp_path / "together").mkdir()
    alone = await _primed(seeded, tmp_path / "alone")
    together = await _primed(seeded, tmp_path / "together")
    statements: list[str] = []
    event.listen(
        together.sync_engine, "before_cursor_execute", lambda *a: statements.append(str(a[2]))
    )
    try:
        now = datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC) + timedelta(hours=8)
        for org, pack in await _councils(together):
            monkeypatch.setattr(scheduling.reminders, "PEOPLE_PER_READ", 1)
            one = await plan_reminders(alone, org, pack, now, TODAY, Stats())
            monkeypatch.undo()
            statements.clear()
            stats = Stats()
            added = await plan_reminders(together, org, pack, now, TODAY, stats)
            assert added, "the demo has reminders due on its Monday"
            assert added == one
            reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
            # Issue 18: the due obligations, then the people's staff rows, absences, snoozes
            # and chats: one statement each for the council, not four for every twenty people.
            assert stats.planned > 20, stats.planned
            assert len(reads) <= 5, reads
        assert await _queued(together, 0) == await _queued(alone, 0)
        assert await _planned(together) == await _planned(alone)
    finally:
        await alone.dispose()
        await together.dispose()


async def test_reminder_writes_stay_small_however_many_are_read_together(
    database: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 18 (no write over 50 ms): reading everyone together does not make the writes
    bigger: at most ROWS_PER_WRITE outbox rows and IDS_PER_UPDATE obligations to a transaction."""
    monkeypatch.setattr(scheduling.reminders, "ROWS_PER_WRITE", 2)
    monkeypatch.setattr(scheduling.reminders, "IDS_PER_UPDATE", 3)
    updates: list[int] = []

    def seen(_c: Any, _k: Any, text: str, parameters: Any, *_: Any) -> None:
        if text.lstrip().upper().startswith("UPDATE OBLIGATION"):
            updates.append(len(parameters) - 1)  # the ids, and the new day

    event.listen(database.sync_engine, "before_cursor_execute", seen)
    now = datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC) + timedelta(hours=8)
    for org, pack in await _councils(database):
        await refresh(database, org, pack, TODAY, Stats())
        before = len(await _queued(database, 0))
        updates.clear()
        stats = Stats()
        added = await plan_reminders(database, org, pack, now, TODAY, stats)
        assert added == len(await _queued(database, 0)) - before
        assert added > 4
        moved = sum(updates)
        assert stats.writes == -(-added // 2) + len(updates), (stats.writes, added, updates)
        assert max(updates) <= 3
        assert moved > 3
