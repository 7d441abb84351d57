"""A turn's notices are queued in the turn's own transaction: a committed confirmation has told
the other person exactly once, and a turn that is rolled back has told nobody."""

from __future__ import annotations

from races import STEPS, assert_one_winner, race
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import OutboxMessage


async def notices(database: AsyncEngine) -> list[str]:
    async with database.connect() as connection:
        rows = await connection.execute(
            select(OutboxMessage.idempotency_key).where(OutboxMessage.kind == "notice")
        )
        return [key for (key,) in rows.all()]


async def test_ten_confirmations_of_a_decision_queue_one_notice(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    step = await STEPS["decision"](database, chat_as)
    before = await notices(database)
    results = await race([step.chat.engine], step.chat, step.payload)
    winner = assert_one_winner(results)
    (told,) = winner.notifications
    queued = [key for key in await notices(database) if key not in before]
    # Queued by the engine itself (no caller queued anything here), once per place they read.
    assert queued
    assert {key.rsplit(":", 1)[0] for key in queued} == {told.key}
    assert len(queued) == len(set(queued))


async def test_a_duplicate_message_rolls_its_notice_back_with_it(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    step = await STEPS["decision"](database, chat_as)
    await step.chat.send(step.payload, message_id="same-click")
    assert step.chat.last.notifications
    count = len(await notices(database))
    assert count
    await step.chat.send(step.payload, message_id="same-click")  # the platform's retry
    assert step.chat.last.duplicate
    assert len(await notices(database)) == count
