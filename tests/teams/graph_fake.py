"""A fake Microsoft identity platform and Microsoft Graph on loopback (issue 23 items 5 and 6):
the client-credentials token endpoint and the Graph calls the bot makes, with the shapes of the
real ones (learn.microsoft.com: userteamwork-post-installedapps, userscopeteamsappinstallation-
get-chat, application-post-onlinemeetings). Every call is recorded; answers can be made to fail."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.teams.graph import Graph

GRAPH_TENANT = "33333333-0000-0000-0000-000000000000"
GRAPH_CLIENT = "44444444-0000-0000-0000-000000000000"
GRAPH_SECRET = "graph-secret-value"
CATALOG_APP = "1542629c-01b3-4a6d-8f76-1938b779e48d"


@dataclass
class GraphCall:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    auth: str | None


@dataclass
class FakeGraph:
    calls: list[GraphCall] = field(default_factory=list)
    tokens: list[dict[str, str]] = field(default_factory=list)
    installed: dict[str, str] = field(default_factory=dict)  # user id -> installation id
    meetings: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)  # Outlook calendar events
    refuse: dict[str, int] = field(default_factory=dict)  # "install"/"meeting"/"event" -> status
    server: TestServer | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def login_url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/"))

    @property
    def graph_url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/v1.0/"))

    def client(self) -> Graph:
        """The bot's real Graph client, pointed at this fake (close it after use)."""
        return Graph(
            tenant_id=GRAPH_TENANT,
            client_id=GRAPH_CLIENT,
            client_secret=GRAPH_SECRET,
            graph_url=self.graph_url,
            login_url=self.login_url,
        )

    def settings(self, **more: Any) -> dict[str, Any]:
        """The bot's settings for this fake: its own app registration for Graph."""
        return {
            "graph_client_id": GRAPH_CLIENT,
            "graph_client_secret": GRAPH_SECRET,
            "graph_tenant_id": GRAPH_TENANT,
            "graph_url": self.graph_url,
            "graph_login_url": self.login_url,
            **more,
        }

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        base = "/v1.0/users/{user}"
        app.router.add_post(f"{base}/teamwork/installedApps", self._install)
        app.router.add_get(f"{base}/teamwork/installedApps", self._installations)
        app.router.add_get(f"{base}/teamwork/installedApps/{{iid}}/chat", self._chat)
        app.router.add_post(f"{base}/onlineMeetings", self._create_meeting)
        app.router.add_patch(f"{base}/onlineMeetings/{{mid}}", self._patch_meeting)
        app.router.add_delete(f"{base}/onlineMeetings/{{mid}}", self._delete_meeting)
        app.router.add_post(f"{base}/events", self._create_event)
        app.router.add_patch(f"{base}/events/{{eid}}", self._patch_event)
        app.router.add_post(f"{base}/events/{{eid}}/cancel", self._cancel_event)
        return app

    def graph_calls(self, method: str | None = None) -> list[GraphCall]:
        return [c for c in self.calls if method is None or c.method == method]

    async def _token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.tokens.append({k: str(v) for k, v in form.items()})
        if (
            request.match_info["tenant"] != GRAPH_TENANT
            or form.get("grant_type") != "client_credentials"
            or form.get("client_id") != GRAPH_CLIENT
            or form.get("client_secret") != GRAPH_SECRET
            or form.get("scope") != "https://graph.microsoft.com/.default"
        ):
            return web.json_response(
                {"error": "invalid_client", "error_description": "AADSTS7000215: bad secret"},
                status=401,
            )
        return web.json_response(
            {
                "token_type": "Bearer",
                "expires_in": 3599,
                "ext_expires_in": 3599,
                "access_token": f"graph-token-{len(self.tokens)}",
            }
        )

    async def _record(self, request: web.Request, kind: str = "") -> web.Response | None:
        """Record the call; the answer to give instead when its token is wrong or calls of its
        `kind` ("install", "meeting", "event") are set to be refused."""
        body = await request.json() if request.can_read_body else None
        self.calls.append(
            GraphCall(
                request.method,
                request.path,
                dict(request.query),
                body,
                request.headers.get("Authorization"),
            )
        )
        if not (request.headers.get("Authorization") or "").startswith("Bearer graph-token-"):
            return _error(401, "InvalidAuthenticationToken")
        if kind in self.refuse:
            return _error(self.refuse[kind], _REFUSED[kind])
        return None

    async def _install(self, request: web.Request) -> web.Response:
        refused = await self._record(request, "install")
        if refused is not None:
            return refused
        body = self.calls[-1].body
        bind = f"{self.graph_url}appCatalogs/teamsApps/{CATALOG_APP}"
        if body != {"teamsApp@odata.bind": bind}:
            return _error(400, "BadRequest")
        user = request.match_info["user"]
        if user in self.installed:
            return _error(409, "Conflict")
        self.installed[user] = f"installation-{next(self._ids)}"
        return web.Response(status=201)

    async def _installations(self, request: web.Request) -> web.Response:
        refused = await self._record(request)
        if refused is not None:
            return refused
        user = request.match_info["user"]
        wanted = f"teamsApp/id eq '{CATALOG_APP}'"
        found = []
        if user in self.installed and request.query.get("$filter") == wanted:
            found = [
                {
                    "id": self.installed[user],
                    "teamsApp": {"id": CATALOG_APP, "displayName": "Supervision Assistant"},
                }
            ]
        return web.json_response({"@odata.context": "...", "value": found})

    async def _chat(self, request: web.Request) -> web.Response:
        refused = await self._record(request)
        if refused is not None:
            return refused
        user = request.match_info["user"]
        if self.installed.get(user) != request.match_info["iid"]:
            return _error(404, "NotFound")
        return web.json_response({"id": self.chat_of(user), "chatType": "oneOnOne", "topic": None})

    @staticmethod
    def chat_of(user: str) -> str:
        return f"19:{user}_bot@unq.gbl.spaces"

    async def _create_meeting(self, request: web.Request) -> web.Response:
        refused = await self._record(request, "meeting")
        if refused is not None:
            return refused
        number = next(self._ids)
        meeting = {
            **self.calls[-1].body,
            "id": f"MSo1N2Y5ZGFjYy{number}",
            "joinWebUrl": f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{number}%40thread.v2/0",
            "organizer": request.match_info["user"],
        }
        self.meetings[meeting["id"]] = meeting
        return web.json_response(meeting, status=201)

    async def _patch_meeting(self, request: web.Request) -> web.Response:
        refused = await self._record(request, "meeting")
        if refused is not None:
            return refused
        meeting = self.meetings.get(request.match_info["mid"])
        if meeting is None:
            return _error(404, "NotFound")
        meeting.update(self.calls[-1].body)
        return web.json_response(meeting)

    async def _delete_meeting(self, request: web.Request) -> web.Response:
        refused = await self._record(request, "meeting")
        if refused is not None:
            return refused
        if self.meetings.pop(request.match_info["mid"], None) is None:
            return _error(404, "NotFound")
        return web.Response(status=204)

    async def _create_event(self, request: web.Request) -> web.Response:
        # user-post-events: 201 with the event; Exchange sends the attendees the invitation.
        # A create with a transactionId already used returns the same event.
        refused = await self._record(request, "event")
        if refused is not None:
            return refused
        body = self.calls[-1].body
        for event in self.events.values():
            if body.get("transactionId") and event.get("transactionId") == body["transactionId"]:
                return web.json_response(event, status=201)
        event = {
            **body,
            "id": f"AAMkAGI2TG93AAA{next(self._ids)}=",
            "organizer": request.match_info["user"],
            "isCancelled": False,
        }
        self.events[event["id"]] = event
        return web.json_response(event, status=201)

    async def _patch_event(self, request: web.Request) -> web.Response:
        refused = await self._record(request, "event")
        if refused is not None:
            return refused
        event = self.events.get(request.match_info["eid"])
        if event is None:
            return _error(404, "ErrorItemNotFound")
        event.update(self.calls[-1].body)
        return web.json_response(event)

    async def _cancel_event(self, request: web.Request) -> web.Response:
        # event-cancel: 202, no body; the attendees are sent the cancellation.
        refused = await self._record(request, "event")
        if refused is not None:
            return refused
        event = self.events.get(request.match_info["eid"])
        if event is None:
            return _error(404, "ErrorItemNotFound")
        event["isCancelled"] = True
        return web.Response(status=202)


# The error code Graph gives when refusing each kind of call.
_REFUSED = {"install": "Forbidden", "meeting": "Forbidden", "event": "ErrorAccessDenied"}


def _error(status: int, code: str) -> web.Response:
    return web.json_response(
        {"error": {"code": code, "message": "refused by the fake Graph"}}, status=status
    )


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    fake = FakeGraph()
    async with TestServer(fake.app(), host="127.0.0.1") as server:
        fake.server = server
        yield fake
