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

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from policy.packs import Pack
from scheduling.actions import chase_actions
from scheduling.agenda import send_agendas
from scheduling.caseload_notices import caseload_notices, has_notices
from scheduling.charts import ChartPool
from scheduling.digests import (
    Pipeline,
    digest_moment,
    monthly_summary,
    summary_done,
    weekly_digests,
)
from scheduling.locks import council_lock
from scheduling.obligations import Stats, refresh
from scheduling.reminders import plan_reminders
from scheduling.returns import workload_returns
from storage.db import session_factory
from storage.housekeeping import sweep
from storage.models import Obligation, ObligationState, Organisation
from storage.repositories.audit import SqlAudit
from storage.repositories.obligations import pack_fingerprint
from storage.retention import erase, expired

log = logging.getLogger(__name__)
BUSY = -1  # _refresh: another instance holds the council's lock


class Scheduler:
    def __init__(
        self,
        database: AsyncEngine,
        packs: Mapping[str, Pack],
        clock: Callable[[], datetime],
        charts: ChartPool | bool | None = None,
    ) -> None:
        self.database = database
        self.packs = packs
        self.clock = clock
        # None: drawn in this thread (tests); True: in a worker process (as `serve`); False: none.
        if isinstance(charts, ChartPool):
            self.charts = charts
        elif charts is None:
            self.charts = ChartPool(inline=True)
        else:
            self.charts = ChartPool(enabled=charts)
        self.stats = Stats()
        self._purged_on: dict[int, date] = {}
        self._swept_on: date | None = None
        self._reported: set[str] = set()
        # What this instance knows is done, so an idle tick does not ask again: the pack each
        # council's obligations were checked against, the week digested, the month summarised.
        self._fingerprints: dict[int, str] = {}
        self._digested: dict[int, str] = {}
        self._summarised: dict[int, str] = {}
        self._pipeline = Pipeline()  # digest batches still drawing, across councils (a tick's)
        self._chased: dict[int, date] = {}  # the day each council's open actions were asked about
        self._returned: dict[int, str] = {}  # each council's workload returns: checked once a day
        self._agendas: dict[int, date] = {}  # the day each council's next-day agendas were sent
        self._noticed: dict[int, date] = {}  # the day each council's caseload notices were checked

    async def tick(self) -> int:
        """Plan everything due now; returns how many new outbox rows were queued. A tick with
        nothing new reads two indexes and the councils' list, whatever the size of England."""
        now = self.clock()
        added = 0
        async with session_factory(self.database)() as session:
            organisations = (await session.exec(select(Organisation))).all()
        known = [(o, self.packs.get(o.pack_id)) for o in organisations if o.id is not None]
        for organisation, pack in known:
            if pack is None and organisation.slug not in self._reported:
                self._reported.add(organisation.slug)
                log.error(
                    "organisation %s has unknown pack %s", organisation.slug, organisation.pack_id
                )
        days = [now.astimezone(pack.zone).date() for _, pack in known if pack is not None]
        try:
            if days:
                stale, due = await self._what_changed(max(days))
                for organisation, pack in known:
                    if pack is not None:
                        added += await self._organisation(organisation, pack, now, stale, due)
                # The last councils' digest batches, drawn while the others were computed.
                added += await self._drain()
        finally:
            await self._pipeline.cancel()  # only after a failure is anything left
        await self._housekeeping(now)
        await self.charts.release()  # the chart worker lives only while a tick draws
        return added

    async def _drain(self) -> int:
        try:
            written = await self._pipeline.drain()
        except asyncio.CancelledError:
            raise
        except Exception:
            # Those councils are not marked digested: the next tick queues what is missing.
            log.exception("scheduler: digests failed while being written")
            self.stats.failures.append("digests:drain")
            return 0
        if written:
            await self.stats.checkpoint(self.database)
        return written

    async def _what_changed(self, today: date) -> tuple[set[int], set[int]]:
        """Councils with someone to recompute, and councils with a reminder to plan, today."""
        S, ob = ObligationState, Obligation
        stale = (
            select(col(S.organisation_id))
            .distinct()
            .where(
                or_(
                    col(S.computed) != col(S.changes),
                    col(S.valid_until).is_(None),
                    col(S.valid_until) <= today,
                )
            )
        )
        due = select(col(ob.organisation_id)).distinct().where(col(ob.next_plan) <= today)
        async with self.database.connect() as connection:
            return (
                set((await connection.execute(stale)).scalars()),
                set((await connection.execute(due)).scalars()),
            )

    async def _organisation(
        self, organisation: Organisation, pack: Pack, now: datetime, stale: set[int], due: set[int]
    ) -> int:
        """One council's tick; a failure is logged with the council named and the others go on."""
        org = organisation.id or 0
        today = now.astimezone(pack.zone).date()
        fingerprint = pack_fingerprint(pack)
        week = digest_moment(pack, now)[0].isoformat()
        month = f"{now.astimezone(pack.zone):%Y-%m}"
        added = 0
        steps: list[tuple[str, Callable[[], Awaitable[int]]]] = []
        if org in stale or self._fingerprints.get(org) != fingerprint:
            steps.append(("obligations", lambda: self._refresh(org, pack, today, fingerprint)))
        if org in due or org in stale:
            steps.append(("reminders", lambda: plan_reminders(
                self.database, org, pack, now, today, self.stats)))  # fmt: skip
        if self._digested.get(org) != week:
            steps.append(("digests", lambda: self._digests(org, pack, now, week)))
        if self._summarised.get(org) != month:
            steps.append(("summary", lambda: self._summary(organisation, pack, now, month)))
        if self._chased.get(org) != today:
            steps.append(("actions", lambda: self._actions(org, pack, now, today)))
        if pack.returns and self._returned.get(org) != today.isoformat():
            steps.append(("returns", lambda: self._returns(organisation, pack, now, today)))
        if self._agendas.get(org) != today:
            steps.append(("agendas", lambda: self._agenda(org, pack, now, today)))
        if has_notices(pack) and self._noticed.get(org) != today:
            steps.append(("notices", lambda: self._notices(organisation, pack, now, today)))
        steps.append(("retention", lambda: self._retention(org, organisation.slug, pack, now)))
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
            if name == "obligations" and result == BUSY:
                # Another instance is recomputing this council: what is stored may be about to
                # change, so planning from it now could queue a reminder already answered.
                return added
            if name in {
                "reminders", "digests", "summary", "actions", "returns", "agendas", "notices",
            }:  # fmt: skip
                added += int(result or 0)
            if name != "retention" and result:
                # After a step that wrote, SQLite's WAL goes back into the database here,
                # between transactions, rather than inside the next commit.
                await self.stats.checkpoint(self.database)
        return added

    async def _digests(self, org: int, pack: Pack, now: datetime, week: str) -> int:
        """This week's digests; once every team has had it, later ticks skip the council."""
        if now < digest_moment(pack, now)[1]:
            return 0

        def done(every_team: bool) -> None:
            # Once every team's rows are written (some after this returns, see Pipeline).
            if every_team:
                self._digested[org] = week

        return await weekly_digests(
            self.database, org, pack, now, self.charts, self.stats, self._pipeline, done
        )

    async def _actions(self, org: int, pack: Pack, now: datetime, today: date) -> int:
        """Once a day: the owners of open actions asked about them (issue 27)."""
        added = await chase_actions(self.database, org, pack, now, today, self.stats)
        self._chased[org] = today
        return added

    async def _agenda(self, org: int, pack: Pack, now: datetime, today: date) -> int:
        """Once a day: tomorrow's supervisions' agendas to their parties (issue 27)."""
        added = await send_agendas(self.database, org, pack, self.packs, now, today, self.stats)
        self._agendas[org] = today
        return added

    async def _summary(
        self, organisation: Organisation, pack: Pack, now: datetime, month: str
    ) -> int:
        added = await monthly_summary(self.database, organisation, pack, now, self.stats)
        if summary_done(pack, now):
            self._summarised[organisation.id or 0] = month
        return added

    async def _returns(
        self, organisation: Organisation, pack: Pack, now: datetime, today: date
    ) -> int:
        """Issue 25 item 2: the workload returns due to be produced today (scheduling.returns)."""
        added = await workload_returns(self.database, organisation, pack, now, self.stats)
        self._returned[organisation.id or 0] = today.isoformat()
        return added

    async def _notices(
        self, organisation: Organisation, pack: Pack, now: datetime, today: date
    ) -> int:
        """Once a day: caseload notices to the manager responsible (WSX/LUT 001:93, a team
        above the average; CAP003 003:64, a flagged allocation), each queued once."""
        added = await caseload_notices(self.database, organisation, pack, now, self.stats)
        self._noticed[organisation.id or 0] = today
        return added

    async def _refresh(
        self, organisation_id: int, pack: Pack, today: date, fingerprint: str
    ) -> int:
        async with council_lock(self.database, organisation_id) as mine:
            if not mine:
                return BUSY  # another instance is recomputing this council right now
            began = time.perf_counter()
            count = await refresh(self.database, organisation_id, pack, today, self.stats)
            self._fingerprints[organisation_id] = fingerprint
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
                    at=now,
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
