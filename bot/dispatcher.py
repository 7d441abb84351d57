"""Delivers outbox rows: claim, send through the platform's sender, mark; retry with backoff.

429 and 5xx are retried with exponential backoff, honouring Retry-After; after `max_attempts`
the row is dead-lettered and the admin is told. Any number of instances may run this loop.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.outbox import claim, mark_failed, mark_parts_sent, mark_sent, renew

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A send that failed; `retry_after` (seconds) when the platform said when to come back."""

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


@dataclass
class Progress:
    """Which parts of a message (a card, then its files; or several Teams activities) arrived
    in earlier attempts. A sender skips the first `done` parts and calls `sent` after each part
    lands, so a retry after a failed file upload never posts the card a second time."""

    done: int = 0
    save: Callable[[int], Awaitable[None]] | None = None

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
            assert row.id is not None
            sender = self.senders.get(row.platform)
            if not await renew(self.database, row.id, self.worker, self.clock(), self.lease):
                log.warning(
                    "outbox %s: lease lost before sending; left to the instance that has it", row.id
                )
                continue
            try:
                if sender is None:
                    raise DeliveryError(f"no sender for {row.platform}", permanent=True)
                progress = Progress(row.parts_sent, self._saver(row.id))
                await sender.send(row.target, row.kind, row.payload, progress)
            except DeliveryError as exc:
                attempts = row.attempts + 1
                retry = None
                if not exc.permanent and attempts < self.max_attempts:
                    retry = self.clock() + self.backoff(attempts, exc.retry_after)
                await mark_failed(self.database, row.id, self.worker, str(exc), retry)
                if retry is None:
                    log.error("outbox %s dead after %s attempts: %s", row.id, attempts, exc)
                    if self.on_dead is not None:
                        await self.on_dead(row.id, str(exc))
                continue
            await mark_sent(self.database, row.id, self.worker, self.clock())
        return len(rows)

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
