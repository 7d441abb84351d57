"""Teams over real HTTP on loopback: the bot's aiohttp app on one ephemeral port, a fake Teams
connector on another recording every call, and the demo council in a SQLite copy per test."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from demo_data import build_demo, copy_of
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.clock import Clock
from bot.settings import Settings

TODAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday; the demo is seeded for this day
TENANT = "22222222-0000-0000-0000-000000000000"
BOT = {"id": "28:bot-app-id", "name": "Supervision Assistant"}


@dataclass(frozen=True)
class TeamsUser:
    user_id: str
    aad_object_id: str
    name: str
    email: str


SAM = TeamsUser("29:sam", "aad-sam-0001", "Sam Taylor", "sam.taylor@demoshire.example")
PRIYA = TeamsUser("29:priya", "aad-priya-0002", "Priya Shah", "Priya.Shah@demoshire.example")
STRANGER = TeamsUser("29:stranger", "aad-stranger-9", "Pat Nobody", "pat@elsewhere.example")


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("teams-demo") / "demo.db", TODAY.date())


@pytest.fixture
async def database(demo_database: Path, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    _, engine = copy_of(demo_database, tmp_path)
    yield engine
    await engine.dispose()


# ---- The fake Teams connector ----------------------------------------------------------------


@dataclass
class Call:
    method: str
    path: str
    conversation: str
    activity_id: str | None
    body: Any
    auth: str | None


@dataclass
class Upload:
    """A PUT to an upload URL handed out in a fileConsent/invoke (OneDrive's, in real life)."""

    name: str
    content: bytes
    content_range: str | None
    authorization: str | None


@dataclass
class FakeConnector:
    """Answers the Bot Connector REST calls the bot makes and records each one; it also stands
    in for the OneDrive upload session a file-consent answer points at (`/upload/{name}`)."""

    members: dict[str, TeamsUser] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    fail_with: list[tuple[int, Mapping[str, str]]] = field(default_factory=list)
    fail_after: int = 0  # activity posts that succeed before `fail_with` applies
    uploads: list[Upload] = field(default_factory=list)
    fail_uploads: int = 0
    server: TestServer | None = None
    # The client port of each activity post: one port for many posts is a kept-alive connection.
    ports: list[int] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/"))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations/{cid}/activities", self._activity)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._activity)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._activity)
        app.router.add_get("/v3/conversations/{cid}/members/{uid}", self._member)
        app.router.add_put("/upload/{name}", self._upload)
        return app

    async def _upload(self, request: web.Request) -> web.Response:
        content = await request.read()
        self.uploads.append(
            Upload(
                request.match_info["name"],
                content,
                request.headers.get("Content-Range"),
                request.headers.get("Authorization"),
            )
        )
        if self.fail_uploads:
            self.fail_uploads -= 1
            return web.json_response({"error": {"code": "generalException"}}, status=500)
        # OneDrive answers the last range of an upload session with the new driveItem.
        return web.json_response(
            {"id": "01ITEM", "name": request.match_info["name"], "size": len(content)}, status=201
        )

    async def _activity(self, request: web.Request) -> web.Response:
        body = await request.json()
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.ports.append(peer[1] if peer else 0)
        self.calls.append(
            Call(
                request.method,
                request.path,
                request.match_info["cid"],
                request.match_info.get("aid"),
                body,
                request.headers.get("Authorization"),
            )
        )
        if self.fail_with and self.fail_after > 0:
            self.fail_after -= 1
        elif self.fail_with:
            status, headers = self.fail_with.pop(0)
            return web.json_response({"error": {"code": "x"}}, status=status, headers=headers)
        if request.method == "PUT":
            return web.json_response({"id": request.match_info["aid"]})
        return web.json_response({"id": f"activity-{next(self._ids)}"})

    async def _member(self, request: web.Request) -> web.Response:
        self.calls.append(Call("GET", request.path, request.match_info["cid"], None, None, None))
        user = self.members.get(request.match_info["uid"])
        if user is None:
            return web.json_response(
                {"error": {"code": "MemberNotFoundInConversation"}}, status=404
            )
        return web.json_response(
            {
                "id": user.user_id,
                "name": user.name,
                "aadObjectId": user.aad_object_id,
                "email": user.email,
                "userPrincipalName": user.email,
                "tenantId": TENANT,
            }
        )

    def sent(self, conversation: str | None = None) -> list[Call]:
        """Messages posted (not updates, not member lookups), optionally to one conversation."""
        return [
            c
            for c in self.calls
            if c.method == "POST" and (conversation is None or c.conversation == conversation)
        ]

    def updates(self) -> list[Call]:
        return [c for c in self.calls if c.method == "PUT"]

    async def wait_for(self, predicate: Callable[[], Any], within: float = 5.0) -> Any:
        """Poll until the predicate holds (or fail after `within` seconds): no fixed sleeps."""
        deadline = time.monotonic() + within
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"not seen within {within}s; calls: {self.calls}")
            await asyncio.sleep(0.01)


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector(members={u.user_id: u for u in (SAM, PRIYA)})
    async with TestServer(fake.app(), host="127.0.0.1") as server:
        fake.server = server
        yield fake


