"""Weekly digests for every team against the floor: one hand-written SQL aggregate query.

Three ways in, over one database: the scheduler's tick as it runs (reminders, digests, charts,
outbox), the same tick without charts (a subclass: bot/ is not touched), and the digest values
and cards alone (policy.digest.team_digest + dialogs.digest_card over SqlFacts). Run as a script,
one process per fraction, so the peak memory it reports belongs to that fraction alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from england import NOW, RECORD_KEY, ensure, working_copy
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.scheduler import Scheduler, digest_moment
from dialogs.digest_card import digest_card
from policy.digest import TeamDigest, team_digest
from policy.grouping import ByPerson
from policy.history import SessionIndex
from policy.packs import Pack, builtin_pack, builtin_pack_ids
from scheduling.charts import ChartPool
from scheduling.digests import team_digests
from scheduling.obligations import Stats, refresh
from storage import crypto
from storage.db import create_engine, session_factory
from storage.models import Organisation, Team
from storage.queries import digest_months, kept_monthly_compliance
from storage.repositories.facts import SqlFacts

# The floor: staff in each team, and how many of them had a held session last month.
FLOOR = text(
    """
    SELECT st.team_id, COUNT(*) AS staff,
           SUM(EXISTS (SELECT 1 FROM sessionattendee a
                       JOIN supervisionsession s ON s.id = a.session_id
                       WHERE a.staff_id = st.id AND s.status = 'held'
                         AND s.planned_start >= :start AND s.planned_start < :end)) AS supervised
    FROM staff st WHERE st.team_id IS NOT NULL
    GROUP BY st.team_id
    """
)


class Tick(Scheduler):
    """The real scheduler, optionally without charts or limited to some organisations (each
    per-organisation step it takes is skipped for the others; keep in step with scheduling/)."""

    def __init__(
        self,
        database: AsyncEngine,
        packs: dict[str, Pack],
        *,
        charts: bool = True,
        only: set[int] | None = None,
    ) -> None:
        super().__init__(
            database, packs, lambda: NOW, charts=ChartPool(inline=True, enabled=charts)
        )
        self.only = only

    async def _organisation(
        self, organisation: Any, pack: Pack, now: datetime, stale: set[int], due: set[int]
    ) -> int:
        if self.only is not None and organisation.id not in self.only:
            return 0
        return await super()._organisation(organisation, pack, now, stale, due)


async def digests_from_store(database: Path, packs: dict[str, Pack]) -> dict[str, Any]:
    """What the scheduler now does for a Monday's digests without charts: every team's digest
    from the stored obligations and the set-based figures, and its card. The obligations are
    brought up to date first (not timed: that is the daily work, not the digest's)."""
    copy = working_copy(database)
    engine = create_engine(f"sqlite+aiosqlite:///{copy}")
    try:
        async with session_factory(engine)() as session:
            organisations = (await session.exec(select(Organisation))).all()
            teams = {
                t.id: t.name for t in (await session.exec(select(Team))).all() if t.id is not None
            }
        stats = Stats()
        for organisation in organisations:
            pack = packs[organisation.pack_id]
            today = NOW.astimezone(pack.zone).date()
            await refresh(engine, organisation.id or 0, pack, today, stats)
        await keep_closed_months(engine, packs, [o.id or 0 for o in organisations], stats)
        began = time.perf_counter()
        cards = 0
        for organisation in organisations:
            pack = packs[organisation.pack_id]
            day, _ = digest_moment(pack, NOW)
            today = NOW.astimezone(pack.zone).date()
            built = await team_digests(engine, organisation.id or 0, pack, day, today)
            for team_id, (digest, names) in built.items():
                digest_card(digest, teams[team_id], names)
                cards += 1
        seconds = time.perf_counter() - began
    finally:
        await engine.dispose()
        copy.unlink(missing_ok=True)
    return {"seconds": round(seconds, 3), "teams": cards, "recomputed_first": stats.recomputed}


async def keep_closed_months(
    engine: AsyncEngine, packs: dict[str, Pack], organisations: list[int], stats: Stats
) -> float:
    """What last Monday's digests left: each council's closed months counted and kept
    (storage.queries.tallies), as a deployment running for more than a week has them; this
    Monday then counts only the months not yet closed (after a month's end, also the one that
    just closed). Returns the seconds it took."""
    began = time.perf_counter()
    last_week = NOW.date() - timedelta(days=7)
    async with engine.connect() as connection:
        pack_ids = dict(
            (await connection.execute(select(Organisation.id, Organisation.pack_id))).all()
        )
    for organisation_id in organisations:
        pack = packs[pack_ids[organisation_id]]
        await kept_monthly_compliance(
            engine, organisation_id, pack, digest_months(pack, last_week), last_week,
            timed=stats.write,
        )  # fmt: skip
    return time.perf_counter() - began


def _packs() -> dict[str, Pack]:
    return {pack_id: builtin_pack(pack_id) for pack_id in builtin_pack_ids()}


async def sql_floor(engine: AsyncEngine, repeat: int = 3) -> dict[str, Any]:
    start, end = "2026-10-01 00:00:00", "2026-11-01 00:00:00"
    best, rows = float("inf"), []
    for _ in range(repeat):
        began = time.perf_counter()
        async with engine.connect() as connection:
            rows = (await connection.execute(FLOOR, {"start": start, "end": end})).all()
        best = min(best, time.perf_counter() - began)
    supervised = sum(int(r.supervised) for r in rows)
    return {"seconds": round(best, 4), "teams": len(rows), "supervised_last_month": supervised}


async def digests_alone(engine: AsyncEngine, packs: dict[str, Pack]) -> dict[str, Any]:
    """team_digest + digest_card for every team, inputs read per organisation with SqlFacts."""
    load = compute = 0.0
    cards = 0
    async with session_factory(engine)() as session:
        organisations = (await session.exec(select(Organisation))).all()
        for organisation in organisations:
            assert organisation.id is not None
            pack = packs[organisation.pack_id]
            day, _ = digest_moment(pack, NOW)
            today = NOW.astimezone(pack.zone).date()
            began = time.perf_counter()
            inputs = await SqlFacts(session).for_organisation(organisation.id, today)
            teams = (
                await session.exec(select(Team).where(Team.organisation_id == organisation.id))
            ).all()
            loaded = time.perf_counter()
            index = SessionIndex(inputs.sessions, pack.zone)
            names = {s.id: s.name for s in inputs.staff}
            grouped = ByPerson.of(inputs.staff, inputs.cases, inputs.absences)
            for team in teams:
                assert team.id is not None
                digest: TeamDigest = team_digest(
                    team.id,
                    pack,
                    inputs.staff,
                    index,
                    inputs.absences,
                    inputs.cases,
                    inputs.caseload_counts,
                    inputs.approvals,
                    day,
                    grouped=grouped,
                )
                digest_card(digest, team.name, names)
                cards += 1
            load += loaded - began
            compute += time.perf_counter() - loaded
    return {
        "seconds": round(load + compute, 3),
        "load_seconds": round(load, 3),
        "compute_seconds": round(compute, 3),
        "teams": cards,
    }


async def tick(
    database: Path, packs: dict[str, Pack], *, charts: bool, only: set[int] | None = None
) -> dict[str, Any]:
    """One scheduler tick on a fresh copy (a second tick would find this week's digests queued)."""
    copy = working_copy(database)
    engine = create_engine(f"sqlite+aiosqlite:///{copy}")
    try:
        scheduler = Tick(engine, packs, charts=charts, only=only)
        began = time.perf_counter()
        queued = await scheduler.tick()
        seconds = time.perf_counter() - began
        async with engine.connect() as connection:
            digests = (
                await connection.execute(
                    text("SELECT COUNT(*) FROM outboxmessage WHERE kind = 'digest'")
                )
            ).scalar_one()
    finally:
        await engine.dispose()
        copy.unlink(missing_ok=True)
    return {"seconds": round(seconds, 3), "queued": queued, "digests": digests}


async def samples(engine: AsyncEngine) -> tuple[set[int], int, int, int]:
    """The smallest organisation of each pack (the tick's cost differs by pack, and packs are
    dealt to councils in turn) with their teams, and the smallest organisation of all with its
    teams (charts cost the same per team wherever they are drawn)."""
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                text(
                    "SELECT t.organisation_id, o.pack_id, COUNT(*) FROM team t"
                    " JOIN organisation o ON o.id = t.organisation_id GROUP BY 1, 2 ORDER BY 3, 1"
                )
            )
        ).all()
    smallest: dict[str, tuple[int, int]] = {}
    for organisation_id, pack_id, teams in rows:
        smallest.setdefault(pack_id, (int(organisation_id), int(teams)))
    chosen = {organisation_id for organisation_id, _ in smallest.values()}
    return chosen, sum(t for _, t in smallest.values()), int(rows[0][0]), int(rows[0][2])


