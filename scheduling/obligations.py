"""Each person's obligations kept current: recomputed only for people whose facts or day changed.

A person is recomputed when a trigger has marked a fact of theirs changed (storage/models/
obligations.py), when the day comes on which only the clock changes what they owe
(policy.obligations.stable_until), or when their council's pack changed. Everyone else is left as
stored, so a tick costs what changed, not the size of the organisation. Reads happen outside any
write transaction; each batch's results are written in one short transaction.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from policy.calendar import WorkingCalendar
from policy.grouping import ByPerson
from policy.history import SessionIndex
from policy.obligations import (
    due_items,
    history_window,
    missed_since,
    missed_supervision,
    stable_until,
)
from policy.packs import Pack
from storage.db import checkpoint, session_factory
from storage.models import Obligation, ObligationState
from storage.repositories.facts import SqlFacts
from storage.repositories.obligations import missed_json, pack_fingerprint

log = logging.getLogger(__name__)

BATCH = 100  # people per recompute: one read, then short write transactions
PEOPLE_PER_WRITE = 25  # people whose obligations one write transaction replaces (under 50 ms)
SAFETY_NET_DAYS = 21  # everyone is recomputed from scratch within three to five weeks anyway


class _Deferral:
    """gc.disable() while any write is open (nested or on several threads); collection comes
    back when the last one ends, and only if it was on before the first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open = 0
        self._was_on = True

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._open == 0:
                self._was_on = gc.isenabled()
                gc.disable()
            self._open += 1
        try:
            yield
        finally:
            with self._lock:
                self._open -= 1
                if self._open == 0 and self._was_on:
                    gc.enable()


_collections_deferred = _Deferral()


@dataclass
class Stats:
    """What the scheduler did, for the log and the benchmark."""

    recomputed: int = 0
    planned: int = 0
    queued: int = 0
    max_write_ms: float = 0.0
    writes: int = 0
    failures: list[str] = field(default_factory=list)
    reported: set[str] = field(default_factory=set)

    def failed(self, what: str, error: Exception) -> None:
        """One person's or team's failure: logged in full the first time only, then counted.
        What failed stays as it was (stale, unqueued) and the next tick tries it again."""
        failure = f"{what}: {type(error).__name__}"
        self.failures.append(failure)
        if failure not in self.reported:
            self.reported.add(failure)
            log.error("scheduler: %s failed; everyone else carries on", what, exc_info=error)

    slowest: str = ""
    over_10ms: int = 0
    checkpoints: int = 0
    max_checkpoint_ms: float = 0.0

    async def checkpoint(self, database: AsyncEngine) -> None:
        """SQLite's WAL back into the database now, between writes (storage.db.checkpoint): no
        writer waits on it, and it is timed apart from the writes so that those are the locks'
        times. Nothing on PostgreSQL."""
        began = time.perf_counter()
        if await checkpoint(database):
            self.checkpoints += 1
            took = (time.perf_counter() - began) * 1000
            self.max_checkpoint_ms = max(self.max_checkpoint_ms, took)

    @contextlib.contextmanager
    def write(self, what: str = "") -> Iterator[None]:
        """Around one write transaction: timed (`wrote`), and with Python's cyclic garbage
        collector held off until it ends, so that no collection runs while the transaction
        holds the lock (a full collection over a Monday's working set took up to 260 ms at
        0.1x England, inside a 10-row write; it now runs just after the commit)."""
        began = time.perf_counter()
        with _collections_deferred():
            yield
        self.wrote(began, what)

    def wrote(self, began: float, what: str = "") -> None:
        """A write transaction ended (its commit returned): the longest is what held other
        writers up the longest. On SQLite the scheduler's own engine does not checkpoint on
        commit (`checkpoint`); an engine that does (a test's) can make a commit that crosses
        the WAL's size longer than the lock was held."""
        self.writes += 1
        took = (time.perf_counter() - began) * 1000
        self.over_10ms += took > 10
        if took > self.max_write_ms:
            self.max_write_ms, self.slowest = took, what