# ---- The bot ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    text: str


@dataclass
class TeamsBot:
    server: TestServer
    app: web.Application
    connector: FakeConnector
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def post(
        self, activity: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> Answer:
        async with (
            aiohttp.ClientSession() as client,
            client.post(
                self.server.make_url("/api/messages"), json=activity, headers=headers
            ) as response,
        ):
            return Answer(response.status, await response.text())

    def next_id(self) -> str:
        return f"incoming-{next(self._ids)}"


def fixed_clock() -> Clock:
    return Clock(offset=TODAY - datetime.now(UTC))


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"teams_allow_anonymous": True, "scheduler_enabled": False}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def teams_bot(database: AsyncEngine, connector: FakeConnector) -> AsyncIterator[TeamsBot]:
    app = create_app(settings(), database, fixed_clock(), run_scheduler=False)
    async with TestServer(app, host="127.0.0.1") as server:
        yield TeamsBot(server, app, connector)


# ---- Real Activity JSON ----------------------------------------------------------------------


def personal_conversation(user: TeamsUser) -> dict[str, Any]:
    return {"id": f"a:chat-{user.user_id[3:]}", "conversationType": "personal", "tenantId": TENANT}


def account(user: TeamsUser) -> dict[str, Any]:
    return {"id": user.user_id, "name": user.name, "aadObjectId": user.aad_object_id}


def personal_message(
    bot: TeamsBot,
    user: TeamsUser,
    text: str = "",
    *,
    value: Mapping[str, Any] | None = None,
    reply_to: str | None = None,
) -> dict[str, Any]:
    activity: dict[str, Any] = {
        "type": "message",
        "id": bot.next_id(),
        "timestamp": "2026-11-23T10:00:00.000Z",
        "channelId": "msteams",
        "serviceUrl": bot.connector.url,
        "from": account(user),
        "recipient": BOT,
        "conversation": personal_conversation(user),
        "channelData": {"tenant": {"id": TENANT}},
        "locale": "en-GB",
        "textFormat": "plain",
        "text": text,
    }
    if value is not None:
        activity["value"] = dict(value)
        activity.pop("text")
    if reply_to is not None:
        activity["replyToId"] = reply_to
    return activity


def personal_install(bot: TeamsBot, user: TeamsUser) -> dict[str, Any]:
    """What Teams sends when someone adds the app for themselves."""
    return {
        "type": "conversationUpdate",
        "id": bot.next_id(),
        "channelId": "msteams",
        "serviceUrl": bot.connector.url,
        "from": account(user),
        "recipient": BOT,
        "conversation": personal_conversation(user),
        "channelData": {"tenant": {"id": TENANT}},
        "membersAdded": [{"id": BOT["id"]}],
    }


