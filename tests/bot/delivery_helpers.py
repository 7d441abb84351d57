"""Shared by the delivery tests: a fake clock, recording senders, and fake Slack and Teams servers.

The fake servers listen on 127.0.0.1 ephemeral ports and can be told to answer a conversation's
next requests with 429 (Retry-After), 500, not at all (a hang longer than the client's timeout),
or "late": accepted, but answered only after the client gave up. Only what the platform really
accepted counts as delivered: requests answered 2xx, and the late ones.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.dispatcher import Progress
from storage.db import session_factory
from storage.models import OutboxMessage

HANG_CAP = 10.0  # seconds: a hung request is released by then at the latest (or at teardown)


@dataclass
class FakeClock:
    """The one clock every instance reads; only the test moves it."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def set(self, when: datetime) -> None:
        assert when >= self.now, "the clock only moves forward"
        self.now = when

    def advance(self, delta: timedelta) -> None:
        self.set(self.now + delta)


def canonical(platform: str, target: str, kind: str, payload: Mapping[str, Any]) -> str:
    """One delivered message as a comparable string (the sender is not told the outbox key)."""
    body = json.dumps(payload, sort_keys=True, default=str)
    return f"{platform}|{target}|{kind}|{body}"


@dataclass
class Recorder:
    """Every message the (fake) platforms accepted, across all instances."""

    delivered: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)

    def add(self, platform: str, target: str, kind: str, payload: Mapping[str, Any]) -> None:
        self.delivered[canonical(platform, target, kind, payload)] += 1
        self.kinds[kind] += 1


@dataclass
class RecordingSender:
    platform: str
    recorder: Recorder

    async def send(
        self, target: str, kind: str, payload: Mapping[str, Any], progress: Progress
    ) -> None:
        await asyncio.sleep(0)  # a real send yields to the loop: let the instances interleave
        self.recorder.add(self.platform, target, kind, payload)


@dataclass
class Doomed:
    """Wraps an instance's sender: once armed, the next send never completes (the process dies
    after claiming, before the platform sees anything); `dying` is set when that happens."""

    inner: RecordingSender
    armed: bool = False
    dying: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(
        self, target: str, kind: str, payload: Mapping[str, Any], progress: Progress
    ) -> None:
        if self.armed:
            self.dying.set()
            await asyncio.Event().wait()  # until the test cancels the task: the "kill"
        await self.inner.send(target, kind, payload, progress)


async def outbox_rows(engine: AsyncEngine) -> list[OutboxMessage]:
    async with session_factory(engine)() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)  # type: ignore[arg-type]
        return list((await session.exec(query)).all())


async def until(check: Callable[[], bool], what: str, within: float = 10.0) -> None:
    """Poll with a deadline, never a bare sleep."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"expected {what} within {within}s")
        await asyncio.sleep(0.01)


# ---- Fake platforms with faults ------------------------------------------------------------


@dataclass
class Attempt:
    conversation: str
    answer: str  # ok | 429 | 500 | hang | late
    body: Any
    ts: str = ""  # when the platform accepted it (Slack's message timestamp)


@dataclass
class FaultyPlatform:
    """Scripted answers per conversation: `script[conversation] = ["429", "500", "hang"]`
    answers that conversation's next three requests so; then (and for everyone else) 200 OK."""

    retry_after: int = 2
    script: dict[str, list[str]] = field(default_factory=dict)
    attempts: list[Attempt] = field(default_factory=list)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    server: TestServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/")

    def delivered(self, conversation: str | None = None) -> list[Any]:
        return [
            a.body
            for a in self.attempts
            if a.answer in ("ok", "late")
            and (conversation is None or a.conversation == conversation)
        ]

    def answers(self, conversation: str) -> list[str]:
        return [a.answer for a in self.attempts if a.conversation == conversation]

    async def _answer(
        self, conversation: str, body: Any, ok: Callable[[], web.Response]
    ) -> web.StreamResponse:
        queue = self.script.get(conversation, [])
        answer = queue.pop(0) if queue else "ok"
        self.attempts.append(Attempt(conversation, answer, body, f"{time.time():.6f}"))
        if answer == "429":
            return web.json_response(
                self.throttled(), status=429, headers={"Retry-After": str(self.retry_after)}
            )
        if answer == "500":
            return web.json_response(self.broken(), status=500)
        if answer in ("hang", "late"):
            # Longer than any client timeout in these tests; released at teardown at the latest.
            with suppress(TimeoutError):
                await asyncio.wait_for(self.released.wait(), HANG_CAP)
            if answer == "hang":
                return web.json_response(self.broken(), status=504)
        return ok()

    def throttled(self) -> dict[str, Any]:
        return {"ok": False, "error": "ratelimited"}

    def broken(self) -> dict[str, Any]:
        return {"ok": False, "error": "internal_error"}

    def app(self) -> web.Application:
        raise NotImplementedError


@dataclass
class FaultySlack(FaultyPlatform):
    """Slack's Web API: chat.postMessage, and conversations.history, which shows what was
    accepted (with its metadata) for a recovered send to look for."""

    def app(self) -> web.Application:
        application = web.Application()
        application.router.add_post("/api/chat.postMessage", self._post_message)
        application.router.add_route("*", "/api/conversations.history", self._history)
        return application

    async def _history(self, request: web.Request) -> web.Response:
        query = dict(request.query) | (dict(await request.post()) if request.can_read_body else {})
        oldest = float(query.get("oldest") or 0)
        messages = [
            {
                "type": "message",
                "ts": a.ts,
                "text": a.body.get("text"),
                "metadata": a.body.get("metadata"),
            }
            for a in reversed(self.attempts)
            if a.answer in ("ok", "late")
            and a.conversation == query.get("channel")
            and float(a.ts) > oldest
        ]
        return web.json_response({"ok": True, "messages": messages, "has_more": False})

    async def _post_message(self, request: web.Request) -> web.StreamResponse:
        if request.content_type == "application/json":
            body = await request.json()
        else:
            body = dict(await request.post())
        channel = str(body.get("channel"))
        return await self._answer(
            channel,
            body,
            lambda: web.json_response({"ok": True, "channel": channel, "ts": f"{time.time():.6f}"}),
        )


@dataclass
class FaultyConnector(FaultyPlatform):
    """The Bot Connector's POST /v3/conversations/{id}/activities."""

    _next: int = 0

    def throttled(self) -> dict[str, Any]:
        return {"error": {"code": "Throttled"}}

    def broken(self) -> dict[str, Any]:
        return {"error": {"code": "ServiceError"}}

    def app(self) -> web.Application:
        application = web.Application()
        application.router.add_post("/v3/conversations/{cid}/activities", self._activity)
        application.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._activity)
        return application

    async def _activity(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()

        def ok() -> web.Response:
            self._next += 1
            return web.json_response({"id": f"activity-{self._next}"})

        return await self._answer(request.match_info["cid"], body, ok)


@asynccontextmanager
async def serving(fake: FaultyPlatform) -> AsyncIterator[FaultyPlatform]:
    async with TestServer(fake.app(), host="127.0.0.1") as server:
        fake.server = server
        try:
            yield fake
        finally:
            fake.released.set()  # let a hung handler finish before the server closes


async def bounded(step: Awaitable[Any], within: float = 15.0) -> Any:
    """Any await in these tests that could wait on the network gets a deadline."""
    async with asyncio.timeout(within):
        return await step
