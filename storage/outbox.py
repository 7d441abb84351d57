"""The outbox: every outgoing message is a row first, claimed and sent exactly once.

PostgreSQL: rows are claimed with `FOR UPDATE SKIP LOCKED`, so any number of instances can run a
dispatcher (platforms.md, "Scheduling across several instances"). SQLite has one writer at a
time; the claim is a single UPDATE on a still-pending condition, which is atomic there.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogs.messages import Notify
from dialogs.serialise import to_dict
from storage.crypto import Sealed, seal_json
from storage.db import session_factory
from storage.models import ConversationReference, OutboxMessage

PENDING, CLAIMED, SENT, DEAD = "pending", "claimed", "sent", "dead"
# Issue 23 item 5: for a person the bot cannot reach yet (a Teams user the app is not installed
# for). Tried again now and then without counting towards dead-lettering, and at once when a
# chat with them is stored (`release_held`); `supervision-bot reach` and the digest count them.
HELD = "held"


@dataclass(frozen=True, slots=True)
class Queued:
    """One message to queue; `key` is its idempotency key (a second row with it is ignored)."""

    key: str
    platform: str
    target: str
    kind: str
    payload: Mapping[str, Any] | Sealed  # Sealed: encrypted already (`sealed`)
    due_at: datetime


def by_size(rows: Sequence[Queued], most_rows: int, most_bytes: int) -> Iterator[Sequence[Queued]]:
    """Sealed rows in batches of at most `most_rows` rows and `most_bytes` of payload (a batch
    has at least one row): a write transaction's time is mostly the bytes it writes, so small
    rows go many to a transaction and rows carrying charts a few."""
    batch: list[Queued] = []
    size = 0
    for row in rows:
        length = len(row.payload) if isinstance(row.payload, Sealed) else 0
        if batch and (len(batch) >= most_rows or size + length > most_bytes):
            yield batch
            batch, size = [], 0
        batch.append(row)
        size += length
    if batch:
        yield batch


def sealed(rows: Sequence[Queued]) -> list[Queued]:
    """The rows with their payloads encrypted now, so that a batch written next holds its
    transaction only for the INSERT (the scheduler seals before it begins)."""
    return [
        row
        if isinstance(row.payload, Sealed)
        else Queued(row.key, row.platform, row.target, row.kind, seal_json(row.payload), row.due_at)
        for row in rows
    ]


# Nine bound values a row: 500 rows stay far below SQLite's and asyncpg's parameter limits.
_BATCH = 500


async def enqueue_many(session: AsyncSession, rows: Sequence[Queued]) -> int:
    """Add every row whose idempotency key is new, one INSERT ... ON CONFLICT DO NOTHING per
    500 rows; returns how many were added. Runs in the caller's transaction (nothing commits)."""
    bind = session.bind
    builder = pg_insert if bind is not None and bind.dialect.name == "postgresql" else sqlite_insert
    connection = await session.connection()
    # One statement, executed for many rows: SQLAlchemy batches it into multi-row INSERTs
    # ("insertmanyvalues") and compiles it once, where a literal VALUES list of each length
    # was compiled anew. RETURNING counts the rows really inserted on both dialects; rowcount
    # with conflicts is not reliable across drivers.
    statement = (
        builder(OutboxMessage)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(col(OutboxMessage.id))
    )
    added = 0
    for start in range(0, len(rows), _BATCH):
        values = [
            {
                "idempotency_key": row.key,
                "platform": row.platform,
                "target": row.target,
                "kind": row.kind,
                "payload": row.payload if isinstance(row.payload, Sealed) else dict(row.payload),
                "due_at": row.due_at,
                "status": PENDING,
                "attempts": 0,
                "parts_sent": 0,
                "created_at": row.due_at,
            }
            for row in rows[start : start + _BATCH]
        ]
        added += len((await connection.execute(statement, values)).all())
    return added


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    platform: str,
    target: str,
    kind: str,
    payload: Mapping[str, Any],
    due_at: datetime,
) -> bool:
    """Add a message unless one with the same idempotency key exists; True when added."""
    return bool(await enqueue_many(session, [Queued(key, platform, target, kind, payload, due_at)]))


async def destinations(session: AsyncSession, staff_id: int) -> Sequence[tuple[str, str]]:
    """Where a person can be reached: (platform, conversation id) of their personal chats."""
    return (await destinations_of(session, [staff_id]))[staff_id]


