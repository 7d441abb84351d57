"""The scheduler's tick: obligations brought up to date, then what is due now queued.

Safe to run on every instance at once: each planned message has an idempotency key (per reminder
and day, per team and week), so two instances planning the same tick, or one planning again
after downtime, queue it once. On PostgreSQL a council's obligations are recomputed by one
instance at a time (an advisory lock); the others skip to the next council.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from policy.packs import Pack
from scheduling.charts import ChartPool
from scheduling.digests import monthly_summary, weekly_digests
from scheduling.locks import council_lock
from scheduling.obligations import Stats, refresh
from scheduling.reminders import plan_reminders
from storage.db import session_factory
from storage.housekeeping import sweep
from storage.models import Organisation
from storage.repositories.audit import SqlAudit
from storage.retention import erase, expired

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(
        self,
        database: AsyncEngine,
        packs: Mapping[str, Pack],
        clock: Callable[[], datetime],
        charts: ChartPool | None = None,
    ) -> None:
        self.database = database
        self.packs = packs
        self.clock = clock
        self.charts = charts or ChartPool(inline=True)
        self.stats = Stats()
        self._purged_on: dict[int, date] = {}
        self._swept_on: date | None = None
        self._reported: set[str] = set()

    async def tick(self) -> int:
        """Plan everything due now; returns how many new outbox rows were queued."""
        now = self.clock()
        added = 0
        async with session_factory(self.database)() as session:
            organisations = (await session.exec(select(Organisation))).all()
        for organisation in organisations:
            pack = self.packs.get(organisation.pack_id)
            if pack is None or organisation.id is None:
                log.error(
                    "organisation %s has unknown pack %s", organisation.slug, organisation.pack_id
                )
                continue
            added += await self._organisation(organisation, pack, now)
        await self._housekeeping(now)
        return added

    async def _organisation(self, organisation: Organisation, pack: Pack, now: datetime) -> int:
        """One council's tick; a failure is logged with the council named and the others go on."""
        assert organisation.id is not None
        today = now.astimezone(pack.zone).date()
        added = 0
        steps: tuple[tuple[str, Callable[[], Awaitable[int]]], ...] = (
            ("obligations", lambda: self._refresh(organisation.id or 0, pack, today)),
            ("reminders", lambda: plan_reminders(
                self.database, organisation.id or 0, pack, now, today, self.stats)),
            ("digests", lambda: weekly_digests(
                self.database, organisation.id or 0, pack, now, self.charts, self.stats)),
            ("summary", lambda: monthly_summary(
                self.database, organisation, pack, now, self.stats)),
            ("retention", lambda: self._retention(organisation.id or 0, organisation.slug, pack,
                                                  now)),
        )  # fmt: skip
        for name, step in steps:
            try:
                result = await step()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # One council's bad pack or data must not stop everyone else's reminders; the
                # next tick tries again, and the same failure is logged in full only once.
                failure = f"{organisation.slug}:{name}:{type(error).__name__}"
                if failure not in self._reported:
                    self._reported.add(failure)
                    log.exception("scheduler: %s failed for %s", name, organisation.slug)
                self.stats.failures.append(failure)
                continue
            if name in {"reminders", "digests", "summary"}:
                added += int(result or 0)
        return added

    async def _refresh(self, organisation_id: int, pack: Pack, today: date) -> int:
        async with council_lock(self.database, organisation_id) as mine:
            if not mine:
                return 0  # another instance is recomputing this council right now
            began = time.perf_counter()
            count = await refresh(self.database, organisation_id, pack, today, self.stats)
            if count:
                log.info(
                    "obligations: recomputed %s people of organisation %s in %.2f s",
                    count,
                    organisation_id,
                    time.perf_counter() - began,
                )
            return count

    async def _housekeeping(self, now: datetime) -> None:
        """Once a day: what is kept only for a while goes (storage/housekeeping.py). Several
        instances may each do it; deleting what is already gone changes nothing."""
        if self._swept_on == now.date():
            return
        async with session_factory(self.database)() as session:
            swept = await sweep(session, now)
            await session.commit()
        self._swept_on = now.date()
        if any(swept.values()):
            log.info("housekeeping: removed %s", swept)

    async def _retention(self, organisation_id: int, slug: str, pack: Pack, now: datetime) -> int:
        """Once a day: erase what is past the pack's retention period (legal holds kept)."""
        today = now.astimezone(pack.zone).date()
        if self._purged_on.get(organisation_id) == today:
            return 0
        async with session_factory(self.database)() as session:
            items = [
                i for i in await expired(session, organisation_id, pack, today) if not i.legal_hold
            ]
            if items:
                await erase(session, items)
                await SqlAudit(session).record(
                    actor_id=None,
                    action="erase",
                    subject_type="retention",
                    subject_id=slug,
                    target_staff_id=None,
                    reason=f"scheduled retention: {pack.retention.value}",
                    detail={"people": [i.staff_id for i in items]},
                )
                log.info("retention: erased %s people's records in %s", len(items), slug)
            await session.commit()
        self._purged_on[organisation_id] = today
        return 0

    async def run_forever(self, interval: float = 60.0) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("scheduler tick failed")
            await asyncio.sleep(interval)
