"""Races on the conversation state and the writes it confirms, on SQLite and on PostgreSQL.

Two "instances" are two engines with their own connections and their own in-process locks on one
database: on PostgreSQL the conversation's advisory lock serialises their turns; on SQLite (and
whenever a lock is missed) the version checks and the unique write keys let one commit and roll
the other back whole, to be replayed. .ci/run runs this module on both databases.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from demo_data import build_demo
from races import STEPS, assert_one_winner, race, rows, staff_named, text_of
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from testing_keys import TEST_RECORD_KEY

from bot.commands.demo import demo_template, review_templates
from dialogs.engine import Engine
from dialogs.messages import Command, Inbound, Text
from dialogs.ports import ConcurrentUpdate
from policy.packs import builtin_pack, builtin_pack_ids
from storage import crypto
from storage.db import create_engine, normalise_url, session_factory
from storage.demo import seed_demo
from storage.housekeeping import sweep
from storage.migrate import upgrade
from storage.models import InformalSupervision, SessionAttendee, SupervisionRecord
from storage.models.decisions import UniqueWrite
from storage.repositories.state import SqlStateStore
from storage.unit_of_work import unit_of_work_factory
from tests.conftest import SERVER_URL, _admin_execute
from tests.dialogs.conftest import TODAY, Chat, FakeClock, make_engine, staff_id

on_postgres_only = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not SERVER_URL or not SERVER_URL.startswith("postgres"),
        reason="needs TEST_DATABASE_URL pointing at PostgreSQL (.ci/run starts one)",
    ),
]
KEY = "web:race"
LATER = datetime(2030, 1, 1, tzinfo=UTC)


def _server_database(name: str) -> str:
    assert SERVER_URL
    return make_url(normalise_url(SERVER_URL)).set(database=name).render_as_string(False)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo council, seeded once: a SQLite file, or a template database on the server."""
    if not SERVER_URL:
        yield str(build_demo(tmp_path_factory.mktemp("races") / "demo.db", TODAY))
        return
    name = f"tpl_{uuid.uuid4().hex[:12]}"
    _admin_execute(SERVER_URL, f'CREATE DATABASE "{name}"')

    async def build() -> None:
        crypto.configure(TEST_RECORD_KEY)
        url = _server_database(name)
        await upgrade(url)
        engine = create_engine(url)
        pack = builtin_pack("derbyshire")
        session_type, template = demo_template(pack)
        await seed_demo(
            engine,
            TODAY,
            pack_id="derbyshire",
            session_type=session_type,
            template=template,
            reviews=review_templates(pack),
        )
        await engine.dispose()

    asyncio.run(build())
    yield name
    _admin_execute(SERVER_URL, f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def demo_url(seeded: str, tmp_path: Path) -> Iterator[str]:
    """A private copy of the seeded demo council."""
    if not SERVER_URL:
        copy = tmp_path / "demo.db"
        copy.write_bytes(Path(seeded).read_bytes())
        yield f"sqlite+aiosqlite:///{copy}"
        return
    name = f"t_{uuid.uuid4().hex[:12]}"
    _admin_execute(SERVER_URL, f'CREATE DATABASE "{name}" TEMPLATE "{seeded}"')
    yield _server_database(name)
    _admin_execute(SERVER_URL, f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
async def instances(demo_url: str) -> AsyncIterator[list[AsyncEngine]]:
    """Two instances' connections to one database."""
    engines = [create_engine(demo_url), create_engine(demo_url)]
    yield engines
    for engine in engines:
        await engine.dispose()


def engines_on(instances: list[AsyncEngine], clock: FakeClock) -> list[Engine]:
    return [make_engine(instance, clock) for instance in instances]


@pytest.mark.parametrize("flow", sorted(STEPS))
async def test_two_instances_confirming_the_same_step_write_once(
    flow: str, instances: list[AsyncEngine]
) -> None:
    clock = FakeClock()
    engines = engines_on(instances, clock)
    database = instances[0]

    async def open_chat(name: str) -> Chat:
        return Chat(engines[0], await staff_id(database, name), clock)

    step = await STEPS[flow](database, open_chat)
    before = await step.count()
    results = await race(engines, step.chat, step.payload)
    assert await step.count() == before + 1
    winner = assert_one_winner(results)
    for result in results:
        if result is not winner:
            assert text_of(result).startswith(f"Already recorded: {step.recorded}")


@pytest.mark.parametrize("_", [pytest.param(None, marks=on_postgres_only)])
async def test_overlapping_messages_on_two_instances_are_all_answered(
    _: None, instances: list[AsyncEngine]
) -> None:
    """PostgreSQL: the advisory lock makes the instances' turns wait for each other."""
    clock = FakeClock()
    engines = engines_on(instances, clock)
    sam = await staff_id(instances[0], "Sam Taylor")
    said = [Text("what's my caseload score"), Command("absence"), Text("help"), Text("hi")] * 5
    inbounds = [
        Inbound("web", f"web:{sam}", f"overlap-{i}", sam, payload, clock())
        for i, payload in enumerate(said)
    ]
    results = await asyncio.gather(
        *(engines[i % 2].handle(inbound) for i, inbound in enumerate(inbounds))
    )
    for result in results:
        assert result.replies
        assert "changed elsewhere" not in text_of(result)
        assert "went wrong" not in text_of(result)


async def _insert_state(database: AsyncEngine, version_of: str = "form") -> int:
    async with session_factory(database)() as session:
        version = await SqlStateStore(session).save(KEY, "absence", version_of, {}, LATER, None)
        await session.commit()
    return version


async def test_a_conversation_is_ended_only_at_the_version_that_was_loaded(
    instances: list[AsyncEngine],
) -> None:
    first, second = instances
    await _insert_state(first)
    async with session_factory(first)() as a, session_factory(second)() as b:
        loaded_a = await SqlStateStore(a).load(KEY)
        loaded_b = await SqlStateStore(b).load(KEY)
        assert loaded_a is not None
        assert loaded_b is not None
        await SqlStateStore(a).delete(KEY, expected_version=loaded_a.version)
        await a.commit()
        with pytest.raises(ConcurrentUpdate):
            await SqlStateStore(b).delete(KEY, expected_version=loaded_b.version)
        await b.rollback()
        with pytest.raises(ConcurrentUpdate):
            await SqlStateStore(b).save(KEY, "absence", "form", {}, LATER, loaded_b.version)


async def test_two_first_saves_of_one_conversation_are_a_concurrent_update(
    instances: list[AsyncEngine],
) -> None:
    first, second = instances
    async with session_factory(first)() as a, session_factory(second)() as b:
        await SqlStateStore(a).save(KEY, "absence", "form", {}, LATER, None)
        # The second insert waits for the first (PostgreSQL's unique index, SQLite's write lock).
        waiting = asyncio.ensure_future(
            SqlStateStore(b).save(KEY, "decision", "form", {}, LATER, None)
        )
        await a.commit()
        with pytest.raises(ConcurrentUpdate):
            await waiting
        await b.rollback()
    async with session_factory(first)() as session:
        stored = await SqlStateStore(session).load(KEY)
    assert stored is not None
    assert stored.flow == "absence"


async def test_a_second_write_confirming_the_same_step_is_refused_by_the_database(
    instances: list[AsyncEngine],
) -> None:
    """Whatever the engine does: two units of work that loaded one step both write informal
    supervision; the database keeps one and the second unit of work is a concurrent update."""
    first, second = instances
    await _insert_state(first)
    priya = await staff_named(first, "Priya Shah")
    sam = await staff_named(first, "Sam Taylor")
    packs = {pack_id: builtin_pack(pack_id) for pack_id in builtin_pack_ids()}
    before = await rows(first, InformalSupervision)

    async def write(units: AsyncEngine, loaded: asyncio.Event, go: asyncio.Event) -> None:
        async with unit_of_work_factory(units, packs)() as ports:
            await ports.state.load(KEY)
            loaded.set()
            await go.wait()
            await ports.notes.informal(
                supervisor_id=priya.id or 0,
                supervisee_id=sam.id or 0,
                occurred_at=datetime(2026, 11, 20, 14, tzinfo=UTC),
                discussed="A visit",
                decided="",
            )
            await ports.commit()

    a_loaded, b_loaded, go_a, go_b = (asyncio.Event() for _ in range(4))
    a = asyncio.ensure_future(write(first, a_loaded, go_a))
    b = asyncio.ensure_future(write(second, b_loaded, go_b))
    await a_loaded.wait()
    await b_loaded.wait()  # both have read the same step
    go_a.set()
    await a
    go_b.set()
    with pytest.raises(ConcurrentUpdate):
        await b
    assert await rows(first, InformalSupervision) == before + 1


async def test_each_party_signs_a_record_once(instances: list[AsyncEngine]) -> None:
    """Two conversations (say Slack and Teams) sign one record for the supervisee at once."""
    first, second = instances
    async with session_factory(first)() as session:
        record = (
            await session.exec(
                select(SupervisionRecord)
                .where(col(SupervisionRecord.supervisee_signed_at).is_(None))
                .order_by(col(SupervisionRecord.id))
            )
        ).first()
    assert record is not None
    assert record.id is not None
    record_id = record.id
    packs = {pack_id: builtin_pack(pack_id) for pack_id in builtin_pack_ids()}
    async with session_factory(first)() as session:
        supervisee = (
            await session.exec(
                select(SessionAttendee.staff_id).where(
                    SessionAttendee.session_id == record.session_id
                )
            )
        ).first() or 0

    async def sign(units: AsyncEngine, read: asyncio.Event, go: asyncio.Event, at: int) -> None:
        async with unit_of_work_factory(units, packs)() as ports:
            # Held while it waits: this unit of work keeps what it read, as a turn would.
            seen = await ports.session.get(SupervisionRecord, record_id)
            assert seen is not None
            assert seen.supervisee_signed_at is None
            read.set()
            await go.wait()
            await ports.records.sign(record_id, supervisee, datetime(2026, 11, 23, at, tzinfo=UTC))
            await ports.commit()

    a_read, b_read, go_a, go_b = (asyncio.Event() for _ in range(4))
    a = asyncio.ensure_future(sign(first, a_read, go_a, 10))
    b = asyncio.ensure_future(sign(second, b_read, go_b, 11))
    await a_read.wait()
    await b_read.wait()  # both saw it unsigned
    go_a.set()
    await a
    go_b.set()
    with pytest.raises(ConcurrentUpdate):
        await b
    async with session_factory(first)() as session:
        row = await session.get(SupervisionRecord, record_id)
    assert row is not None
    assert row.supervisee_signed_at == datetime(2026, 11, 23, 10, tzinfo=UTC)


@pytest.mark.parametrize("_", [pytest.param(None, marks=on_postgres_only)])
async def test_a_turn_waits_for_another_instances_turn_of_the_same_conversation(
    _: None, instances: list[AsyncEngine]
) -> None:
    first, second = instances
    async with session_factory(first)() as a, session_factory(second)() as b:
        await SqlStateStore(a).lock(KEY)
        await SqlStateStore(a).save(KEY, "absence", "form", {}, LATER, None)

        async def other_turn() -> int | None:
            await SqlStateStore(b).lock(KEY)
            loaded = await SqlStateStore(b).load(KEY)
            return loaded.version if loaded else None

        waiting = asyncio.ensure_future(other_turn())
        query = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        deadline = asyncio.get_running_loop().time() + 30
        async with first.connect() as observer:
            while not (await observer.execute(query)).scalar_one():
                assert asyncio.get_running_loop().time() < deadline, "the second turn never waited"
                await asyncio.sleep(0.01)
        assert not waiting.done()
        await a.commit()
        assert await waiting == 1  # it read the state the first turn committed
        await b.rollback()


def test_one_record_per_session_and_kind_is_a_constraint() -> None:
    """Held by the database since the first schema, per session; per session and kind since
    3f0c7a1e5b27 (uq_supervisionrecord_session_kind; issue 20 item 14, LAM 004:350,356)."""
    constraints = {
        tuple(c.columns.keys())
        for c in SupervisionRecord.__table__.constraints  # type: ignore[attr-defined]
        if c.__class__.__name__ == "UniqueConstraint"
    }
    columns = {
        (column.name,)
        for column in SupervisionRecord.__table__.columns  # type: ignore[attr-defined]
        if column.unique
    }
    assert ("session_id", "kind") in constraints | columns


async def test_write_keys_are_swept_once_no_race_can_need_them(engine: AsyncEngine) -> None:
    now = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    async with session_factory(engine)() as session:
        session.add(UniqueWrite(key="sign:1:supervisee", written_at=now - timedelta(days=8)))
        session.add(UniqueWrite(key="sign:2:supervisee", written_at=now - timedelta(minutes=1)))
        await session.commit()
        swept = await sweep(session, now)
        await session.commit()
        kept = (await session.exec(select(UniqueWrite.key))).all()
    assert swept["write_keys"] == 1
    assert kept == ["sign:2:supervisee"]
