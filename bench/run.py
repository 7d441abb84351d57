"""Every benchmark of issue 12 in one go: writes bench/results.json and bench/results.md.

    python bench/run.py                      # 0.01x, 0.1x and 1x (data cached in bench/data/)
    python bench/run.py --quick              # 0.01x and short load runs: a smoke check
    python bench/run.py --fractions 0.01 0.1 # choose the sizes; load runs use the largest
    python bench/run.py --quick --soak       # and the 10-minute soak (bench/soak.py) at the end

Generation and digests run in a process per fraction (their peak memory is that fraction's);
the load runs start each app in its own process on 127.0.0.1 against the largest dataset.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench_http import QUICK, HttpPlan, compare
from england import DATA, ensure, working_copy
from report import markdown

HERE = Path(__file__).resolve().parent


def child(script: str, *args: str, timeout: float = 900) -> dict[str, Any]:
    """Run a sibling script in its own process; it prints one JSON object last."""
    command = [sys.executable, str(HERE / script), *args]
    began = time.perf_counter()
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, cwd=HERE.parent, timeout=timeout
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{script} {' '.join(args)} failed ({done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = round(time.perf_counter() - began, 2)
    return result


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fractions", type=float, nargs="+", default=None)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="0.01x, short runs (about 2.5 min; 1.5 with --no-postgres)",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--no-postgres", action="store_true", help="scheduler and chat on SQLite only"
    )
    parser.add_argument("--no-scheduler", action="store_true", help="skip issue 18's benchmark")
    parser.add_argument("--soak", action="store_true", help="then bench/soak.py (10 minutes)")
    parser.add_argument("--soak-minutes", type=float, default=10.0)
    args = parser.parse_args()
    fractions = sorted(args.fractions or ([0.01] if args.quick else [0.01, 0.1, 1.0]))
    began = time.perf_counter()
    results: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "python": platform.python_version(),
            "cpus": _cpus(),
            "system": _system(),
            "load_average_start": [round(x, 2) for x in os.getloadavg()],
        },
        "quick": args.quick,
        "fractions": fractions,
        "data": {},
        "digests": {},
    }
    for fraction in fractions:
        say(f"data {fraction:g}x: generating or reusing the cache ...")
        data = child("england.py", "--fraction", str(fraction), "--seed", str(args.seed))
        results["data"][f"{fraction:g}"] = data
        verb = "built" if data["built_now"] else "cached"
        say(f"data {fraction:g}x: {verb}, {data['staff']:,} staff, {data['megabytes']} MB")
    for fraction in fractions:
        say(f"digests {fraction:g}x ...")
        extra = ["--full-tick"] if fraction <= 0.01 else []
        digests = child("bench_digests.py", "--fraction", str(fraction), *extra)
        results["digests"][f"{fraction:g}"] = digests
        say(f"digests {fraction:g}x: {digests['wall_s']} s")
    if not args.no_scheduler:
        scheduler(results, fractions, args)
    largest = fractions[-1]
    say(f"desk {largest:g}x: a team manager's questions for a team of 12 (issue 26) ...")
    rounds = "2" if args.quick else "10"
    results["desk"] = child("bench_desk.py", "--fraction", str(largest), "--rounds", rounds)
    say(f"desk {largest:g}x: {results['desk']['wall_s']} s")
    say(f"load on loopback against {largest:g}x (four apps, one at a time) ...")
    database = working_copy(ensure(largest, args.seed)[0])
    try:
        plan: HttpPlan = replace(QUICK if args.quick else HttpPlan(), postgres=not args.no_postgres)
        results["http"] = asyncio.run(compare(database, plan)) | {"fraction": largest}
    finally:
        shutil.rmtree(DATA / "work", ignore_errors=True)
    if args.soak:
        say(f"soak: {args.soak_minutes:g} minutes of mixed traffic on one serve --demo ...")
        minutes = str(args.soak_minutes)
        results["soak"] = child(
            "soak.py", "--minutes", minutes, timeout=args.soak_minutes * 60 + 600
        )
        say(f"soak: {results['soak']['all']['requests']:,} requests")
    results["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    results["wall_s"] = round(time.perf_counter() - began, 1)
    say(f"done in {results['wall_s']} s")
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (HERE / "results.md").write_text(markdown(results))
    print((HERE / "results.md").read_text())
    return 0


def scheduler(results: dict[str, Any], fractions: list[float], args: argparse.Namespace) -> None:
    """Issue 18: the scheduler beside chat traffic, on SQLite and PostgreSQL, per fraction; the
    three-years-of-history check at 0.01x in --quick and at 0.1x otherwise."""
    history = 0.01 if args.quick or 0.1 not in fractions else 0.1
    results["scheduler"], results["scheduler_postgres"] = {}, {}
    for fraction in fractions:
        say(f"scheduler {fraction:g}x (SQLite{'' if args.no_postgres else ' and PostgreSQL'}) ...")
        extra = ["--history", str(history)] if fraction == history else []
        if args.no_postgres:
            extra.append("--no-postgres")
        if args.quick:
            # Ticks every 4 s, so the Monday tick comes about 10 s after start, not 55; the
            # three-worker run (a full run's measurement, and tests/postgres' three-instance
            # test in CI) is left out, to keep --quick about a minute.
            extra += ["--tick-interval", "4", "--skip-workers"]
        elif fraction >= 1 and len(fractions) > 1:
            # Three workers must each send a whole Monday (130,000 messages at 1x) to the fake
            # Slack before duplicates and misses can be counted: they run at the next size down.
            extra.append("--skip-workers")
        found = child(
            "bench_scheduler.py", "--fraction", str(fraction), "--seed", str(args.seed), *extra,
            timeout=6 * 3600,
        )  # fmt: skip
        results["scheduler"][f"{fraction:g}"] = found["sqlite"]
        results["scheduler_postgres"][f"{fraction:g}"] = found["postgres"]
        say(f"scheduler {fraction:g}x: {found['wall_s']} s")


def _cpus() -> int:
    return len(os.sched_getaffinity(0))


def _system() -> str:
    return f"{platform.system()} {platform.machine()}"


if __name__ == "__main__":
    raise SystemExit(main())
