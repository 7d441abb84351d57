"""A message that cannot be delivered after the last retry is dead-lettered and an admin is told."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.dead_letters import admin_notifier
from bot.dispatcher import DeliveryError, Dispatcher, Progress
from storage.db import session_factory
from storage.models import ConversationReference, Organisation, OutboxMessage, Staff
from storage.outbox import enqueue


class Clock:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class AlwaysFails:
    async def send(
        self, target: str, kind: str, payload: Mapping[str, Any], progress: Progress
    ) -> None:
        raise DeliveryError("channel_not_found", permanent=True)


async def test_dead_letter_tells_the_admin_without_the_content(engine: AsyncEngine) -> None:
    clock = Clock()
    async with session_factory(engine)() as session:
        org = Organisation(slug="o", name="O", pack_id="derbyshire")
        session.add(org)
        await session.flush()
        assert org.id
        worker = Staff(
            organisation_id=org.id,
            external_ref="1",
            name="Wyn Worker",
            email="w@o.uk",
            role="social_worker",
        )
        admin = Staff(
            organisation_id=org.id,
            external_ref="2",
            name="Ada Admin",
            email="a@o.uk",
            role="admin_support",
        )
        session.add_all([worker, admin])
        await session.flush()
        session.add(
            ConversationReference(platform="slack", conversation_id="T1:D123", staff_id=worker.id)
        )
        await enqueue(
            session,
            key="reminder:1",
            platform="slack",
            target="T1:D123",
            kind="reminder",
            payload={"replies": [{"type": "say", "text": "C-1042 visit overdue", "tone": "info"}]},
            due_at=clock.now,
        )
        await session.commit()
    dispatcher = Dispatcher(
        engine, {"slack": AlwaysFails()}, clock, on_dead=admin_notifier(engine, clock)
    )
    await dispatcher.run_once()
    async with session_factory(engine)() as session:
        rows = {r.idempotency_key: r for r in (await session.exec(select(OutboxMessage))).all()}
    assert rows["reminder:1"].status == "dead"
    notice = rows[f"dead:{rows['reminder:1'].id}:{admin.id}:web"]
    text = notice.payload["replies"][0]["text"]
    assert (
        "A reminder for slack (T1:D123) could not be delivered after 1 attempts: channel_not_found"
        in text
    )
    assert "C-1042" not in text  # the notice never carries the message's content