TEAM_ID = "19:team-general@thread.tacv2"
CHANNEL_ID = "19:safeguarding-north@thread.tacv2"


def team_install(bot: TeamsBot, user: TeamsUser) -> dict[str, Any]:
    """installationUpdate when the app is added to a team (it arrives in the channel used)."""
    return {
        "type": "installationUpdate",
        "action": "add",
        "id": bot.next_id(),
        "channelId": "msteams",
        "serviceUrl": bot.connector.url,
        "from": account(user),
        "recipient": BOT,
        "conversation": {
            "id": CHANNEL_ID,
            "conversationType": "channel",
            "isGroup": True,
            "tenantId": TENANT,
        },
        "channelData": {
            "tenant": {"id": TENANT},
            "team": {"id": TEAM_ID, "name": "Safeguarding North"},
            "channel": {"id": CHANNEL_ID, "name": "Supervision"},
        },
    }


def channel_mention(bot: TeamsBot, user: TeamsUser, words: str) -> dict[str, Any]:
    """A channel post that @mentions the bot, as Teams sends it (thread id in the conversation)."""
    mention = f"<at>{BOT['name']}</at>"
    return {
        "type": "message",
        "id": bot.next_id(),
        "channelId": "msteams",
        "serviceUrl": bot.connector.url,
        "from": account(user),
        "recipient": BOT,
        "conversation": {
            "id": f"{CHANNEL_ID};messageid=1700000000000",
            "conversationType": "channel",
            "isGroup": True,
            "tenantId": TENANT,
        },
        "channelData": {
            "tenant": {"id": TENANT},
            "team": {"id": TEAM_ID},
            "channel": {"id": CHANNEL_ID},
        },
        "textFormat": "plain",
        "text": f"{mention} {words}",
        "entities": [{"type": "mention", "mentioned": BOT, "text": mention}],
    }


def card_of(call: Call) -> dict[str, Any]:
    """The Adaptive Card in a recorded activity."""
    attachments = call.body.get("attachments") or []
    assert attachments, f"no card in {call.body}"
    assert attachments[0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    card: dict[str, Any] = attachments[0]["content"]
    return card


def elements(card: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every element in a card body, containers flattened."""
    found: list[dict[str, Any]] = []

    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            found.append(item)
            walk(item.get("items", []))
            walk(item.get("actions", []))

    walk(list(card.get("body", [])))
    return found


def file_consent(
    bot: TeamsBot,
    user: TeamsUser,
    consent: Mapping[str, Any],
    action: str = "accept",
    *,
    activity_id: str | None = None,
) -> dict[str, Any]:
    """Teams' invoke when someone answers a FileConsentCard (`consent` is that card's
    attachment): the card's context comes back, with an upload URL when they allowed it."""
    content = consent["content"]
    name = consent["name"]
    value: dict[str, Any] = {
        "type": "fileUpload",
        "action": action,
        "context": content["acceptContext" if action == "accept" else "declineContext"],
    }
    if action == "accept":
        value["uploadInfo"] = {
            "contentUrl": f"https://contoso-my.sharepoint.com/personal/sam/Documents/{name}",
            "name": name,
            "uploadUrl": f"{bot.connector.url}upload/{name}",
            "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C9D",
            "fileType": name.rpartition(".")[2],
        }
    return {
        "type": "invoke",
        "name": "fileConsent/invoke",
        "id": activity_id or bot.next_id(),
        "timestamp": "2026-11-23T10:01:00.000Z",
        "channelId": "msteams",
        "serviceUrl": bot.connector.url,
        "from": account(user),
        "recipient": BOT,
        "conversation": personal_conversation(user),
        "channelData": {"tenant": {"id": TENANT}, "source": {"name": "message"}},
        "locale": "en-GB",
        "value": value,
    }
