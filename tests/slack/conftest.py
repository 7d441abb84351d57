"""Slack over real HTTP on loopback: the real aiohttp app, signed requests, a fake Slack Web API.

The demo council is seeded once per session and copied per test. The fake API listens on an
ephemeral port and records every call; tests poll that record with a deadline, never a sleep.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from demo_data import build_demo, copy_of
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.app import create_app
from bot.clock import Clock
from bot.settings import Settings
from storage.db import session_factory
from storage.models import Staff

SECRET = "test-signing-secret"
TEAM = "T1"
LONDON = ZoneInfo("Europe/London")
# Slack users of the demo council (their emails are the demo's, so identity matches them).
USERS = {
    "USAM": "sam.taylor@demoshire.example",
    "UPRIYA": "priya.shah@demoshire.example",
    "USTRANGER": "someone@elsewhere.example",
}
_ids = itertools.count(1)


@dataclass
class Call:
    method: str
    payload: dict[str, Any]
    token: str | None


@dataclass
class Upload:
    """A file sent through files.getUploadURLExternal, the upload URL and completeUploadExternal."""

    file_id: str
    filename: str
    length: int
    alt_txt: str | None
    content: bytes | None = None  # set by the POST to the upload URL
    title: str | None = None  # these three by files.completeUploadExternal
    channel: str | None = None
    initial_comment: str | None = None


@dataclass
class FakeSlack:
    """Answers like Slack's Web API; `rate_limited[method] = n` gives n 429s first."""

    calls: list[Call] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=lambda: dict(USERS))
    rate_limited: dict[str, int] = field(default_factory=dict)
    retry_after: int = 1
    missing_channels: set[str] = field(default_factory=set)
    sockets: list[web.WebSocketResponse] = field(default_factory=list)
    uploads: dict[str, Upload] = field(default_factory=dict)
    # What each conversation shows (conversations.history): messages posted, files shared.
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    history_error: str | None = None  # e.g. "missing_scope": conversations.history refuses
    # `odd[method] = body`: Slack does the work, then answers this instead (a reply nobody
    # foresaw, such as files.completeUploadExternal without its "files").
    odd: dict[str, dict[str, Any]] = field(default_factory=dict)
    url: str = ""
    # The client port of each Web API call: one port for many calls is a kept-alive connection.
    ports: list[int] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/respond/{id}", self._respond)
        app.router.add_get("/socket", self._socket)
        return app

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: Slack's side of the connection the app opens (no public URL)."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": 1})
        async for message in socket:
            if message.type == aiohttp.WSMsgType.TEXT:
                self.calls.append(Call("socket.ack", json.loads(message.data), None))
        return socket

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL files.getUploadURLExternal handed out: the raw bytes are POSTed here."""
        upload = self.uploads.get(request.match_info["file_id"])
        if upload is None:
            return web.Response(status=404, text="unknown upload")
        upload.content = await request.read()
        self.calls.append(Call("upload", {"file_id": upload.file_id}, None))
        return web.Response(text=f"OK - {len(upload.content)}")

    def shared(self, channel: str | None = None) -> list[Upload]:
        """Files completed into a channel or DM (all of them, or one channel's)."""
        return [
            u
            for u in self.uploads.values()
            if u.channel is not None and (channel is None or u.channel == channel)
        ]

    async def _respond(self, request: web.Request) -> web.Response:
        self.calls.append(Call("response_url", await request.json(), None))
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        payload: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            payload |= await request.json()
        elif request.method == "POST":
            payload |= dict(await request.post())
        self.calls.append(Call(method, payload, request.headers.get("Authorization")))
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.ports.append(peer[1] if peer else 0)
        if self.rate_limited.get(method, 0) > 0:
            self.rate_limited[method] -= 1
            body = {"ok": False, "error": "ratelimited"}
            headers = {"Retry-After": str(self.retry_after)}
            return web.json_response(body, status=429, headers=headers)
        answer = self.answer(method, payload)
        return web.json_response(self.odd.get(method, answer))

    def answer(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        match method:
            case "apps.connections.open":
                return {"ok": True, "url": self.url.replace("http", "ws", 1) + "/socket"}
            case "auth.test":
                return {"ok": True, "team_id": TEAM, "user_id": "UBOT", "bot_id": "B1"}
            case "users.info":
                email = self.users.get(str(payload.get("user")))
                if email is None:
                    return {"ok": False, "error": "user_not_found"}
                user = {"id": payload["user"], "is_email_confirmed": True}
                return {"ok": True, "user": user | {"profile": {"email": email}}}
            case "users.lookupByEmail":
                found = [u for u, e in self.users.items() if e == payload.get("email")]
                if not found:
                    return {"ok": False, "error": "users_not_found"}
                return {"ok": True, "user": {"id": found[0]}}
            case "conversations.open":
                return {"ok": True, "channel": {"id": "D" + str(payload["users"])}}
            case "chat.postMessage":
                if payload.get("channel") in self.missing_channels:
                    return {"ok": False, "error": "not_in_channel"}
                ts = self._said(
                    str(payload.get("channel")),
                    {"text": payload.get("text"), "metadata": _json(payload.get("metadata"))},
                )
                return {"ok": True, "channel": payload.get("channel"), "ts": ts}
            case "conversations.history":
                return self._history(payload)
            case "files.getUploadURLExternal":
                return self._upload_url(payload)
            case "files.completeUploadExternal":
                return self._complete(payload)
            case "views.open" | "views.publish" | "views.update" | "views.push":
                return {"ok": True, "view": {"id": f"V{next(_ids)}", "hash": "h1"}}
            case "oauth.v2.access":
                return {
                    "ok": True,
                    "app_id": "A1",
                    "access_token": "xoxb-t2",
                    "token_type": "bot",
                    "scope": "commands,chat:write",
                    "bot_user_id": "UBOT2",
                    "team": {"id": "T2", "name": "Second council"},
                    "authed_user": {"id": "UADMIN2"},
                    "is_enterprise_install": False,
                }
        return {"ok": True}

    def _said(self, channel: str, message: dict[str, Any]) -> str:
        """Add a message from the bot to a conversation; returns its ts."""
        ts = f"{time.time():.6f}"
        entry = {"type": "message", "bot_id": "B1", "ts": ts}
        entry |= {k: v for k, v in message.items() if v is not None}
        self.history.setdefault(channel, []).append(entry)
        return ts

    def posted_to(self, channel: str) -> list[Call]:
        return [c for c in self.of("chat.postMessage") if c.payload.get("channel") == channel]

    def _history(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Newest first, from `oldest` on; metadata only when include_all_metadata is asked."""
        if self.history_error is not None:
            return {"ok": False, "error": self.history_error}
        oldest = float(payload.get("oldest") or 0)
        with_metadata = str(payload.get("include_all_metadata")).lower() in ("1", "true")
        found = [
            m if with_metadata else {k: v for k, v in m.items() if k != "metadata"}
            for m in reversed(self.history.get(str(payload.get("channel")), []))
            if float(m["ts"]) > oldest
        ]
        start = int(payload.get("cursor") or 0)
        limit = min(int(payload.get("limit") or 100), 15)  # Slack's cap outside the Marketplace
        page = found[start : start + limit]
        more = start + limit < len(found)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _upload_url(self, payload: dict[str, Any]) -> dict[str, Any]:
        if not payload.get("filename") or not str(payload.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(_ids)}"
        alt = payload.get("alt_txt")
        self.uploads[file_id] = Upload(
            file_id, str(payload["filename"]), int(payload["length"]), str(alt) if alt else None
        )
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _complete(self, payload: dict[str, Any]) -> dict[str, Any]:
        files = payload.get("files")
        listed = json.loads(files) if isinstance(files, str) else files or []
        channel = payload.get("channel_id") or payload.get("channels")
        done = []
        for item in listed:
            upload = self.uploads.get(item["id"])
            if upload is None or upload.content is None:
                return {"ok": False, "error": "file_not_found"}
            if len(upload.content) != upload.length:
                return {"ok": False, "error": "file_upload_size_mismatch"}
            upload.title = item.get("title")
            upload.channel = str(channel) if channel else None
            upload.initial_comment = payload.get("initial_comment")
            done.append({"id": upload.file_id, "name": upload.filename, "title": upload.title})
        if channel and done:
            self._said(str(channel), {"files": done, "upload": True})
        return {"ok": True, "files": done}

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def until(self, check: Callable[[], bool], what: str, within: float = 10.0) -> None:
        """Work done after the ack: poll until it shows up or the deadline passes."""
        deadline = time.monotonic() + within
        while not check():
            if time.monotonic() > deadline:
                seen = [c.method for c in self.calls]
                raise AssertionError(f"expected {what} within {within}s; saw {seen}")
            await asyncio.sleep(0.02)

    async def wait_for(self, method: str, count: int = 1, within: float = 10.0) -> list[Call]:
        await self.until(lambda: len(self.of(method)) >= count, f"{count} {method}", within)
        return self.of(method)


def _json(value: Any) -> Any:
    """A JSON argument as Slack reads it, sent as a JSON body or as a form field."""
    return json.loads(value) if isinstance(value, str) else value


def signed(body: str, content_type: str, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }


@dataclass
class SlackUser:
    """Someone in the workspace, sending signed requests to the app like Slack would."""

    http: aiohttp.ClientSession
    server: TestServer
    fake: FakeSlack
    user_id: str

    async def post(
        self, body: str, content_type: str, headers: dict[str, str] | None = None
    ) -> aiohttp.ClientResponse:
        all_headers = signed(body, content_type) | (headers or {})
        url = self.server.make_url("/slack/events")
        async with self.http.post(url, data=body, headers=all_headers) as response:
            await response.read()
            return response

    async def command(self, text: str, channel: str = "C1") -> aiohttp.ClientResponse:
        body = urlencode(
            {
                "command": "/supervision",
                "text": text,
                "team_id": TEAM,
                "user_id": self.user_id,
                "channel_id": channel,
                "trigger_id": f"trigger-{next(_ids)}",
                "response_url": f"{self.fake.url}/respond/{next(_ids)}",
            }
        )
        return await self.post(body, "application/x-www-form-urlencoded")

    async def interact(self, payload: dict[str, Any]) -> aiohttp.ClientResponse:
        payload = {"team": {"id": TEAM}, "user": {"id": self.user_id, "team_id": TEAM}} | payload
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded")

    async def interact_json(self, payload: dict[str, Any]) -> dict[str, Any]:
        body = urlencode(
            {"payload": json.dumps({"team": {"id": TEAM}, "user": {"id": self.user_id}} | payload)}
        )
        url = self.server.make_url("/slack/events")
        headers = signed(body, "application/x-www-form-urlencoded")
        async with self.http.post(url, data=body, headers=headers) as response:
            assert response.status == 200
            text = await response.text()
        return json.loads(text) if text else {}

    async def event(
        self, event: dict[str, Any], event_id: str | None = None, retry: int | None = None
    ) -> aiohttp.ClientResponse:
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": TEAM,
                "api_app_id": "A1",
                "event_id": event_id or f"Ev{next(_ids)}",
                "event_time": int(time.time()),
                "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}],
                "event": event,
            }
        )
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return await self.post(body, "application/json", headers if retry else None)

    async def say(
        self, text: str, event_id: str | None = None, retry: int | None = None
    ) -> aiohttp.ClientResponse:
        event = {
            "type": "message",
            "channel_type": "im",
            "channel": f"D{self.user_id}",
            "user": self.user_id,
            "text": text,
            "ts": f"{time.time():.6f}",
        }
        return await self.event(event, event_id, retry)

    async def open_home(self) -> aiohttp.ClientResponse:
        event = {"type": "app_home_opened", "user": self.user_id, "tab": "home", "channel": "D1"}
        return await self.event(event)


# A fixed Monday, as the Teams tests have: the demo draws its history relative to its day, so
# with today's date a person overdue on one day was not on another and a test passed or failed
# with the calendar. The app's clock starts there too (the Slack signatures keep real time).
TODAY = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # the day these tests were written against


def fixed_clock() -> Clock:
    return Clock(offset=TODAY - datetime.now(UTC))


def now() -> datetime:
    """What the app's clock reads now (the tests' "an hour ago" is by it, not the wall's)."""
    return fixed_clock()()


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("slack-demo") / "demo.db", TODAY.date())


@pytest.fixture
async def database(demo_database: Path, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    _, engine = copy_of(demo_database, tmp_path)
    yield engine
    await engine.dispose()


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    async with TestServer(fake.app(), host="127.0.0.1") as server:
        fake.url = str(server.make_url("")).rstrip("/")
        yield fake


def slack_settings(fake: FakeSlack, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_signing_secret": SECRET,
        "slack_bot_token": "xoxb-test",
        "slack_api_url": f"{fake.url}/api/",
        "scheduler_enabled": False,
    }
    return Settings(_env_file=None, **(values | overrides))  # type: ignore[call-arg]


@dataclass
class SlackHarness:
    server: TestServer
    fake: FakeSlack
    database: AsyncEngine
    http: aiohttp.ClientSession

    def as_user(self, user_id: str) -> SlackUser:
        return SlackUser(self.http, self.server, self.fake, user_id)


@pytest.fixture
async def make_harness(
    database: AsyncEngine, fake_slack: FakeSlack
) -> AsyncIterator[Callable[..., Awaitable[SlackHarness]]]:
    """Start the app with these settings; its server stops when the test ends."""
    started: list[SlackHarness] = []

    async def start(**overrides: Any) -> SlackHarness:
        settings = slack_settings(fake_slack, **overrides)
        app = create_app(settings, database, fixed_clock(), run_scheduler=False)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        harness = SlackHarness(server, fake_slack, database, aiohttp.ClientSession())
        started.append(harness)
        return harness

    yield start
    for harness in started:
        await harness.http.close()
        await harness.server.close()


@pytest.fixture
async def slack(make_harness: Callable[..., Awaitable[SlackHarness]]) -> SlackHarness:
    return await make_harness()


async def staff_row(database: AsyncEngine, email: str) -> Staff:
    async with session_factory(database)() as session:
        return (await session.exec(select(Staff).where(Staff.email == email))).one()
