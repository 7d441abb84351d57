"""What only a real PostgreSQL can show: several instances racing on the same rows."""

from __future__ import annotations

import asyncio
import os

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine, session_factory
from storage.repositories.audit import SqlAudit, verify_chain
from storage.repositories.state import SqlStateStore

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not (os.environ.get("TEST_DATABASE_URL", "").startswith("postgres")),
        reason="needs TEST_DATABASE_URL pointing at PostgreSQL (.ci/run starts one)",
    ),
]


async def test_a_message_delivered_to_five_instances_is_claimed_once(
    engine: AsyncEngine, database_url: str
) -> None:
    instances = [create_engine(database_url) for _ in range(5)]

    async def claim(instance: AsyncEngine) -> bool:
        async with session_factory(instance)() as session:
            claimed = await SqlStateStore(session).claim_message("slack", "Ev0001")
            await asyncio.sleep(0.05)  # hold the transaction open while the others try
            await session.commit()
            return claimed

    results = await asyncio.gather(*(claim(i) for i in instances))
    for instance in instances:
        await instance.dispose()
    assert sorted(results) == [False, False, False, False, True]


async def test_audit_chain_stays_whole_under_concurrent_appends(
    engine: AsyncEngine, database_url: str
) -> None:
    instances = [create_engine(database_url) for _ in range(4)]

    async def append(instance: AsyncEngine, n: int) -> None:
        for i in range(10):
            async with session_factory(instance)() as session:
                await SqlAudit(session).record(
                    actor_id=None,
                    action="read",
                    subject_type="record",
                    subject_id=f"{n}-{i}",
                    target_staff_id=None,
                )
                await session.commit()

    await asyncio.gather(*(append(instance, n) for n, instance in enumerate(instances)))
    for instance in instances:
        await instance.dispose()
    async with session_factory(engine)() as session:
        count, problems = await verify_chain(session)
    assert count == 40
    assert problems == []
