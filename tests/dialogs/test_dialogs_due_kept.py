""" "What's due" reads the obligations the scheduler keeps (issue 24 item 1), and only while they
are current: the kept answer equals the recomputation from history over the demo council, and
right after a change (a session held, a record signed, an absence, a pack edit) the kept rows
are refused until the scheduler's next pass, so the answer is recomputed meanwhile."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from dialogs.messages import Card
from policy.obligations import due_items, missed_since, missed_supervision
from policy.packs import Pack, builtin_pack
from scheduling.obligations import Stats, refresh
from storage.db import session_factory
from storage.models import (
    Absence,
    Organisation,
    SessionAttendee,
    Staff,
    SupervisionRecord,
    SupervisionSession,
)
from storage.repositories.facts import SqlFacts
from storage.repositories.obligations import kept_due
from tests.dialogs.conftest import LONDON, TODAY


async def _packs(database: AsyncEngine) -> dict[int, Pack]:
    async with session_factory(database)() as session:
        rows = (await session.exec(select(Organisation))).all()
    return {row.id or 0: builtin_pack(row.pack_id) for row in rows}


async def _scheduler_pass(database: AsyncEngine, packs: dict[int, Pack], on: date) -> None:
    for organisation_id, pack in packs.items():
        stats = Stats()
        await refresh(database, organisation_id, pack, on, stats)
        assert not stats.failures, stats.failures


async def _staff(database: AsyncEngine) -> list[tuple[int, int]]:
    async with session_factory(database)() as session:
        rows = (await session.exec(select(Staff.id, Staff.organisation_id))).all()
    return [(staff_id or 0, organisation_id) for staff_id, organisation_id in rows]


async def _kept(database: AsyncEngine, staff_id: int, pack: Pack, on: date) -> Any:
    async with session_factory(database)() as session:
        return await kept_due(session, staff_id, pack, on)


async def _recomputed(database: AsyncEngine, staff_id: int, pack: Pack, on: date) -> Any:
    """What the chat computed before (and still does when the kept rows are stale)."""
    async with session_factory(database)() as session:
        inputs = await SqlFacts(session).for_staff([staff_id], on)
    (me,) = inputs.staff
    items = due_items(me, pack, inputs.sessions, inputs.absences, inputs.cases, on)
    missed = missed_supervision(
        me, pack, inputs.sessions, inputs.absences, inputs.cases, on, missed_since(on)
    )
    return items, missed


async def _same(database: AsyncEngine, staff_id: int, pack: Pack, on: date) -> None:
    kept = await _kept(database, staff_id, pack, on)
    assert kept is not None, f"staff {staff_id}: kept rows refused after a scheduler pass"
    items, missed = await _recomputed(database, staff_id, pack, on)
    assert list(kept.items) == items, staff_id
    assert [m for m in kept.missed if m.month >= missed_since(on)] == missed, staff_id


async def test_kept_obligations_equal_the_recomputation_for_everyone(database: AsyncEngine) -> None:
    packs = await _packs(database)
    people = await _staff(database)
    # Before the scheduler has been round (a fresh migration): nothing is trusted.
    assert await _kept(database, people[0][0], packs[people[0][1]], TODAY) is None
    await _scheduler_pass(database, packs, TODAY)
    owing = 0
    for staff_id, organisation_id in people:
        await _same(database, staff_id, packs[organisation_id], TODAY)
        owing += bool((await _kept(database, staff_id, packs[organisation_id], TODAY)).items)
    assert owing > len(people) // 2  # the demo's people owe things: the comparison means much
    # Later days within the rows' validity: only the days overdue move, counted when read.
    for staff_id, organisation_id in people[:20]:
        pack = packs[organisation_id]
        for later in (TODAY + timedelta(days=1), TODAY + timedelta(days=6)):
            kept = await _kept(database, staff_id, pack, later)
            if kept is not None:
                await _same(database, staff_id, pack, later)


async def _sam(database: AsyncEngine) -> Staff:
    async with session_factory(database)() as session:
        return (await session.exec(select(Staff).where(Staff.name == "Sam Taylor"))).one()


async def _after_change(database: AsyncEngine, sql: str, **values: Any) -> None:
    """A change as any writer makes it (a chat turn, an import, a hand-run fix)."""
    async with database.begin() as connection:
        await connection.execute(text(sql), values)


async def test_just_held_just_signed_an_absence_are_never_answered_from_stale_rows(
    database: AsyncEngine,
) -> None:
    packs = await _packs(database)
    sam = await _sam(database)
    pack = packs[sam.organisation_id]
    assert sam.id is not None
    await _scheduler_pass(database, packs, TODAY)
    before = await _kept(database, sam.id, pack, TODAY)
    assert before is not None

    kind = pack.supervision.frequencies[0].satisfied_by[0]
    # Just booked: a supervision next week. The kept rows are refused at once (what is owed
    # does not change with a booking, but no rule here says so: the trigger marks it).
    start = datetime(2026, 11, 30, 9, 0, tzinfo=LONDON)
    async with session_factory(database)() as session:
        booked = SupervisionSession(
            organisation_id=sam.organisation_id, type=kind, supervisor_id=sam.line_manager_id,
            planned_start=start, planned_end=start + timedelta(hours=1), ical_uid="kept-test-0",
        )  # fmt: skip
        session.add(booked)
        await session.flush()
        session.add(SessionAttendee(session_id=booked.id, staff_id=sam.id))
        await session.commit()
    assert await _kept(database, sam.id, pack, TODAY) is None
    await _scheduler_pass(database, packs, TODAY)
    await _same(database, sam.id, pack, TODAY)

    # Just held: a supervision this morning, marked held. The kept rows are refused at once.
    start = datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)
    async with session_factory(database)() as session:
        held = SupervisionSession(
            organisation_id=sam.organisation_id, type=kind, supervisor_id=sam.line_manager_id,
            planned_start=start, planned_end=start + timedelta(hours=1), status="held",
            ical_uid="kept-test-1",
        )  # fmt: skip
        session.add(held)
        await session.flush()
        session.add(SessionAttendee(session_id=held.id, staff_id=sam.id))
        await session.commit()
        session_id = held.id
    assert await _kept(database, sam.id, pack, TODAY) is None
    recomputed, _missed = await _recomputed(database, sam.id, pack, TODAY)
    assert recomputed != list(before.items)  # the change mattered: a record to write now
    await _scheduler_pass(database, packs, TODAY)
    await _same(database, sam.id, pack, TODAY)

    # Just signed: the record of it written and signed by both.
    moment = datetime(2026, 11, 23, 11, 0, tzinfo=LONDON)
    async with session_factory(database)() as session:
        session.add(
            SupervisionRecord(
                session_id=session_id, template_id="kept-test", written_at=moment,
                written_by_id=sam.line_manager_id, supervisor_signed_at=moment,
                supervisee_signed_at=moment,
            )
        )  # fmt: skip
        await session.commit()
    assert await _kept(database, sam.id, pack, TODAY) is None
    await _scheduler_pass(database, packs, TODAY)
    await _same(database, sam.id, pack, TODAY)

    # An absence recorded.
    async with session_factory(database)() as session:
        session.add(
            Absence(staff_id=sam.id, kind="sickness", start_date=date(2026, 10, 1),
                    end_date=date(2026, 10, 31))
        )  # fmt: skip
        await session.commit()
    assert await _kept(database, sam.id, pack, TODAY) is None
    await _scheduler_pass(database, packs, TODAY)
    await _same(database, sam.id, pack, TODAY)

    # A hand-run fix straight in SQL: the triggers mark it too.
    await _after_change(
        database,
        "UPDATE supervisionrecord SET supervisee_signed_at = NULL WHERE session_id = :id",
        id=session_id,
    )
    assert await _kept(database, sam.id, pack, TODAY) is None
    await _scheduler_pass(database, packs, TODAY)
    await _same(database, sam.id, pack, TODAY)


async def test_a_pack_edit_or_a_day_past_validity_refuses_the_kept_rows(
    database: AsyncEngine,
) -> None:
    packs = await _packs(database)
    sam = await _sam(database)
    assert sam.id is not None
    pack = packs[sam.organisation_id]
    await _scheduler_pass(database, packs, TODAY)
    assert await _kept(database, sam.id, pack, TODAY) is not None
    # The pack's rules changed (a deployed edit): the rows were computed under the old ones.
    edited = pack.model_copy(
        update={"reminders": pack.reminders.model_copy(update={"days_before_due": (3,)})}
    )
    assert await _kept(database, sam.id, edited, TODAY) is None
    # The day the rows said only the clock would change what is owed: recomputed.
    async with database.connect() as connection:
        until = (
            await connection.execute(
                text("SELECT valid_until FROM obligationstate WHERE staff_id = :id"), {"id": sam.id}
            )
        ).scalar_one()
    until = date.fromisoformat(until) if isinstance(until, str) else until
    assert await _kept(database, sam.id, pack, until - timedelta(days=1)) is not None
    assert await _kept(database, sam.id, pack, until) is None


class Statements:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.seen.append(" ".join(statement.split()))


async def _answer(database: AsyncEngine, chat: Any) -> tuple[Card, list[str]]:
    statements = Statements()
    event.listen(database.sync_engine, "before_cursor_execute", statements)
    try:
        replies = await chat.send("what's due")
    finally:
        event.remove(database.sync_engine, "before_cursor_execute", statements)
    return next(r for r in replies if isinstance(r, Card)), statements.seen


async def _stale_everyone(database: AsyncEngine) -> None:
    async with database.begin() as connection:
        await connection.execute(text("UPDATE obligationstate SET changes = changes + 1"))


async def test_the_kept_answer_is_the_recomputed_answer_in_fewer_statements(
    database: AsyncEngine, chat_as: Any
) -> None:
    packs = await _packs(database)
    await _scheduler_pass(database, packs, TODAY)
    names = ("Sam Taylor", "Priya Shah")
    chats = [await chat_as(name) for name in names]
    for chat in chats:
        await chat.send("what's due")  # warm: the packs and the organisations are read
    kept = [await _answer(database, chat) for chat in chats]
    await _stale_everyone(database)
    recomputed = [await _answer(database, chat) for chat in chats]
    for name, (card, seen), (again, seen_again) in zip(names, kept, recomputed, strict=True):
        assert card == again, name
        assert not [s for s in seen if "FROM supervisionsession" in s and "status IN" in s]
        assert len(seen) < len(seen_again), (name, seen)
    # The turn's own four (organisations, the person, the conversation, the message claim),
    # the kept obligations, the upcoming sessions and the records' dates and actions.
    (_, worker), (_, manager) = kept
    assert len(worker) <= 8, "\n".join(s[:150] for s in worker)
    # A manager's: their supervisees, the records to review in one read, the sessions' people.
    assert len(manager) <= 10, "\n".join(s[:150] for s in manager)
    assert len([s for s in manager if "FROM obligationstate" in s]) == 1


async def test_booked_sessions_read_bare_are_the_upcoming_sessions(database: AsyncEngine) -> None:
    """The card's next supervision from one statement of bare columns (issue 24): the same
    sessions, times and people as the full session views it read before, for everyone."""
    from storage.repositories.sessions import SqlSessions

    moment = datetime(2026, 11, 1, 9, 0, tzinfo=LONDON)  # most of the demo's bookings after it
    compared = 0
    for staff_id, _organisation in await _staff(database):
        async with session_factory(database)() as session:
            sessions = SqlSessions(session)
            full = await sessions.upcoming(staff_id, moment)
            bare = await sessions.booked_after(staff_id, moment)
        assert [(b.start, b.supervisor_id, b.supervisee_ids) for b in bare] == [
            (f.start, f.supervisor_id, f.supervisee_ids) for f in full
        ], staff_id
        compared += len(full)
    assert compared > 10


async def _for_due_before(session: Any, staff_id: int) -> tuple[Any, Any]:
    """What SqlRecords.for_due read before it read both in one statement (its two reads)."""
    from sqlalchemy import and_, or_
    from sqlmodel import col

    R, S = SupervisionRecord, SupervisionSession
    attending = select(SessionAttendee.session_id).where(SessionAttendee.staff_id == staff_id)
    connection = await session.connection()
    to_sign = await connection.execute(
        select(col(R.written_at))
        .join(S, col(S.id) == R.session_id)
        .where(
            or_(
                and_(col(S.supervisor_id) == staff_id, col(R.supervisor_signed_at).is_(None)),
                and_(col(R.session_id).in_(attending), col(R.supervisee_signed_at).is_(None)),
            )
        )
        .order_by(col(R.written_at))
    )
    last = (
        await connection.execute(
            select(col(R.next_meeting_at), col(R.supervisor_signed_at), col(R.supervisee_signed_at))
            .join(S, col(S.id) == R.session_id)
            .where(col(R.session_id).in_(attending))
            .order_by(col(S.planned_start).desc(), col(R.id).desc())
            .limit(1)
        )
    ).first()
    agreed = last[0] if last is not None and last[1] and last[2] else None
    return tuple(row[0] for row in to_sign.all()), agreed


async def test_records_to_sign_and_the_agreed_meeting_in_one_read_are_what_two_gave(
    database: AsyncEngine,
) -> None:
    from storage.repositories.records import SqlRecords

    signing = agreeing = 0
    for staff_id, _organisation in await _staff(database):
        async with session_factory(database)() as session:
            to_sign, agreed = await _for_due_before(session, staff_id)
            now = await SqlRecords(session).for_due(staff_id)
            without = await SqlRecords(session).for_due(staff_id, agreed=False)
        assert (now.to_sign, now.agreed_next) == (to_sign, agreed), staff_id
        assert (without.to_sign, without.agreed_next) == (to_sign, None), staff_id
        signing += len(to_sign)
        agreeing += agreed is not None
    assert signing, "nobody has a record to sign: the comparison means little"
    assert agreeing, "nobody has an agreed next meeting: the comparison means little"


async def test_records_to_review_from_one_read_are_those_the_policys_facts_gave(
    database: AsyncEngine,
) -> None:
    """A manager's records to review (DCC 000:125-135, 000:321-327) from one aggregate of the
    supervisees' open cases, against records_for_review over the facts the card read before
    (the manager's and their supervisees' sessions and cases), for every manager whose pack
    has the rule."""
    from policy.history import SessionIndex
    from policy.record_review import pick_for_review, records_for_review
    from storage.repositories.obligations import last_reviewed

    packs = await _packs(database)
    async with session_factory(database)() as session:
        staff = (await session.exec(select(Staff))).all()
    compared = 0
    for manager in staff:
        pack = packs[manager.organisation_id]
        rule = pack.supervision.record_review
        team = [s.id or 0 for s in staff if s.line_manager_id == manager.id]
        if rule is None or not team or manager.id is None:
            continue
        async with session_factory(database)() as session:
            inputs = await SqlFacts(session).for_staff([manager.id, *team], TODAY)
            found = await last_reviewed(session, team, [manager.id, *team], pack, TODAY)
        history = SessionIndex(inputs.sessions, pack.zone)
        for worker in team:
            before = records_for_review(worker, inputs.cases, history, TODAY, rule.per_month)
            now = pick_for_review(worker, found[worker], TODAY, rule.per_month)
            assert now == before, (manager.name, worker)
            compared += len(before)
    assert compared > 5