async def destinations_of(
    session: AsyncSession, staff_ids: Sequence[int]
) -> dict[int, list[tuple[str, str]]]:
    """`destinations` for many people in one query (a scheduler run covers a whole council);
    anyone with no chat yet is reached in the playground's inbox."""
    R = ConversationReference
    found: dict[int, list[tuple[str, str]]] = {staff_id: [] for staff_id in staff_ids}
    for start in range(0, len(staff_ids), 500):
        rows = await session.exec(
            select(R.staff_id, R.platform, R.conversation_id).where(
                col(R.staff_id).in_(staff_ids[start : start + 500])
            )
        )
        for staff_id, platform, conversation_id in rows.all():
            if staff_id is not None:
                found[staff_id].append((platform, conversation_id))
    return {k: v or [("web", held_target(k))] for k, v in found.items()}


def _claimable(now: datetime):  # type: ignore[no-untyped-def]
    return and_(
        col(OutboxMessage.due_at) <= now,
        or_(
            col(OutboxMessage.status).in_((PENDING, HELD)),
            # A claim whose lease ran out: the instance died mid-delivery.
            and_(col(OutboxMessage.status) == CLAIMED, col(OutboxMessage.claimed_until) < now),
        ),
    )


async def claim(
    engine: AsyncEngine, worker: str, now: datetime, *, limit: int = 20, lease: timedelta
) -> list[OutboxMessage]:
    """Claim up to `limit` due messages for this worker until `now + lease`."""
    async with session_factory(engine)() as session:
        query = (
            select(OutboxMessage)
            .where(_claimable(now))
            .order_by(col(OutboxMessage.due_at), col(OutboxMessage.id))
            .limit(limit)
        )
        if engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list((await session.exec(query)).all())
        if not rows:
            return []
        ids = [r.id for r in rows]
        connection = await session.connection()
        await connection.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(ids), _claimable(now))
            .values(status=CLAIMED, claimed_by=worker, claimed_until=now + lease)
        )
        await session.commit()
        mine = await session.exec(
            select(OutboxMessage).where(
                col(OutboxMessage.id).in_(ids), OutboxMessage.claimed_by == worker
            )
        )
        return list(mine.all())


async def mark_sent(engine: AsyncEngine, message_id: int, worker: str, at: datetime) -> None:
    async with session_factory(engine)() as session:
        row = await session.get(OutboxMessage, message_id)
        if row is not None and row.claimed_by == worker:
            row.status, row.sent_at, row.attempts = SENT, at, row.attempts + 1
            row.send_started_at = None
            session.add(row)
            await session.commit()


async def mark_failed(
    engine: AsyncEngine,
    message_id: int,
    worker: str,
    error: str,
    retry_at: datetime | None,
    *,
    maybe_sent: bool = False,
) -> OutboxMessage | None:
    """Back to pending for `retry_at`, or dead when there is no retry left. `maybe_sent`: the
    platform may have taken the message all the same (a timeout), so the attempt stays marked
    as unconfirmed and the next one checks first where the platform allows it."""
    async with session_factory(engine)() as session:
        row = await session.get(OutboxMessage, message_id)
        if row is None or row.claimed_by != worker:
            return None
        row.attempts += 1
        row.last_error = error[:500]
        row.claimed_by = None
        row.claimed_until = None
        if not maybe_sent:
            row.send_started_at = None
        if retry_at is None:
            row.status = DEAD
        else:
            row.status, row.due_at = PENDING, retry_at
        session.add(row)
        await session.commit()
        return row


async def mark_held(
    engine: AsyncEngine, message_id: int, worker: str, reason: str, retry_at: datetime
) -> bool:
    """Held for someone the bot cannot reach yet: tried again at `retry_at` (or as soon as a
    chat with them is stored), the attempt not counted: it is never dead-lettered for this."""
    async with session_factory(engine)() as session:
        row = await session.get(OutboxMessage, message_id)
        if row is None or row.claimed_by != worker:
            return False
        row.status, row.due_at, row.last_error = HELD, retry_at, reason[:500]
        row.claimed_by = row.claimed_until = row.send_started_at = None
        session.add(row)
        await session.commit()
        return True


def held_target(staff_id: int) -> str:
    """The outbox target of a person with no chat yet (`destinations_of`'s inbox row)."""
    return f"staff:{staff_id}"


