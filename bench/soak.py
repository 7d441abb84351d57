"""Soak (issue 19): ten minutes of mixed traffic on one `supervision-bot serve --demo` process
with its scheduler and dispatcher on, while the demo clock moves through a week.

The server starts with CLOCK_START at Monday 08:00 on the bench data (0.01x by default, on
SQLite). Traffic goes at a steady rate, open loop, in a fixed mix: signed Slack DM events, Teams
personal-chat turns, playground messages (POST /playground/api/send) and playground reads (a
person's inbox, the channels panel). Seven times during the run the playground moves the clock
one day forward (POST /playground/api/clock), which plans and delivers what became due. Every 30
seconds the server's resident memory and CPU time are read from /proc.

Errors: any answer other than the expected status, no answer within 30 s, and playground
answers that say something went wrong or that the conversation changed elsewhere.

    python bench/soak.py                   # 10 minutes at 0.01x
    python bench/soak.py --minutes 2       # a shorter look

Prints one JSON object last; bench/run.py --soak runs it and puts it in results.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import time
from datetime import datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import aiohttp
from bench_http import caseworkers
from bench_scheduler import App, Chat, FakeSlackFiles, Store, load_average
from england import LONDON, RECORD_KEY, TODAY, ensure
from loadgen import FakeConnector, listen, percentile

from storage import crypto

START = datetime.combine(TODAY, clock_time(8, 0), tzinfo=LONDON)
# (kind, weight): what a morning of use looks like, more or less.
MIX = (
    ("slack_dm", 3),
    ("teams_turn", 3),
    ("playground_send", 3),
    ("playground_read", 1),
)
TROUBLE = ("went wrong", "changed elsewhere")


class Soak:
    def __init__(self, http: aiohttp.ClientSession, app: App, chat: Chat, users: list[int]):
        self.http, self.app, self.chat, self.users = http, app, chat, users
        self.samples: list[tuple[str, float, float, bool]] = []  # kind, sent at, ms, ok
        self.problems: dict[str, int] = {}

    async def playground(self, method: str, path: str, body: Any = None) -> tuple[float, bool]:
        started = time.perf_counter()
        try:
            async with self.http.request(method, f"{self.app.url}{path}", json=body) as reply:
                text = await reply.text()
                ok = reply.status == 200 and not any(t in text.lower() for t in TROUBLE)
                if not ok:
                    key = f"{path.split('/')[3]} {reply.status}"
                    self.problems[key] = self.problems.get(key, 0) + 1
        except (aiohttp.ClientError, TimeoutError):
            ok = False
            self.problems["timeout"] = self.problems.get("timeout", 0) + 1
        return (time.perf_counter() - started) * 1000, ok

    async def one(self, kind: str, number: int, began: float) -> None:
        sent = time.perf_counter() - began
        staff_id = self.users[number % len(self.users)]
        text = "caseload" if number % 2 else "what's due"
        if kind == "slack_dm":
            ms, ok = await self.chat.slack(self.app.url, staff_id, text)
        elif kind == "teams_turn":
            ms, ok = await self.chat.teams(self.app.url, staff_id, text)
        elif kind == "playground_send":
            body = {"staff_id": staff_id, "text": text}
            ms, ok = await self.playground("POST", "/playground/api/send", body)
        elif number % 2:
            ms, ok = await self.playground("GET", f"/playground/api/inbox/{staff_id}")
        else:
            ms, ok = await self.playground("GET", "/playground/api/channels")
        self.samples.append((kind, sent, ms, ok))

    async def traffic(self, rate: float, seconds: float) -> None:
        kinds = [kind for kind, weight in MIX for _ in range(weight)]
        tasks: set[asyncio.Task[None]] = set()
        began = time.perf_counter()
        for number in itertools.count():
            if time.perf_counter() - began >= seconds:
                break
            task = asyncio.create_task(self.one(kinds[number % len(kinds)], number, began))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            await asyncio.sleep(max(0.0, began + (number + 1) / rate - time.perf_counter()))
        if tasks:
            await asyncio.gather(*tasks)


def stats(samples: list[tuple[str, float, float, bool]]) -> dict[str, Any]:
    good = [ms for _, _, ms, ok in samples if ok]
    found: dict[str, Any] = {"requests": len(samples), "errors": len(samples) - len(good)}
    if good:
        found |= {
            "p50_ms": round(percentile(good, 50), 1),
            "p99_ms": round(percentile(good, 99), 1),
            "max_ms": round(max(good), 1),
        }
    return found


async def soak(fraction: float, minutes: float, rate: float, seed: int) -> dict[str, Any]:
    crypto.configure(RECORD_KEY)
    path, _ = await asyncio.to_thread(ensure, fraction, seed)
    store = Store(path)
    url = await store.fresh()
    fake, connector = FakeSlackFiles(), FakeConnector()
    slack_runner, fake.url = await listen(fake.app())
    teams_runner, connector.url = await listen(connector.app())
    logs = Path("/tmp") / f"bench-soak-{int(time.time())}.log"
    app = App(["serve", "--demo"], url, f"{fake.url}/api/", START, logs)
    seconds = minutes * 60
    memory: list[dict[str, Any]] = []
    advances: list[dict[str, Any]] = []
    result: dict[str, Any] = {"fraction": fraction, "minutes": minutes, "rate_per_s": rate}
    try:
        limit = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(
            connector=limit, timeout=aiohttp.ClientTimeout(total=30)
        ) as http:
            await app.ready(http)
            users = caseworkers(path, 60)
            chat = Chat(http, connector, users)
            runner = Soak(http, app, chat, users)
            began = time.perf_counter()

            def point() -> None:
                memory.append(
                    {"at_s": round(time.perf_counter() - began, 1), **app.memory()}
                    | {"cpu_s": round(app.cpu_seconds(), 1), "load": load_average()}
                )

            async def sample_memory() -> None:
                while True:
                    point()
                    await asyncio.sleep(30)

            async def move_clock() -> None:
                for day in range(1, 8):  # at fixed moments, however long each move takes
                    await asyncio.sleep(max(0.0, began + day * seconds / 8 - time.perf_counter()))
                    ms, ok = await runner.playground("POST", "/playground/api/clock", {"days": 1})
                    advances.append({"day": day, "ms": round(ms, 1), "ok": ok})

            sampler = asyncio.create_task(sample_memory())
            mover = asyncio.create_task(move_clock())
            await runner.traffic(rate, seconds)
            with contextlib.suppress(asyncio.CancelledError):
                await mover
            sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sampler
            point()
            result["wall_s"] = round(time.perf_counter() - began, 1)
            result["all"] = stats(runner.samples)
            result["by_kind"] = {
                kind: stats([s for s in runner.samples if s[0] == kind]) for kind, _ in MIX
            }
            result["per_minute"] = [
                {"minute": m + 1}
                | stats([s for s in runner.samples if m * 60 <= s[1] < (m + 1) * 60])
                for m in range(int(-(-seconds // 60)))
            ]
            result["problems"] = runner.problems
            result["clock_moves"] = advances
            result["memory"] = memory
            result["rss_start_mib"] = memory[0]["rss_mib"]
            result["rss_end_mib"] = memory[-1]["rss_mib"]
            result["slack_api_calls"] = dict(fake.calls)
            result["server_log"] = str(logs)
    finally:
        app.stop()
        await slack_runner.cleanup()
        await teams_runner.cleanup()
        store.cleanup()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--fraction", type=float, default=0.01)
    parser.add_argument("--rate", type=float, default=10.0, help="requests a second, all kinds")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    result = asyncio.run(soak(args.fraction, args.minutes, args.rate, args.seed))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
