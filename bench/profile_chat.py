"""Where a chat answer's time goes (issue 24): our app in this process, real HTTP on loopback.

    python bench/profile_chat.py                    # 0.01x, 300 Slack and 300 Teams answers
    python bench/profile_chat.py --mix              # issue 24's mix: 70% caseload, 20% due, 10%
                                                    # a write step, statements counted per kind
    python bench/profile_chat.py --fraction 1 --requests 500 --top 30

The app is built as bench/servers.py builds it for the load runs (SQLite copy of the data, the
fake Slack Web API and Bot Connector beside it), warmed up, then asked `caseload` one request at
a time by the same signed Slack slash commands and Teams activities as bench/bench_http.py. For
each platform it reports the CPU of this process per answer (client included: the client's
share is small and the same before and after), the SQL statements per answer and their time,
and the profile's own time grouped by where the code lives (our layers, the SDKs, SQLAlchemy,
the event loop), then the functions with the most time of their own. Time waiting in epoll is
reported apart (not CPU). cProfile about doubles the CPU of what it watches: read the shares and
the statement counts, and take absolute CPU per answer from bench/run.py's server_cpu_ms.
Prints one JSON object last. Nothing here is timed against a goal; it says where to look.

Everyone's obligations are computed first, as the running scheduler keeps them in production
(england.keep_obligations; `--no-kept` leaves them uncomputed, so "what's due" recomputes).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import shutil
import sys
import time
import warnings
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from bench_http import MixConnector, MixSlack, Slack, Teams, Traffic, caseworkers, mixed
from england import DATA, ensure, keep_obligations, working_copy
from loadgen import listen
from servers import build
from sqlalchemy import event

from bot.app import ENGINE

# Where a function's file lives, in the order tried (the first match names the group).
GROUPS = (
    ("our bot/", "/bot/"),
    ("our dialogs/", "/dialogs/"),
    ("our storage/", "/storage/"),
    ("our policy/ + scoring/", "/policy/"),
    ("our policy/ + scoring/", "/scoring/"),
    ("slack_bolt + slack_sdk", "/slack_bolt/"),
    ("slack_bolt + slack_sdk", "/slack_sdk/"),
    ("microsoft_agents", "/microsoft_agents/"),
    ("sqlalchemy + sqlmodel", "/sqlalchemy/"),
    ("sqlalchemy + sqlmodel", "/sqlmodel/"),
    ("aiosqlite + sqlite3", "/aiosqlite/"),
    ("aiosqlite + sqlite3", "sqlite3"),
    ("pydantic", "/pydantic"),
    ("aiohttp + yarl + multidict", "/aiohttp/"),
    ("aiohttp + yarl + multidict", "/yarl/"),
    ("aiohttp + yarl + multidict", "/multidict/"),
    ("cryptography", "/cryptography/"),
    ("asyncio + selectors", "/asyncio/"),
    ("asyncio + selectors", "selectors"),
    ("json", "/json/"),
    ("bench harness (client)", "/bench/"),
)


WAITING = "waiting in epoll (not CPU: idle, or the client's turn)"


def group_of(filename: str, function: str = "") -> str:
    if "'poll' of 'select.epoll'" in function:
        return WAITING
    if "'put_nowait' of '_queue.SimpleQueue'" in function:
        return "aiosqlite + sqlite3"  # handing a statement to its thread: mostly the GIL
    for name, part in GROUPS:
        if part in filename:
            return name
    return "other (stdlib, builtins)" if filename.startswith(("~", "<")) else "other libraries"


class Statements:
    """Counts the app's SQL statements and their time (cursor execute to its return)."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self.kinds: Counter[str] = Counter()
        self._began = 0.0

    def attach(self, engine: Any) -> None:
        event.listen(engine.sync_engine, "before_cursor_execute", self._before)
        event.listen(engine.sync_engine, "after_cursor_execute", self._after)

    def _before(self, *_: Any) -> None:
        self._began = time.perf_counter()

    def _after(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.count += 1
        self.seconds += time.perf_counter() - self._began
        words = statement.split()
        table = next((w for w in words[1:8] if w.islower() and w.isidentifier()), "")
        self.kinds[f"{words[0]} {table}".strip()] += 1


async def profile(
    name: str, send: Callable[[int, int], Awaitable[Any]], users: int, requests: int,
    statements: Statements, top: int, mix: bool = False, dump: str = "", plain: bool = False,
) -> dict[str, Any]:  # fmt: skip
    for n in range(max(min(users, 50), 100 if mix else 0)):  # warm: caches, compiled statements
        await send(n % users, n)
    before = (statements.count, statements.seconds, Counter(statements.kinds))
    profiler = cProfile.Profile()
    failures = 0
    by_kind: dict[str, list[int]] = {}  # the mix: statements of each answer, by what was asked
    cpu, wall = time.process_time(), time.perf_counter()
    if not plain:  # --plain: this process's CPU without cProfile's own (about as much again)
        profiler.enable()
    for n in range(requests):
        counted = statements.count
        timing = await send(n % users, 1000 + n)
        failures += not timing.ok
        by_kind.setdefault(mixed(1000 + n) if mix else "caseload", []).append(
            statements.count - counted
        )
    profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if dump and not plain:
        profiler.dump_stats(f"{dump}.{name}.pstats")  # for pstats / snakeviz: callers, callees
    measured = {} if plain else pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    own: Counter[str] = Counter()
    functions = []
    for (filename, line, function), (_cc, _nc, tottime, cumtime, _callers) in measured.items():
        own[group_of(filename, function)] += tottime
        functions.append((tottime, cumtime, f"{Path(filename).name}:{line}({function})"))
    waiting = own.pop(WAITING, 0.0)
    total = sum(own.values()) or 1.0
    functions.sort(reverse=True)
    kinds = statements.kinds - before[2]
    return {
        "platform": name,
        "requests": requests,
        "failures": failures,
        "cpu_ms_per_answer": round(cpu / requests * 1000, 2),
        "wall_ms_per_answer": round(wall / requests * 1000, 2),
        "sql_per_answer": round((statements.count - before[0]) / requests, 2),
        # Counted between one answer's request and the next (the Slack answer's trailing writes,
        # if any, fall to the next): by what was asked, the mean and the largest.
        "sql_per_answer_by_kind": {
            kind: {"answers": len(v), "mean": round(sum(v) / len(v), 2), "max": max(v)}
            for kind, v in sorted(by_kind.items())
        },
        "sql_ms_per_answer": round((statements.seconds - before[1]) / requests * 1000, 2),
        "sql_kinds_per_answer": {k: round(v / requests, 2) for k, v in kinds.most_common(12)},
        "waiting_ms_per_answer": round(waiting / requests * 1000, 2),
        "own_time_share": {k: round(v / total, 3) for k, v in own.most_common()},  # not waiting
        "top_functions": [
            {
                "own_ms": round(t / requests * 1000, 3),
                "cum_ms": round(c / requests * 1000, 3),
                "function": f,
            }
            for t, c, f in [x for x in functions if "epoll" not in x[2]][:top]
        ],
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    source, _ = await asyncio.to_thread(ensure, args.fraction, args.seed)
    database = working_copy(source)
    kept = await keep_obligations(database) if args.kept else None
    fake, connector = MixSlack(), MixConnector()
    slack_runner, fake.url = await listen(fake.app())
    teams_runner, connector.url = await listen(connector.app())
    app = build("ours", f"{fake.url}/api/", database)
    statements = Statements()
    runner, url = await listen(app)
    statements.attach(app[ENGINE])
    users = caseworkers(database, args.users)
    out: dict[str, Any] = {
        "fraction": args.fraction, "users": len(users), "mix": args.mix, "obligations_kept": kept,
    }  # fmt: skip
    try:
        async with aiohttp.ClientSession() as http:
            if args.mix:  # everyone warm (no first-timers: those are bench_http's to measure)
                sent: list[str] = []
                slack = Slack(http, fake, users).mix_sender(url, sent, Traffic([], 0))
                teams = Teams(http, connector, users).mix_sender(url, sent, Traffic([], 0))
            else:
                slack = Slack(http, fake, users).sender(url, answered_in_dm=True)
                teams = Teams(http, connector, users).sender(url)
            for name, send in (("slack", slack), ("teams", teams)):
                out[name] = await profile(
                    name, send, len(users), args.requests, statements, args.top, args.mix,
                    args.dump, args.plain,
                )  # fmt: skip
    finally:
        await runner.cleanup()
        await slack_runner.cleanup()
        await teams_runner.cleanup()
        shutil.rmtree(DATA / "work", ignore_errors=True)
    return out


def report(result: dict[str, Any]) -> str:
    lines = []
    for name in ("slack", "teams"):
        r = result[name]
        lines.append(
            f"{name}: {r['cpu_ms_per_answer']} ms CPU and {r['sql_per_answer']} SQL statements "
            f"({r['sql_ms_per_answer']} ms) an answer, {r['failures']} failed of {r['requests']}"
        )
        lines += [
            f"  {kind}: {k['mean']} statements an answer (max {k['max']}, {k['answers']} answers)"
            for kind, k in r["sql_per_answer_by_kind"].items()
        ]
        lines += [f"  {share:6.1%}  {group}" for group, share in r["own_time_share"].items()]
        lines += [
            f"    {f['own_ms']:7.3f} ms own  {f['cum_ms']:7.3f} ms cum  {f['function']}"
            for f in r["top_functions"]
        ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fraction", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--plain", action="store_true", help="CPU and statements, no profile")
    parser.add_argument("--dump", default="", help="write each platform's profile to DUMP.*")
    parser.add_argument("--mix", action="store_true", help="70%% caseload, 20%% due, 10%% writes")
    parser.add_argument(
        "--no-kept", dest="kept", action="store_false", help="obligations not computed first"
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # the SDK's NotAppKeyWarning, once a turn, as in servers.py
    result = asyncio.run(main_async(args))
    print(report(result), file=sys.stderr)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
