"""Every benchmark of issue 12 in one go: writes bench/results.json and bench/results.md.

    python bench/run.py                      # 0.01x, 0.1x and 1x (data cached in bench/data/)
    python bench/run.py --quick              # 0.01x and short load runs: a smoke check
    python bench/run.py --fractions 0.01 0.1 # choose the sizes; load runs use the largest

Generation and digests run in a process per fraction (their peak memory is that fraction's);
the load runs start each app in its own process on 127.0.0.1 against the largest dataset.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench_http import QUICK, HttpPlan, compare
from england import DATA, ensure, working_copy
from report import markdown

HERE = Path(__file__).resolve().parent


def child(script: str, *args: str) -> dict[str, Any]:
    """Run a sibling script in its own process; it prints one JSON object last."""
    command = [sys.executable, str(HERE / script), *args]
    began = time.perf_counter()
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, cwd=HERE.parent, timeout=900
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
    parser.add_argument("--quick", action="store_true", help="0.01x and short runs (< 2 min)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    fractions = sorted(args.fractions or ([0.01] if args.quick else [0.01, 0.1, 1.0]))
    began = time.perf_counter()
    results: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"python": platform.python_version(), "cpus": _cpus(), "system": _system()},
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
    largest = fractions[-1]
    say(f"load on loopback against {largest:g}x (four apps, one at a time) ...")
    database = working_copy(ensure(largest, args.seed)[0])
    try:
        plan: HttpPlan = QUICK if args.quick else HttpPlan()
        results["http"] = asyncio.run(compare(database, plan)) | {"fraction": largest}
    finally:
        shutil.rmtree(DATA / "work", ignore_errors=True)
    results["wall_s"] = round(time.perf_counter() - began, 1)
    say(f"done in {results['wall_s']} s")
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (HERE / "results.md").write_text(markdown(results))
    print((HERE / "results.md").read_text())
    return 0


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


def _system() -> str:
    return f"{platform.system()} {platform.machine()}"


if __name__ == "__main__":
    raise SystemExit(main())
