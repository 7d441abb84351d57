"""Monthly compliance with closed months read from stored tallies (storage.models.tallies).

The weekly digest's trend covers the pack's trend periods (thirteen months): recounting them all
for every council every Monday was a third of the digests' SQL at 0.1x England, for months whose
facts had not changed. A month before last month is counted once, kept, and read back; the
triggers in storage.tally_triggers delete it (and the months after) when a fact in it changes,
and it is counted again the next time a digest needs it. This month and last month are always
counted live: records of last month are still being written and signed.

Counting a month and keeping it must not keep a count that a concurrent change made stale:
1. the counter claims the month (a row with a token and no counts) in a short transaction that,
   on PostgreSQL, first takes SHARE locks on the counted tables: it waits (at most
   `CLAIM_WAIT_MS`, else nothing is kept this time) until every transaction that has already
   changed them has ended, so a change either committed before the claim (and the count sees it)
   or fires its trigger after the claim (and deletes it); on SQLite writers take turns anyway;
2. it counts, in a statement that starts after the claim committed;
3. it writes the counts only onto its own claim still standing (`token`, `counts IS NULL`).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import date

from sqlalchemy import select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from policy.calendar import month_from_index, month_index
from policy.packs.schema import Pack
from storage.models import ComplianceTally
from storage.models.base import utcnow
from storage.queries.compliance import (
    Counted,
    MonthlyCompliance,
    _counted,
    _listed,
    _reports,
)

# Bumped when what the counting statement counts changes: every kept month is recounted.
TALLY_VERSION = 1
CLAIM_WAIT_MS = 50  # PostgreSQL: how long a claim waits for writers before giving up
_COUNTED_TABLES = (
    "supervisionsession", "sessionattendee", "absence", "missedmonth", "staff", "organisation",
)  # fmt: skip

Timed = Callable[[str], AbstractContextManager[None]]


def tally_fingerprint(pack: Pack) -> str:
    """The pack's rules a month's count depends on: a pack edit to them recounts the months."""
    rules = {
        "version": TALLY_VERSION,
        "compliance": pack.compliance.model_dump(mode="json"),
        "asye": pack.asye.model_dump(mode="json") if pack.asye else None,
        "zone": str(pack.zone),
    }
    return hashlib.sha256(json.dumps(rules, sort_keys=True).encode()).hexdigest()[:32]


def closed_before(on: date) -> date:
    """The first month counted live on `on`: last month (months before it are kept)."""
    return month_from_index(month_index(on) - 1)


async def kept_monthly_compliance(
    database: AsyncEngine,
    organisation_id: int,
    pack: Pack,
    months: Sequence[date],
    on: date,
    *,
    people_in: Sequence[date] = (),
    timed: Timed | None = None,
) -> MonthlyCompliance:
    """As storage.queries.monthly_compliance_sql, with the months before last month (as of
    `on`) read from their kept tallies, and counted and kept when they have none. `timed`
    wraps each write transaction (the scheduler times them)."""
    firsts = sorted({d.replace(day=1) for d in months})
    if not firsts:
        return MonthlyCompliance({})
    live_from = closed_before(on)
    closed = [m for m in firsts if m < live_from]
    fingerprint = tally_fingerprint(pack)
    kept: dict[date, list[Counted]] = {}
    if closed:
        async with database.connect() as connection:
            for month, counts in (
                await connection.execute(
                    select(col(ComplianceTally.month), col(ComplianceTally.counts)).where(
                        col(ComplianceTally.organisation_id) == organisation_id,
                        col(ComplianceTally.month).in_(closed),
                        col(ComplianceTally.fingerprint) == fingerprint,
                        col(ComplianceTally.counts).is_not(None),
                    )
                )
            ).all():
                kept[month] = [_row(r) for r in json.loads(counts or "[]")]
    missing = [m for m in closed if m not in kept]
    token = (
        await _claim(database, organisation_id, missing, fingerprint, timed) if missing else None
    )
    counting = [m for m in firsts if m not in kept]
    rows: list[Counted] = [r for found in kept.values() for r in found]
    async with database.connect() as connection:
        if counting:
            rows += await _counted(connection, organisation_id, pack, counting)
        lists = await _listed(connection, organisation_id, pack, firsts, False, people_in)
    if token is not None:
        await _keep(database, organisation_id, missing, token, rows, timed)
    return _reports(pack, firsts, rows, lists)


def _row(values: Sequence[object]) -> Counted:
    m, team_id, service, grp, x, r, s, n = values
    return (int(m), int(team_id), str(service), str(grp), bool(x), bool(r), bool(s), int(n))  # type: ignore[call-overload]


async def _claim(
    database: AsyncEngine,
    organisation_id: int,
    months: Sequence[date],
    fingerprint: str,
    timed: Timed | None,
) -> str | None:
    """Claim the months for counting (replacing a stale claim or a count under other rules);
    None when PostgreSQL's writers did not let go in time (the months are counted, not kept)."""
    token = secrets.token_hex(16)
    values = [
        {
            "organisation_id": organisation_id,
            "month": month,
            "fingerprint": fingerprint,
            "token": token,
            "counts": None,
            "computed_at": utcnow(),
        }
        for month in months
    ]
    postgres = database.dialect.name == "postgresql"
    insert = (postgresql if postgres else sqlite).insert(ComplianceTally)
    claim = insert.values(values).on_conflict_do_update(
        index_elements=["organisation_id", "month"],
        set_={
            "fingerprint": insert.excluded.fingerprint,
            "token": insert.excluded.token,
            "counts": None,
            "computed_at": insert.excluded.computed_at,
        },
    )
    with timed("claiming months to count") if timed else nullcontext():
        async with database.begin() as connection:
            if postgres:
                await connection.execute(text(f"SET LOCAL lock_timeout = '{CLAIM_WAIT_MS}ms'"))
                try:
                    async with connection.begin_nested():
                        tables = ", ".join(f'"{t}"' for t in _COUNTED_TABLES)
                        await connection.execute(text(f"LOCK TABLE {tables} IN SHARE MODE"))
                except DBAPIError:
                    return None  # writers still busy: count now, keep another time
            await connection.execute(claim)
    return token


async def _keep(
    database: AsyncEngine,
    organisation_id: int,
    months: Sequence[date],
    token: str,
    rows: Sequence[Counted],
    timed: Timed | None,
) -> None:
    """Write each claimed month's counts, onto the claim only if no change deleted it."""
    by_month: dict[int, list[Counted]] = {month_index(m): [] for m in months}
    for row in rows:
        if row[0] in by_month:
            by_month[row[0]].append(row)
    T = ComplianceTally
    with timed(f"keeping {len(months)} months' counts") if timed else nullcontext():
        async with database.begin() as connection:
            for month in months:
                await connection.execute(
                    update(T)
                    .where(
                        col(T.organisation_id) == organisation_id,
                        col(T.month) == month,
                        col(T.token) == token,
                        col(T.counts).is_(None),
                    )
                    .values(counts=json.dumps(by_month[month_index(month)]), computed_at=utcnow())
                )
