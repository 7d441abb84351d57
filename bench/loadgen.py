"""Closed-loop load on loopback, and the fake Slack Web API and Teams connector the apps talk to.

Each of `concurrency` virtual users sends a request, waits for its answer, then sends the next:
latency is per request (from just before sending to the answer), throughput is answers / wall
time. Slack apps that ack first answer later through the Web API; the fake resolves the waiting
request when that answer arrives, so "answer" latency is what the person waits for.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Timing:
    answer_s: float
    ack_s: float
    ok: bool


@dataclass(frozen=True)
class LoadResult:
    requests: int
    concurrency: int
    errors: int
    wall_s: float
    throughput_rps: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    ack_p50_ms: float
    ack_p99_ms: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


Send = Callable[[int, int], Awaitable[Timing]]  # (user index, request number) -> timing


async def closed_loop(
    send: Send, users: int, total: int, concurrency: int, max_seconds: float = 600.0
) -> LoadResult:
    """`total` requests from `concurrency` virtual users; user slots never overlap in flight.

    Bounded twice: no new request starts after `max_seconds` (those in flight finish), and a
    run that keeps failing stops early (after 5% errors) rather than wait out every timeout.
    """
    assert users >= concurrency, "each in-flight request needs its own user"
    timings: list[Timing] = []
    numbers = itertools.count()
    errors_allowed = max(5, total // 20)
    failed = [0]
    started = time.perf_counter()

    async def worker(slot: int) -> None:
        mine = list(range(slot, users, concurrency))
        for turn in itertools.count():
            number = next(numbers)
            late = time.perf_counter() - started > max_seconds
            if number >= total or late or failed[0] > errors_allowed:
                return
            timing = await send(mine[turn % len(mine)], number)
            failed[0] += not timing.ok
            timings.append(timing)

    await asyncio.gather(*(worker(slot) for slot in range(concurrency)))
    wall = time.perf_counter() - started
    good = [t for t in timings if t.ok]
    answers = [t.answer_s * 1000 for t in good] or [float("nan")]
    acks = [t.ack_s * 1000 for t in good] or [float("nan")]
    return LoadResult(
        requests=len(timings),
        concurrency=concurrency,
        errors=len(timings) - len(good),
        wall_s=round(wall, 3),
        throughput_rps=round(len(good) / wall, 1),
        p50_ms=round(percentile(answers, 50), 2),
        p99_ms=round(percentile(answers, 99), 2),
        mean_ms=round(statistics.fmean(answers), 2),
        ack_p50_ms=round(percentile(acks, 50), 2),
        ack_p99_ms=round(percentile(acks, 99), 2),
    )


@dataclass
class FakeSlack:
    """Slack's Web API as the apps call it: answers, counts, and wakes whoever awaits a DM."""

    url: str = ""
    calls: dict[str, int] = field(default_factory=dict)
    sample: str = ""
    waiting: dict[str, asyncio.Future[str]] = field(default_factory=dict)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_post("/respond/{id}", self._respond)
        return app

    def expect(self, channel: str) -> asyncio.Future[str]:
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.waiting[channel] = future
        return future

    async def _respond(self, request: web.Request) -> web.Response:
        self.calls["response_url"] = self.calls.get("response_url", 0) + 1
        await request.read()
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls[method] = self.calls.get(method, 0) + 1
        payload: dict[str, Any] = dict(request.query)  # the SDK sends some arguments here
        if request.content_type == "application/json":
            payload |= await request.json()
        else:
            payload |= dict(await request.post())
        match method:
            case "auth.test":
                return web.json_response({"ok": True, "team_id": "TENGLAND", "user_id": "UBOT"})
            case "conversations.open":
                return web.json_response({"ok": True, "channel": {"id": f"D{payload['users']}"}})
            case "chat.postMessage":
                channel, text = str(payload.get("channel")), str(payload.get("text", ""))
                self.sample = self.sample or text
                future = self.waiting.pop(channel, None)
                if future is not None and not future.done():
                    future.set_result(text)
                return web.json_response({"ok": True, "channel": channel, "ts": "1.000001"})
        return web.json_response({"ok": True})


@dataclass
class FakeConnector:
    """The Bot Connector REST API a Teams bot replies through (serviceUrl)."""

    url: str = ""
    posts: int = 0
    sample: str = ""
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations/{cid}/activities", self._activity)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._activity)
        return app

    async def _activity(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.posts += 1
        if not self.sample:
            attachments = body.get("attachments") or []
            self.sample = body.get("text") or str(attachments[0]["content"])[:200]
        return web.json_response({"id": f"activity-{next(self._ids)}"})


async def listen(app: web.Application) -> tuple[web.AppRunner, str]:
    """Serve an app on an ephemeral loopback port; the caller cleans the runner up."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


class Laps:
    """Where a run's own time went, part by part (`lap("name")` ends a part): for a shorter
    --quick, reported as `sections_s`."""

    def __init__(self) -> None:
        self.sections: dict[str, float] = {}
        self._mark = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.sections[name] = round(now - self._mark, 1)
        self._mark = now
