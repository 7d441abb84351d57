"""Where the day's first tick goes (issue 18): process CPU per step, and a profile.

    python bench/profile_tick.py                      # 0.1x, three runs, CPU per step
    python bench/profile_tick.py --fraction 0.01 --runs 5
    python bench/profile_tick.py --profile --top 40   # one run under cProfile

The data is bench/england.py's for the fraction, with everyone's obligations computed once
(bench_scheduler.prime, as a running deployment has them), kept in bench/data/work/ between
runs and rebuilt when the source file changes. Each run copies it, then runs
`Scheduler(engine, packs, clock).tick()` at Monday 08:59 London (the day's first tick: reminders,
agendas, open actions, returns, notices, the monthly summary, retention, housekeeping) with no
charts. Each step's process CPU (every thread: aiosqlite's included) and wall time are summed
over the councils; steps run one after another, so each is charged only its own work.
`--profile` runs one tick under cProfile (the main thread only: SQLite's own work on aiosqlite's
thread shows there as waiting) and prints the functions with the most cumulative and own time.
Prints one JSON object last. Nothing here is timed against a goal.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import importlib
import inspect
import io
import json
import pstats
import shutil
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_scheduler import PRIME, _packs, prime
from england import DATA, RECORD_KEY, ensure
from sqlalchemy import event, func
from sqlmodel import select

import scheduling.scheduler as module
from scheduling.obligations import Stats
from scheduling.scheduler import Scheduler
from storage import crypto
from storage.db import create_engine, session_factory
from storage.models import OutboxMessage

# The tick's steps, by the name each has in scheduling.scheduler (module functions it calls).
STEPS = (
    "refresh",
    "plan_reminders",
    "send_agendas",
    "chase_actions",
    "workload_returns",
    "caseload_notices",
    "monthly_summary",
    "weekly_digests",
)
METHODS = ("_retention", "_housekeeping")
# Parts of the two largest steps, timed inside them ("of which"): module, name.
PARTS = (
    ("scheduling.reminders", "plan_for_person"),
    ("scheduling.reminders", "destinations_of"),
    ("scheduling.reminders", "sealed"),
    ("scheduling.reminders", "enqueue_many"),
    ("scheduling.agenda", "read_ahead"),
    ("scheduling.agenda", "agenda_card"),
    ("scheduling.agenda", "destinations_of"),
    ("scheduling.agenda", "sealed"),
    ("scheduling.agenda", "enqueue_many"),
)


class Meter:
    """CPU, wall time and SQL statements per step (and per part of a step, "step.part")."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = defaultdict(float)
        self.wall: dict[str, float] = defaultdict(float)
        self.statements: dict[str, int] = defaultdict(int)
        self.calls: dict[str, int] = defaultdict(int)
        self.sql_s: dict[str, float] = defaultdict(float)
        self.by_text: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        self.where: list[str] = []
        self._started = 0.0

    def statement(self, *_: Any) -> None:
        for name in self.where:
            self.statements[name] += 1
        self._started = time.perf_counter()

    def answered(self, _c: Any, _k: Any, text: str, *_: Any) -> None:
        spent = time.perf_counter() - self._started
        for name in self.where:
            self.sql_s[name] += spent
        kept = self.by_text[" ".join(text.split())[:150]]
        kept[0] += 1
        kept[1] += spent

    def _begin(self, name: str) -> tuple[str, float, float]:
        name = f"{self.where[0]}.{name}" if self.where and name != self.where[0] else name
        self.where.append(name)
        self.calls[name] += 1
        return name, time.process_time(), time.perf_counter()

    def _end(self, name: str, cpu: float, began: float) -> None:
        self.where.pop()
        self.cpu[name] += time.process_time() - cpu
        self.wall[name] += time.perf_counter() - began

    def wrap(self, name: str, work: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.iscoroutinefunction(work):

            async def timed(*args: Any, **kwargs: Any) -> Any:
                key, cpu, began = self._begin(name)
                try:
                    return await work(*args, **kwargs)
                finally:
                    self._end(key, cpu, began)

            return timed

        def timed_sync(*args: Any, **kwargs: Any) -> Any:
            key, cpu, began = self._begin(name)
            try:
                return work(*args, **kwargs)
            finally:
                self._end(key, cpu, began)

        return timed_sync


def primed(fraction: float, seed: int) -> Path:
    """The fraction's data with everyone's obligations computed, made once and kept."""
    source, _ = ensure(fraction, seed)
    kept = DATA / "work" / f"profile-primed-{source.name}"
    if not kept.exists() or kept.stat().st_mtime < source.stat().st_mtime:
        kept.parent.mkdir(parents=True, exist_ok=True)
        partial = kept.with_suffix(".partial")
        shutil.copyfile(source, partial)
        asyncio.run(prime(f"sqlite+aiosqlite:///{partial}"))
        for suffix in ("-wal", "-shm"):
            Path(f"{partial}{suffix}").unlink(missing_ok=True)
        partial.replace(kept)
    return kept


async def outbox_rows(engine: Any) -> list[list[Any]]:
    """Every queued row, payload decrypted, in key order: two runs of the same tick on the same
    data give the same list (how a change to the tick is checked to change no message)."""
    async with session_factory(engine)() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    return sorted(
        [r.idempotency_key, r.platform, r.target, r.kind, r.due_at.isoformat(), r.payload]
        for r in rows
    )


async def one_tick(
    copy: Path, profile: cProfile.Profile | None, dump: list[list[Any]] | None = None
) -> dict[str, Any]:
    meter = Meter()
    originals = {name: getattr(module, name) for name in STEPS}
    methods = {name: getattr(Scheduler, name) for name in METHODS}
    parts = {  # a part an older checkout lacks is left out (to measure before and after)
        (m, name): getattr(importlib.import_module(m), name)
        for m, name in PARTS
        if hasattr(importlib.import_module(m), name)
    }
    for name, work in originals.items():
        setattr(module, name, meter.wrap(name, work))
    for name, method in methods.items():
        setattr(Scheduler, name, meter.wrap(name.lstrip("_"), method))
    for (m, name), work in parts.items():
        setattr(importlib.import_module(m), name, meter.wrap(name, work))
    writes: dict[str, list[float]] = defaultdict(list)  # each write's ms, by what it wrote
    wrote = Stats.wrote

    def timed_write(stats: Stats, began: float, what: str = "") -> None:
        writes[" ".join(w for w in what.split() if not w.isdigit())].append(
            (time.perf_counter() - began) * 1000
        )
        wrote(stats, began, what)

    Stats.wrote = timed_write  # type: ignore[method-assign]
    engine = create_engine(f"sqlite+aiosqlite:///{copy}", auto_checkpoint=False)
    event.listen(engine.sync_engine, "before_cursor_execute", meter.statement)
    event.listen(engine.sync_engine, "after_cursor_execute", meter.answered)
    try:
        scheduler = Scheduler(engine, _packs(), lambda: PRIME, charts=False)
        cpu, began = time.process_time(), time.perf_counter()
        if profile is not None:
            profile.enable()
        queued = await scheduler.tick()
        if profile is not None:
            profile.disable()
        total_cpu, total_wall = time.process_time() - cpu, time.perf_counter() - began
        async with engine.connect() as connection:
            by_kind = dict(
                (
                    await connection.execute(
                        select(OutboxMessage.kind, func.count()).group_by(OutboxMessage.kind)
                    )
                ).all()
            )
        if dump is not None:
            dump += await outbox_rows(engine)
    finally:
        await engine.dispose()
        for name, work in originals.items():
            setattr(module, name, work)
        for name, method in methods.items():
            setattr(Scheduler, name, method)
        for (m, name), work in parts.items():
            setattr(importlib.import_module(m), name, work)
        Stats.wrote = wrote  # type: ignore[method-assign]
    stats = scheduler.stats
    return {
        "cpu_s": round(total_cpu, 3),
        "seconds": round(total_wall, 3),
        "queued": queued,
        "outbox_by_kind": by_kind,
        "steps_cpu_s": {k: round(v, 3) for k, v in sorted(meter.cpu.items())},
        "steps_s": {k: round(v, 3) for k, v in sorted(meter.wall.items())},
        "steps_statements": dict(sorted(meter.statements.items())),
        "steps_calls": dict(sorted(meter.calls.items())),
        "steps_sql_s": {k: round(v, 3) for k, v in sorted(meter.sql_s.items())},
        "slowest_sql": [
            (round(spent, 3), count, text)
            for text, (count, spent) in sorted(meter.by_text.items(), key=lambda kv: -kv[1][1])[:12]
        ],
        "longest_write_ms": round(stats.max_write_ms, 1),
        "longest_write": stats.slowest,
        "writes": stats.writes,
        "writes_over_10ms": stats.over_10ms,
        "writes_ms": {  # per kind of write: how many, median, 99th percentile, longest
            what: {
                "n": len(times),
                "p50": round(sorted(times)[len(times) // 2], 1),
                "p99": round(sorted(times)[min(len(times) - 1, len(times) * 99 // 100)], 1),
                "max": round(max(times), 1),
                "over_50": sum(t > 50 for t in times),
            }
            for what, times in sorted(writes.items())
        },
        "failures": stats.failures,
    }


def fresh(source: Path, run: int) -> Path:
    copy = DATA / "work" / f"profile-tick-{run}-{source.name}"
    for stale in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(source, copy)
    return copy


def cleanup(copy: Path) -> None:
    for path in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
        path.unlink(missing_ok=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fraction", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="one run under cProfile")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument(
        "--dump", type=Path, default=None, help="write the first run's outbox (decrypted) here"
    )
    args = parser.parse_args()
    crypto.configure(RECORD_KEY)
    source = primed(args.fraction, args.seed)
    runs = []
    rows: list[list[Any]] = []
    profile = cProfile.Profile() if args.profile else None
    for run in range(1 if profile else args.runs):
        copy = fresh(source, run)
        try:
            runs.append(asyncio.run(one_tick(copy, profile, rows if run == 0 else None)))
        finally:
            cleanup(copy)
    if args.dump is not None:
        args.dump.write_text(json.dumps(rows, sort_keys=True, indent=0))
    if profile is not None:
        for order in ("cumulative", "tottime"):
            text = io.StringIO()
            pstats.Stats(profile, stream=text).sort_stats(order).print_stats(args.top)
            print(text.getvalue())
    best = min(runs, key=lambda r: r["cpu_s"])
    print(
        json.dumps(
            {
                "fraction": args.fraction,
                "profiled": bool(profile),
                "cpu_s": [r["cpu_s"] for r in runs],
                "best": best,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
