"""Delivers outbox rows: claim, send through the platform's sender, mark; retry with backoff.

429 and 5xx are retried with exponential backoff, honouring Retry-After; after `max_attempts`
the row is dead-lettered and the admin is told. Any number of instances may run this loop.
Each row fails on its own: whatever a send raises is counted against that row alone, and the
pass goes on with the others (docs/reliability.md, "Delivery").
"""

from __future__ import annotations

import asyncio
import logging
import socket
import traceback
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import PurePath
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import OutboxMessage
from storage.outbox import (
    claim,
    mark_failed,
    mark_held,
    mark_parts_sent,
    mark_sent,
    renew,
    start_sending,
)

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A send that failed; `retry_after` (seconds) when the platform said when to come back;
    `maybe_sent` when the platform may have taken the message all the same (a timeout);
    `held` when the person cannot be reached yet (issue 23 item 5): the row waits, uncounted,
    for a chat with them rather than being retried to death."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
        maybe_sent: bool = False,
        held: bool = False,
    ):
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent
        self.maybe_sent = maybe_sent
        self.held = held


@dataclass
class Progress:
    """What a sender is told about this delivery.

    Which parts of a message (a card, then its files; or several Teams activities) arrived in
    earlier attempts: a sender skips the first `done` parts and calls `sent` after each part
    lands, so a retry after a failed file upload never posts the card a second time.

    `unconfirmed_since` (real time) is set when an earlier attempt was cut off or timed out:
    the parts after `done` may be on the platform already. A sender that can look (Slack, by
    the `key` it tagged the message with) checks before sending them again."""

    done: int = 0
    save: Callable[[int], Awaitable[None]] | None = None
    key: str = ""
    unconfirmed_since: datetime | None = None

    def pending(self, part: int) -> bool:
        return part >= self.done

    async def sent(self, part: int) -> None:
        self.done = max(self.done, part + 1)
        if self.save is not None:
            await self.save(self.done)


