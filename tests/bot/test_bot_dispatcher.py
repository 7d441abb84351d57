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
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.dispatcher import DeliveryError, Dispatcher, Progress
from storage.db import create_engine, session_factory
from storage.models import OutboxMessage
from storage.outbox import Queued, claim, enqueue, enqueue_many


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