async def measure(database: Path, full_tick: bool) -> dict[str, Any]:
    """The floor and the digests alone over every team; the scheduler's tick over a sample of
    councils, scaled up per team (`full_tick` also runs the tick without charts over every
    team, which checks that scaling)."""
    packs = _packs()
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        floor = await sql_floor(engine)
        alone = await digests_alone(engine, packs)
        sampled, sampled_teams, chart_org, chart_teams = await samples(engine)
    finally:
        await engine.dispose()
    without = await tick(database, packs, charts=False, only=sampled)
    chart_without = await tick(database, packs, charts=False, only={chart_org})
    chart_as_is = await tick(database, packs, charts=True, only={chart_org})
    teams = alone["teams"]
    without_estimate = without["seconds"] / sampled_teams * teams
    charts_per_team = max(0.0, chart_as_is["seconds"] - chart_without["seconds"]) / chart_teams
    from_store = await digests_from_store(database, packs)
    result = {
        "teams": teams,
        "sql_floor": floor,
        "digests_alone": alone,
        "digests_from_store": from_store,
        "from_store_over_floor": round(from_store["seconds"] / max(floor["seconds"], 1e-9), 1),
        "tick_sample": {
            "organisations": sorted(sampled),
            "teams": sampled_teams,
            "without_charts": without,
            "charts_organisation": chart_org,
            "charts_teams": chart_teams,
            "charts_org_without_charts": chart_without,
            "charts_org_as_is": chart_as_is,
            "charts_seconds_per_team": round(charts_per_team, 4),
        },
        "tick_without_charts_estimate_s": round(without_estimate, 2),
        "tick_as_is_estimate_s": round(without_estimate + charts_per_team * teams, 2),
    }
    if full_tick:
        result["tick_without_charts_all_teams"] = await tick(database, packs, charts=False)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fraction", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--full-tick", action="store_true", help="also run the tick without charts on every team"
    )
    args = parser.parse_args()
    crypto.configure(RECORD_KEY)
    database, _ = ensure(args.fraction, args.seed)
    began = time.perf_counter()
    result = asyncio.run(measure(database, args.full_tick))
    result["fraction"] = args.fraction
    result["seconds"] = round(time.perf_counter() - began, 2)
    result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