class Sender(Protocol):
    async def send(
        self, target: str, kind: str, payload: Mapping[str, Any], progress: Progress
    ) -> None: ...


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def unexpected(exc: BaseException) -> str:
    """A bug's summary for the row and the log: its type and where it was raised, never its
    message (a KeyError's or a ValueError's can quote the payload, which is record content)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return f"unexpected {type(exc).__name__}"
    last = frames[-1]
    where = "/".join(PurePath(last.filename).parts[-2:])
    return f"unexpected {type(exc).__name__} at {where}:{last.lineno} in {last.name}"


@dataclass
class Dispatcher:
    database: AsyncEngine
    senders: Mapping[str, Sender]
    clock: Callable[[], datetime]
    max_attempts: int = 8
    base_delay: timedelta = timedelta(seconds=5)
    max_delay: timedelta = timedelta(hours=1)
    lease: timedelta = timedelta(minutes=2)
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}")
    on_dead: Callable[[int, str], Any] | None = None
    # Seconds between renewals of the claim while a send runs (default: a third of the lease),
    # so a send slower than the lease is never taken over and sent again by another instance.
    heartbeat: float | None = None
    # Real time for marking attempts: platforms date messages in it, whatever `clock` says.
    wall: Callable[[], datetime] = _wall_clock
    # How long a message held for someone the bot cannot reach waits before it is tried again
    # (installing the app for them through Graph, if permitted); a chat stored sooner frees it.
    hold_retry: timedelta = timedelta(hours=6)

    def backoff(self, attempts: int, retry_after: float | None) -> timedelta:
        delay: timedelta = min(self.base_delay * 2 ** max(attempts - 1, 0), self.max_delay)
        if retry_after is not None:
            delay = max(delay, timedelta(seconds=retry_after))
        return delay

    async def run_once(self, limit: int = 20) -> int:
        """Deliver what is due now; returns how many rows were handled."""
        now = self.clock()
        rows = await claim(self.database, self.worker, now, limit=limit, lease=self.lease)
        for row in rows:
            await self._deliver(row)
        return len(rows)

    async def _deliver(self, row: OutboxMessage) -> None:
        assert row.id is not None
        started = await start_sending(
            self.database, row.id, self.worker, self.clock(), self.lease, self.wall()
        )
        if not started:
            log.warning(
                "outbox %s: lease lost before sending; left to the instance that has it", row.id
            )
            return
        sender = self.senders.get(row.platform)
        progress = Progress(
            row.parts_sent,
            self._saver(row.id),
            key=row.idempotency_key,
            unconfirmed_since=row.send_started_at,  # as claimed: an earlier attempt's mark
        )
        try:
            if sender is None:
                raise DeliveryError(f"no sender for {row.platform}", permanent=True)
            async with self._holding(row.id):
                await sender.send(row.target, row.kind, row.payload, progress)
        except DeliveryError as exc:
            if exc.held:
                retry = self.clock() + max(self.hold_retry, timedelta(seconds=exc.retry_after or 0))
                if await mark_held(self.database, row.id, self.worker, str(exc), retry):
                    log.info("outbox %s (%s) held: %s", row.id, row.kind, exc)
                return
            await self._failed(
                row,
                str(exc),
                permanent=exc.permanent,
                retry_after=exc.retry_after,
                maybe_sent=exc.maybe_sent,
            )
            return
        except Exception as exc:
            # A bug or an answer nobody foresaw (a TypeError from an odd API reply, a KeyError
            # from a payload): this row's failure, retried and dead-lettered by the same rules,
            # never the end of the pass. It may have got part way, so the next attempt checks.
            await self._failed(row, unexpected(exc), maybe_sent=True, surprise=True)
            return
        await mark_sent(self.database, row.id, self.worker, self.clock())

    async def _failed(
        self,
        row: OutboxMessage,
        error: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        maybe_sent: bool = False,
        surprise: bool = False,
    ) -> None:
        assert row.id is not None
        attempts = row.attempts + 1
        retry = None
        if not permanent and attempts < self.max_attempts:
            retry = self.clock() + self.backoff(attempts, retry_after)
        await mark_failed(self.database, row.id, self.worker, error, retry, maybe_sent=maybe_sent)
        what = f"{row.kind} for {row.platform} {row.target}"
        if retry is None:
            log.error("outbox %s (%s) dead after %s attempts: %s", row.id, what, attempts, error)
            if self.on_dead is not None:
                try:
                    await self.on_dead(row.id, error)
                except Exception as exc:  # telling the admins must not stop the pass either
                    log.error("outbox %s: admins not told: %s", row.id, unexpected(exc))
        elif surprise:
            log.error(
                "outbox %s (%s) failed, attempt %s of %s: %s; retried from %s",
                row.id,
                what,
                attempts,
                self.max_attempts,
                error,
                retry.isoformat(timespec="seconds"),
            )

    @asynccontextmanager
    async def _holding(self, row_id: int) -> AsyncIterator[None]:
        """Renew the claim while the send runs (the platform may be slow, an upload large)."""
        beat = asyncio.create_task(self._heartbeat(row_id))
        try:
            yield
        finally:
            beat.cancel()
            await asyncio.wait([beat])  # unlike awaiting it, never swallows our own cancel

    async def _heartbeat(self, row_id: int) -> None:
        interval = self.heartbeat if self.heartbeat is not None else self.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            try:
                kept = await renew(self.database, row_id, self.worker, self.clock(), self.lease)
            except Exception as exc:  # a database blip: the next beat tries again
                log.warning("outbox %s: claim not renewed (%s)", row_id, type(exc).__name__)
                continue
            if not kept:
                log.warning("outbox %s: taken over by another instance while still sending", row_id)
                return

    def _saver(self, row_id: int) -> Callable[[int], Awaitable[None]]:
        async def save(parts: int) -> None:
            await mark_parts_sent(self.database, row_id, self.worker, parts)

        return save

    async def run_forever(self, interval: float = 2.0) -> None:
        while True:
            try:
                handled = await self.run_once()
            except Exception:  # a database blip must not stop deliveries for good
                log.exception("dispatcher pass failed")
                handled = 0
            if not handled:
                await asyncio.sleep(interval)