# Issue 23 item 5: a day's reminders, released when the app is installed, supersede the days'
# before them (the same obligations, told as they stand now): only the newest are sent, not a
# few weeks of "due in 3 days", "due today", "overdue by 1 day" at once. Anything else held (a
# booking's notice, an escalation) is sent whatever its age.
SUPERSEDED = "superseded"
_SAME_DAY = timedelta(hours=12)


async def release_held(session: AsyncSession, staff_id: int) -> int:
    """A chat with the person is stored: what was held for them is due again at the time it
    was first due (so it goes on the dispatcher's next pass), except reminders superseded by
    newer ones, which are marked so and not sent. In the caller's transaction; returns how
    many rows go out."""
    connection = await session.connection()
    held = (
        col(OutboxMessage.status) == HELD,
        col(OutboxMessage.platform) == "web",
        col(OutboxMessage.target) == held_target(staff_id),
    )
    newest = (
        await connection.execute(
            select(func.max(col(OutboxMessage.created_at))).where(
                *held, col(OutboxMessage.kind) == "reminder"
            )
        )
    ).scalar()
    if newest is not None:
        await connection.execute(
            update(OutboxMessage)
            .where(
                *held,
                col(OutboxMessage.kind) == "reminder",
                col(OutboxMessage.created_at) < newest - _SAME_DAY,
            )
            .values(
                status=SUPERSEDED,
                last_error="held until the app was installed; newer reminders were sent instead",
            )
        )
    result = await connection.execute(
        update(OutboxMessage)
        .where(*held)
        .values(status=PENDING, due_at=col(OutboxMessage.created_at))
    )
    return int(result.rowcount or 0)


async def mark_parts_sent(engine: AsyncEngine, message_id: int, worker: str, parts: int) -> None:
    """Record that the first `parts` parts of a claimed message have been delivered."""
    async with session_factory(engine)() as session:
        connection = await session.connection()
        await connection.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message_id, col(OutboxMessage.claimed_by) == worker)
            .values(parts_sent=parts)
        )
        await session.commit()


async def start_sending(
    engine: AsyncEngine,
    message_id: int,
    worker: str,
    now: datetime,
    lease: timedelta,
    started_at: datetime,
) -> bool:
    """Extend this worker's claim just before sending and mark the attempt as under way (an
    earlier unconfirmed attempt keeps its earlier mark: a check must look back to it). False
    when another instance has taken the row over meanwhile: sending now could send it twice."""
    async with session_factory(engine)() as session:
        connection = await session.connection()
        result = await connection.execute(
            update(OutboxMessage)
            .where(*_still_mine(message_id, worker))
            .values(
                claimed_until=now + lease,
                send_started_at=func.coalesce(col(OutboxMessage.send_started_at), started_at),
            )
        )
        await session.commit()
        return bool(result.rowcount)


async def renew(
    engine: AsyncEngine, message_id: int, worker: str, now: datetime, lease: timedelta
) -> bool:
    """The heartbeat of a long send: extend this worker's claim; False when it was taken over.

    A claim counts as this worker's until another instance takes it, even past its lease: a
    clock moved forward (the demo's) makes a live claim look expired without anyone else
    having it, and giving up then would leave a send half done for nothing."""
    async with session_factory(engine)() as session:
        connection = await session.connection()
        result = await connection.execute(
            update(OutboxMessage)
            .where(*_still_mine(message_id, worker))
            .values(claimed_until=now + lease)
        )
        await session.commit()
        return bool(result.rowcount)


def _still_mine(message_id: int, worker: str) -> tuple[Any, ...]:
    # On PostgreSQL an instance taking the row over holds its row lock until it commits; this
    # UPDATE waits for it and then sees the new owner, so the two never both go ahead.
    return (
        col(OutboxMessage.id) == message_id,
        col(OutboxMessage.claimed_by) == worker,
        col(OutboxMessage.status) == CLAIMED,
    )


class SqlOutbox:
    """The dialogs' Outbox port: a turn's notices queued in the turn's own transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def notify(self, notices: Sequence[Notify], due_at: datetime) -> int:
        reach = await destinations_of(self._session, sorted({n.staff_id for n in notices}))
        rows = [
            Queued(
                f"{note.key}:{platform}",
                platform,
                target,
                "notice",
                {"replies": [to_dict(r) for r in note.messages]},
                due_at,
            )
            for note in notices
            for platform, target in reach[note.staff_id]
        ]
        return await enqueue_many(self._session, rows)
