"""The band chart's caseworkers, read where the chart is drawn (issue 18).

Scoring a team for its caseloads-by-band chart needs each caseworker with their open cases and
personal elements: at England scale, 22,000 people and 330,000 cases every Monday. Read in the
scheduler, that reading and the pickling of it to the chart worker were most of the scheduler's
own CPU on a Monday; so a chart worker reads its batch's teams itself, from the same database,
with the council's case counts sent along (`Roster`), and the scheduler's process computes the
next council meanwhile. Only the columns scoring needs are read: no record content, nothing
encrypted, so the worker needs no key.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from scheduling.charts import ChartRequest, Member
from storage.db import create_engine, session_factory
from storage.models import Staff
from storage.repositories.facts import SqlFacts
from storage.repositories.mapping import staff_view
from storage.repositories.people import SqlCases

# What staff_view reads, as columns: the ORM row would decrypt each person's note too.
_STAFF = (
    col(Staff.id), col(Staff.organisation_id), col(Staff.name), col(Staff.email),
    col(Staff.role), col(Staff.team_id), col(Staff.line_manager_id), col(Staff.grade),
    col(Staff.fte), col(Staff.agency), col(Staff.asye_start), col(Staff.start_date),
    col(Staff.leaving_date),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Roster:
    """Where the band chart's caseworkers are read: the database's URL and each caseworker's
    open case count on the day (the council's, counted once by the scheduler; a caseworker
    without one is not charted)."""

    url: str
    counts: Mapping[int, int]


async def members_of(
    database: AsyncEngine, team_ids: Sequence[int], counts: Mapping[int, int], today: date
) -> dict[int, tuple[Member, ...]]:
    """Each team's caseworkers with what scoring them needs, for a few teams in three queries."""
    async with session_factory(database)() as session:
        connection = await session.connection()
        rows = await connection.execute(
            select(*_STAFF).where(col(Staff.team_id).in_(list(team_ids))).order_by(col(Staff.id))
        )
        everyone = [staff_view(cast("Row[Any]", row)) for row in rows.all()]
        chosen = [m for m in everyone if not m.role.is_manager and m.id in counts]
        ids = [m.id for m in chosen]
        held = await SqlCases(session).open_cases_of(ids, today)
        personal = await SqlFacts(session).personal_elements(ids, today)
    found: dict[int, list[Member]] = defaultdict(list)
    for m in chosen:
        if m.team_id is not None:
            found[m.team_id].append(Member(m, tuple(held[m.id]), counts[m.id], personal[m.id]))
    return {team_id: tuple(members) for team_id, members in found.items()}


async def with_members(
    database: AsyncEngine, requests: Sequence[ChartRequest], counts: Mapping[int, int], on: date
) -> list[ChartRequest]:
    """The requests with their teams' caseworkers filled in (a request with no team: as is)."""
    ids = [r.team_id for r in requests if r.team_id is not None]
    found = await members_of(database, ids, counts, on) if ids else {}
    return [
        dataclasses.replace(r, members=found.get(r.team_id, ())) if r.team_id is not None else r
        for r in requests
    ]


class Reader:
    """A chart worker's reading: one event loop and one engine per database for the worker's
    life (its batches come one at a time, from the scheduler that started it)."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._engines: dict[str, AsyncEngine] = {}

    def with_members(
        self, requests: Sequence[ChartRequest], roster: Roster, on: date
    ) -> list[ChartRequest]:
        engine = self._engines.get(roster.url)
        if engine is None:
            engine = self._engines[roster.url] = create_engine(roster.url)
        return self._loop.run_until_complete(with_members(engine, requests, roster.counts, on))

    def close(self) -> None:
        for engine in self._engines.values():
            self._loop.run_until_complete(engine.dispose())
        self._engines.clear()
        self._loop.close()
