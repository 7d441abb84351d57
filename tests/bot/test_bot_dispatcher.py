"""The outbox dispatcher: sends once, retries 429/5xx with backoff and Retry-After, dead-letters."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.dispatcher import DeliveryError, Dispatcher, Progress
from storage.crypto import Sealed
from storage.db import create_engine, session_factory
from storage.models import OutboxMessage
from storage.outbox import Queued, by_size, claim, enqueue, enqueue_many, sealed


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 23, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class FakeSender:
    """Fails as scripted, then records what arrives."""

    failures: list[DeliveryError] = field(default_factory=list)
    delivered: list[str] = field(default_factory=list)

    async def send(
        self, target: str, kind: str, payload: Mapping[str, Any], progress: Progress
    ) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.delivered.append(payload["key"])


async def add(engine: AsyncEngine, key: str, due: datetime, platform: str = "slack") -> None:
    async with session_factory(engine)() as session:
        added = await enqueue(
            session,
            key=key,
            platform=platform,
            target="U1",
            kind="reminder",
            payload={"key": key},
            due_at=due,
        )
        await session.commit()
    assert added


async def rows(engine: AsyncEngine) -> list[OutboxMessage]:
    async with session_factory(engine)() as session:
        return list((await session.exec(select(OutboxMessage))).all())


async def test_enqueue_is_idempotent(engine: AsyncEngine) -> None:
    clock = Clock()
    await add(engine, "reminder:1", clock.now)
    async with session_factory(engine)() as session:
        again = await enqueue(
            session,
            key="reminder:1",
            platform="slack",
            target="U1",
            kind="reminder",
            payload={},
            due_at=clock.now,
        )
        await session.commit()
    assert again is False
    assert len(await rows(engine)) == 1


async def test_enqueue_many_adds_only_new_keys_in_the_callers_transaction(
    engine: AsyncEngine,
) -> None:
    clock = Clock()
    await add(engine, "reminder:1", clock.now)

    def queued(key: str) -> Queued:
        return Queued(key, "slack", "U1", "reminder", {"key": key}, clock.now)

    # 1 is already queued, 7 appears twice in the batch: 1,200 rows span three statements.
    batch = [queued(f"reminder:{n}") for n in range(1, 1201)] + [queued("reminder:7")]
    async with session_factory(engine)() as session:
        assert await enqueue_many(session, batch) == 1199
        await session.rollback()  # nothing committed on its own
    assert len(await rows(engine)) == 1
    async with session_factory(engine)() as session:
        assert await enqueue_many(session, batch) == 1199
        await session.commit()
    async with session_factory(engine)() as session:
        assert await enqueue_many(session, batch) == 0
        assert await enqueue_many(session, []) == 0
    stored = await rows(engine)
    assert len(stored) == 1200
    assert {r.status for r in stored} == {"pending"}
    by_key = {r.idempotency_key: r for r in stored}
    assert by_key["reminder:900"].payload == {"key": "reminder:900"}


async def test_retry_after_is_honoured_then_sent_once(engine: AsyncEngine) -> None:
    clock = Clock()
    sender = FakeSender(failures=[DeliveryError("429", retry_after=120)])
    dispatcher = Dispatcher(engine, {"slack": sender}, clock)
    await add(engine, "r1", clock.now)
    assert await dispatcher.run_once() == 1
    row = (await rows(engine))[0]
    assert row.status == "pending"
    assert row.due_at == clock.now + timedelta(seconds=120)  # Retry-After beats the 5 s backoff
    clock.now += timedelta(seconds=60)
    assert await dispatcher.run_once() == 0  # not yet
    clock.now += timedelta(seconds=61)
    assert await dispatcher.run_once() == 1
    assert await dispatcher.run_once() == 0
    assert sender.delivered == ["r1"]
    assert (await rows(engine))[0].status == "sent"


async def test_server_errors_back_off_exponentially_then_dead_letter(engine: AsyncEngine) -> None:
    clock = Clock()
    sender = FakeSender(failures=[DeliveryError("500") for _ in range(10)])
    dead: list[int] = []

    async def on_dead(message_id: int, error: str) -> None:
        dead.append(message_id)

    dispatcher = Dispatcher(engine, {"slack": sender}, clock, max_attempts=4, on_dead=on_dead)
    await add(engine, "r1", clock.now)
    delays = []
    for _ in range(4):
        before = clock.now
        await dispatcher.run_once()
        row = (await rows(engine))[0]
        delays.append(row.due_at - before)
        clock.now = row.due_at
    assert delays[:3] == [timedelta(seconds=5), timedelta(seconds=10), timedelta(seconds=20)]
    row = (await rows(engine))[0]
    assert row.status == "dead"
    assert row.attempts == 4
    assert dead == [row.id]
    assert sender.delivered == []


async def test_an_expired_claim_is_taken_over(engine: AsyncEngine) -> None:
    clock = Clock()
    await add(engine, "r1", clock.now)

    taken = await claim(engine, "dead-instance", clock.now, lease=timedelta(minutes=2))
    assert len(taken) == 1
    sender = FakeSender()
    survivor = Dispatcher(engine, {"slack": sender}, clock)
    assert await survivor.run_once() == 0  # still leased to the other instance
    clock.now += timedelta(minutes=3)
    assert await survivor.run_once() == 1
    assert sender.delivered == ["r1"]


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
    reason="needs TEST_DATABASE_URL pointing at PostgreSQL (.ci/run starts one)",
)
async def test_three_instances_deliver_each_message_once(
    engine: AsyncEngine, database_url: str
) -> None:
    clock = Clock()
    for n in range(200):
        await add(engine, f"m{n}", clock.now)
    delivered: Counter[str] = Counter()

    class CountingSender:
        async def send(
            self, target: str, kind: str, payload: Mapping[str, Any], progress: Progress
        ) -> None:
            await asyncio.sleep(0.001)
            delivered[payload["key"]] += 1

    instances = [create_engine(database_url) for _ in range(3)]
    dispatchers = [Dispatcher(i, {"slack": CountingSender()}, clock) for i in instances]

    async def drain(dispatcher: Dispatcher) -> None:
        while await dispatcher.run_once(limit=7):
            pass

    await asyncio.gather(*(drain(d) for d in dispatchers))
    for instance in instances:
        await instance.dispose()
    assert len(delivered) == 200
    assert set(delivered.values()) == {1}


@dataclass
class Breaks:
    """Delivers everything but `target`, for which it raises what a bug would."""

    target: str
    error: Exception
    delivered: list[str] = field(default_factory=list)

    async def send(
        self, target: str, kind: str, payload: Mapping[str, Any], progress: Progress
    ) -> None:
        if target == self.target:
            raise self.error
        self.delivered.append(payload["key"])


async def add_to(engine: AsyncEngine, key: str, due: datetime, platform: str, target: str) -> None:
    async with session_factory(engine)() as session:
        assert await enqueue(
            session,
            key=key,
            platform=platform,
            target=target,
            kind="digest" if target.startswith("C") else "reminder",
            payload={"key": key, "text": "Case ref 1234: sensitive words"},
            due_at=due,
        )
        await session.commit()


@pytest.mark.parametrize(
    "error", [TypeError("'NoneType' has no len()"), KeyError("Case ref 1234: sensitive words")]
)
async def test_a_send_that_raises_fails_alone_and_is_dead_lettered_by_the_rules(
    engine: AsyncEngine, error: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    # The broken row is the oldest, so it is claimed first in every pass.
    await add_to(engine, "digest:north", clock.now - timedelta(minutes=5), "slack", "CNORTH")
    for n in range(3):
        await add_to(engine, f"slack:{n}", clock.now, "slack", f"D{n}")
        await add_to(engine, f"teams:{n}", clock.now, "teams", f"a:chat-{n}")
        await add_to(engine, f"web:{n}", clock.now, "web", f"staff:{n}")
    slack = Breaks("CNORTH", error)
    others = {"teams": FakeSender(), "web": FakeSender()}
    dead: list[tuple[int, str]] = []

    async def on_dead(message_id: int, why: str) -> None:
        dead.append((message_id, why))

    dispatcher = Dispatcher(
        engine, {"slack": slack, **others}, clock, max_attempts=3, on_dead=on_dead
    )
    assert await dispatcher.run_once() == 10
    # Everyone else's message went out in the same pass.
    assert sorted(slack.delivered) == ["slack:0", "slack:1", "slack:2"]
    assert sorted(others["teams"].delivered) == ["teams:0", "teams:1", "teams:2"]
    assert sorted(others["web"].delivered) == ["web:0", "web:1", "web:2"]
    by_key = {r.idempotency_key: r for r in await rows(engine)}
    broken = by_key.pop("digest:north")
    assert {r.status for r in by_key.values()} == {"sent"}
    assert (broken.status, broken.attempts, broken.claimed_by) == ("pending", 1, None)
    kind = type(error).__name__
    assert broken.last_error is not None
    assert f"unexpected {kind}" in broken.last_error
    assert "sensitive" not in broken.last_error  # the type and where, never the message
    logged = [r for r in caplog.records if r.levelname == "ERROR" and "CNORTH" in r.getMessage()]
    assert len(logged) == 1  # once, naming the kind and the target
    assert "digest for slack CNORTH" in logged[0].getMessage()
    assert "sensitive" not in caplog.text
    assert not dead

    # Retried with backoff like any failure, then dead-lettered and the admins told, once.
    for _ in range(2):
        clock.now = broken.due_at
        assert await dispatcher.run_once() == 1
        broken = next(r for r in await rows(engine) if r.idempotency_key == "digest:north")
    assert (broken.status, broken.attempts) == ("dead", 3)
    assert dead == [(broken.id, broken.last_error)]
    clock.now += timedelta(days=1)
    assert await dispatcher.run_once() == 0


async def test_a_long_send_renews_its_lease(engine: AsyncEngine) -> None:
    """A send slower than the 2-minute lease keeps its claim: no other instance takes it."""
    clock = Clock()
    await add(engine, "slow", clock.now)
    seen_by_survivor: list[int] = []
    survivor = Dispatcher(engine, {"slack": FakeSender()}, clock, worker="survivor")
    first = Dispatcher(engine, {}, clock, worker="first", heartbeat=0.01)

    class Slow:
        def __init__(self) -> None:
            self.delivered: list[str] = []

        async def send(
            self, target: str, kind: str, payload: Mapping[str, Any], progress: Progress
        ) -> None:
            clock.now += timedelta(minutes=5)  # far past the lease taken at the claim
            deadline = asyncio.get_running_loop().time() + 10
            while (await rows(engine))[0].claimed_until <= clock.now:  # type: ignore[operator]
                assert asyncio.get_running_loop().time() < deadline, "the claim was not renewed"
                await asyncio.sleep(0.01)
            seen_by_survivor.append(await survivor.run_once())
            self.delivered.append(payload["key"])

    slow = Slow()
    first.senders = {"slack": slow}
    assert await first.run_once() == 1
    assert seen_by_survivor == [0]  # still held by the instance sending it
    assert slow.delivered == ["slow"]
    row = (await rows(engine))[0]
    assert (row.status, row.claimed_by, row.attempts) == ("sent", "first", 1)


@dataclass
class Remembers:
    """Records what the dispatcher tells it of earlier attempts, then acts as scripted."""

    outcomes: list[Exception | None]
    told: list[tuple[str, datetime | None, int]] = field(default_factory=list)

    async def send(
        self, target: str, kind: str, payload: Mapping[str, Any], progress: Progress
    ) -> None:
        self.told.append((progress.key, progress.unconfirmed_since, progress.done))
        outcome = self.outcomes.pop(0)
        if outcome is not None:
            raise outcome


async def test_an_attempt_cut_off_or_timed_out_is_unconfirmed_for_the_next(
    engine: AsyncEngine,
) -> None:
    clock = Clock()
    wall = Clock(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
    await add(engine, "r1", clock.now)
    # An instance claims the row, starts sending, and dies.
    died = Dispatcher(engine, {}, clock, worker="died", wall=wall)
    [row] = await claim(engine, "died", clock.now, lease=died.lease)
    from storage.outbox import start_sending

    assert row.id is not None
    assert await start_sending(engine, row.id, "died", clock.now, died.lease, wall.now)

    sender = Remembers([DeliveryError("429"), DeliveryError("timeout", maybe_sent=True), None])
    later = Dispatcher(engine, {"slack": sender}, clock, base_delay=timedelta(0), wall=wall)
    clock.now += timedelta(minutes=3)  # the lease ran out
    wall.now += timedelta(minutes=3)
    assert await later.run_once() == 1  # the takeover: told when the cut-off attempt began
    wall.now += timedelta(minutes=1)
    assert await later.run_once() == 1  # a 429 is a clear refusal: nothing to check next
    wall.now += timedelta(minutes=1)
    assert await later.run_once() == 1  # after a timeout, Slack may have it: check next time
    assert sender.told == [
        ("r1", datetime(2026, 11, 23, 9, 30, tzinfo=UTC), 0),
        ("r1", None, 0),
        ("r1", datetime(2026, 11, 23, 9, 34, tzinfo=UTC), 0),
    ]
    sent = (await rows(engine))[0]
    assert (sent.status, sent.send_started_at) == ("sent", None)


async def test_rows_sealed_before_their_transaction_are_stored_encrypted_once(
    engine: AsyncEngine,
) -> None:
    """The scheduler encrypts a batch's payloads before it begins the write (storage.outbox
    .sealed): what is stored is that ciphertext, not encrypted a second time, and it reads back
    as the payload it was."""
    clock = Clock()
    payload = {"replies": [{"text": "Supervision due for Sam"}], "channel": False}
    rows_in = sealed([Queued("reminder:s1", "slack", "U1", "reminder", payload, clock.now)])
    assert isinstance(rows_in[0].payload, Sealed)
    assert "Supervision due" not in rows_in[0].payload  # ciphertext already
    assert sealed(rows_in)[0].payload is rows_in[0].payload  # sealing again changes nothing
    async with session_factory(engine)() as session:
        assert await enqueue_many(session, rows_in) == 1
        await session.commit()
    async with engine.connect() as connection:
        (raw,) = (await connection.execute(text("SELECT payload FROM outboxmessage"))).one()
    assert raw == rows_in[0].payload  # stored as sealed, not sealed twice
    (stored,) = await rows(engine)
    assert stored.payload == payload


def test_rows_are_batched_by_count_and_by_payload_size() -> None:
    """A batch is one write transaction: many small rows, few large ones (charts), never
    empty, and every row exactly once in order."""
    when = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    small = [Queued(f"s{n}", "slack", "U1", "digest", {"n": n}, when) for n in range(7)]
    large = [Queued(f"l{n}", "slack", "U1", "digest", {"png": "x" * 3000}, when) for n in range(5)]
    rows = sealed(small + large)
    batches = [list(batch) for batch in by_size(rows, 4, 8000)]
    assert [row.key for batch in batches for row in batch] == [row.key for row in rows]
    assert all(0 < len(batch) <= 4 for batch in batches)
    for batch in batches:
        size = sum(len(row.payload) for row in batch)  # type: ignore[arg-type]
        assert size <= 8000 or len(batch) == 1
    # Small rows four to a batch; a large row (about 4 KB sealed) joins the small ones that
    # fit, then the large ones go one to a batch, two being over 8,000 bytes.
    assert [[row.key for row in batch] for batch in batches] == [
        ["s0", "s1", "s2", "s3"], ["s4", "s5", "s6", "l0"], ["l1"], ["l2"], ["l3"], ["l4"],
    ]  # fmt: skip
    assert [list(b) for b in by_size(rows[:1], 4, 10)] == [rows[:1]]  # too big alone: still sent
