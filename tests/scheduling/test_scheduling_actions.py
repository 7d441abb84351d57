"""Actions chased (issue 27): the scheduler asks each open action's owner, privately, from the
pack's days before it is due, then at its interval, once a day whatever the ticks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from bot.scheduler import Scheduler
from policy.actions import ask_about_action, next_ask
from policy.packs import builtin_pack, builtin_pack_ids
from policy.packs.schema import ActionChasing
from storage.models import OutboxMessage, RecordAction, SupervisionRecord

TODAY = date(2026, 11, 23)  # a Monday
PACKS = {pack_id: builtin_pack(pack_id) for pack_id in builtin_pack_ids()}
RULE = ActionChasing(basis="product")  # 2 days before, then every 7 days


def test_asked_from_two_days_before_then_a_week_after_the_last_ask() -> None:
    due = date(2026, 12, 10)
    assert not ask_about_action(due, None, RULE, date(2026, 12, 7))
    assert ask_about_action(due, None, RULE, date(2026, 12, 8))
    assert ask_about_action(due, None, RULE, date(2026, 12, 20))  # never asked: overdue, ask
    assert not ask_about_action(due, date(2026, 12, 8), RULE, date(2026, 12, 14))
    assert ask_about_action(due, date(2026, 12, 8), RULE, date(2026, 12, 15))
    # "Not yet" a week before it is due: asked again when it comes due, not sooner.
    assert next_ask(due, date(2026, 12, 1), RULE) == date(2026, 12, 8)
    assert next_ask(due, date(2026, 12, 9), RULE) == date(2026, 12, 16)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def _asks(database: AsyncEngine) -> list[tuple[str, str, dict]]:  # type: ignore[type-arg]
    async with database.connect() as connection:
        rows = (
            await connection.execute(
                select(OutboxMessage.idempotency_key, OutboxMessage.target, OutboxMessage.payload)
                .where(OutboxMessage.kind == "action")
                .order_by(col(OutboxMessage.id))
            )
        ).all()
    return [(key, target, payload) for key, target, payload in rows]


async def test_the_owner_is_asked_once_a_day_privately_then_at_the_interval(
    database: AsyncEngine,
) -> None:
    # One open action of a signed record, due in two days; the demo's others are put out of
    # reach (closed), so what is asked is exactly this one.
    async with database.begin() as connection:
        (chosen, owner, record_id), *_ = (
            await connection.execute(
                select(RecordAction.id, RecordAction.owner_id, RecordAction.record_id)
                .join(SupervisionRecord, col(SupervisionRecord.id) == RecordAction.record_id)
                .where(col(SupervisionRecord.supervisor_signed_at).is_not(None))
                .order_by(col(RecordAction.id))
            )
        ).all()
        await connection.execute(
            update(RecordAction).values(done_at=datetime(2026, 11, 1, tzinfo=UTC), closed_as="done")
        )
        await connection.execute(
            update(RecordAction)
            .where(col(RecordAction.id) == chosen)
            .values(done_at=None, closed_as=None, due_date=TODAY + timedelta(days=2))
        )
    clock = Clock(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    scheduler = Scheduler(database, PACKS, clock)
    await scheduler.tick()
    clock.now += timedelta(minutes=1)
    await scheduler.tick()  # the same day again: nothing more
    asks = await _asks(database)
    assert [key for key, *_ in asks] == [f"action:{chosen}:2026-11-23:web"]
    _, target, payload = asks[0]
    assert target == f"staff:{owner}"  # to its owner, never a channel
    card = payload["replies"][0]
    assert [o["label"] for o in card["actions"]] == ["Done", "Not yet", "No longer needed"]
    assert card["actions"][0]["value"] == f"start:action:done:{chosen}"
    # The next days: not asked again until a week after the last ask.
    for days in (1, 6):
        clock.now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC) + timedelta(days=days)
        scheduler = Scheduler(database, PACKS, clock)  # another instance, or a restart
        await scheduler.tick()
    assert len(await _asks(database)) == 1
    clock.now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    await Scheduler(database, PACKS, clock).tick()
    assert [key for key, *_ in await _asks(database)][-1] == f"action:{chosen}:2026-11-30:web"
    # Closed: never asked again.
    async with database.begin() as connection:
        await connection.execute(
            update(RecordAction)
            .where(col(RecordAction.id) == chosen)
            .values(done_at=datetime(2026, 11, 30, 10, tzinfo=UTC), closed_as="done")
        )
    clock.now = datetime(2026, 12, 14, 8, 0, tzinfo=UTC)
    await Scheduler(database, PACKS, clock).tick()
    assert len(await _asks(database)) == 2
    assert record_id  # the action belongs to a signed record