def first_reminder_day(due: date | None, pack: Pack, today: date) -> date | None:
    """The first day a reminder may go for an item due on `due` (dialogs.reminders plans it)."""
    if due is None:
        return None  # "as soon as possible" (DCC 000:103): no date to remind against
    ahead = max(pack.reminders.days_before_due, default=0)
    return max(today, due - timedelta(days=ahead))


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def stale_people(
    database: AsyncEngine, organisation_id: int, pack: Pack, today: date
) -> list[tuple[int, int]]:
    """(staff id, changes seen) of everyone in the organisation whose obligations need
    recomputing today."""
    S = ObligationState
    query = select(col(S.staff_id), col(S.changes)).where(
        col(S.organisation_id) == organisation_id,
        or_(
            col(S.computed) != col(S.changes),
            col(S.valid_until).is_(None),
            col(S.valid_until) <= today,
            col(S.pack_fingerprint) != pack_fingerprint(pack),
        ),
    )
    async with database.connect() as connection:
        return [(int(a), int(b)) for a, b in (await connection.execute(query)).all()]


async def _write(
    make: Any,
    states: Sequence[dict[str, Any]],
    rows: dict[int, list[dict[str, Any]]],
    stats: Stats,
) -> None:
    """A few people's new obligations and states, in one short write transaction."""
    ids = [state["sid"] for state in states]
    mine = [row for staff_id in ids for row in rows.get(staff_id, ())]
    with stats.write(f"obligations of {len(states)} people"):
        async with make() as session:
            connection = await session.connection()
            await connection.execute(delete(Obligation).where(col(Obligation.staff_id).in_(ids)))
            if mine:
                await connection.execute(insert(Obligation), mine)
            S = ObligationState.__table__  # type: ignore[attr-defined]
            await connection.execute(
                update(S)
                .where(S.c.staff_id == bindparam("sid"))
                .values(
                    computed=bindparam("seen"),
                    computed_on=bindparam("on"),
                    valid_until=bindparam("until"),
                    pack_fingerprint=bindparam("fp"),
                    missed=bindparam("missed"),
                ),
                list(states),
            )
            await session.commit()


async def refresh(
    database: AsyncEngine, organisation_id: int, pack: Pack, today: date, stats: Stats
) -> int:
    """Recompute everyone in the organisation whose obligations are stale; returns how many."""
    stale = await stale_people(database, organisation_id, pack, today)
    if not stale:
        return 0
    fingerprint = pack_fingerprint(pack)
    calendar = WorkingCalendar(pack.nation)
    since = today - history_window(pack)
    make = session_factory(database)
    for batch in _chunks(stale, BATCH):
        ids = [staff_id for staff_id, _ in batch]
        async with make() as session:  # read only: no write lock is taken
            facts = SqlFacts(session)
            inputs = await facts.for_staff(ids, today, history_from=since)
            later = await facts.later_case_changes(ids, today)
        index = SessionIndex(inputs.sessions, pack.zone)
        grouped = ByPerson.of(inputs.staff, inputs.cases, inputs.absences)
        rows: list[dict[str, Any]] = []
        states: list[dict[str, Any]] = []
        seen = dict(batch)
        for person in inputs.staff:
            mine = grouped.cases_of(person.id)
            horizon = today + timedelta(days=SAFETY_NET_DAYS + person.id % 14)
            try:
                away = grouped.absences_of(person.id)
                items = due_items(person, pack, index, away, mine, today, calendar)
                changes = later.get(person.id, ())
                until = stable_until(person, pack, index, mine, changes, today, horizon, items)
                # Kept for "what's due" with the obligations (issue 24 item 1): the months that
                # close as the obligations move on do so on a day stable_until stops at.
                missed = missed_supervision(
                    person, pack, index, away, mine, today, missed_since(today)
                )
            except Exception as error:  # one person's data must not stop the council's
                where = f"obligations of staff {person.id} (organisation {organisation_id})"
                stats.failed(where, error)
                ids.remove(person.id)  # their stored obligations stay until they compute
                continue
            rows += [
                {
                    "staff_id": person.id,
                    "organisation_id": organisation_id,
                    "team_id": person.team_id,
                    "kind": item.kind,
                    "description": item.description[:300],
                    "source": item.source,
                    "case_reference": item.case_reference,
                    "session_id": item.session_id,
                    "record_kind": item.record_kind,
                    "due": item.due,
                    "next_plan": first_reminder_day(item.due, pack, today),
                }
                for item in items
            ]
            states.append(
                {
                    "sid": person.id,
                    "seen": seen[person.id],
                    "on": today,
                    "until": until,
                    "fp": fingerprint,
                    "missed": missed_json(missed),
                }
            )
        by_person: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            by_person[row["staff_id"]].append(row)
        for part in _chunks(states, PEOPLE_PER_WRITE):
            await _write(make, part, by_person, stats)
        stats.recomputed += len(states)
    return len(stale)
