"""Side by side on loopback: a bare Bolt app against our `/supervision caseload`, and a bare
Agents SDK echo bot against our caseload reply through /api/messages, over the same database.

Each app runs in its own process (bench/servers.py); the load, the fake Slack Web API, the
fake Teams connector and the fake Bot Framework identity provider share this one. Our app serves
Slack and Teams from one process, as in production, and its resident memory is read after both
runs. Both Teams apps validate a signed Bot Framework token on every activity (issue 24).

Issue 24's realistic harness, for the mix (`mix`, `processes_2`, and `postgres`): the Slack app
is installed into 20 workspaces through its own OAuth pages (`/slack/install`, then
`/slack/oauth_redirect` with the fake `oauth.v2.access`), each request is looked up in the
installation store as Bolt does, and a share of the messages come from people never seen
before, linked by their work email through the fake `users.info` (Slack) and the Teams
connector's member lookup.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import re
import sqlite3
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import aiohttp
from aiohttp import web
from bare_slack import ANSWER
from england import (
    SLACK_TEAM,
    aad_object_id,
    ensure,
    keep_obligations,
    slack_user,
    working_copy,
)
from identity_provider import TENANT, IdentityProvider
from loadgen import FakeConnector, FakeSlack, Laps, Timing, closed_loop, listen
from servers import SIGNING_SECRET, Server
from slack_sdk.signature import SignatureVerifier

ANSWER_WITHIN = 60.0  # seconds before a missing answer counts as an error


@dataclass(frozen=True)
class HttpPlan:
    users: int = 100  # distinct caseworkers asking, spread over every council
    warmup: int = 100  # every user once: Bolt's auth.test, DMs opened, caches warm
    serial: int = 200  # requests at concurrency 1 ...
    serial_seconds: float = 20.0  # ... or until this much time has passed
    concurrent: int = 2_000  # requests at concurrency `concurrency` ...
    concurrent_seconds: float = 30.0  # ... or until this much time has passed
    concurrency: int = 50
    mix: int = 1_000  # issue 24: the mixed traffic, at concurrency `concurrency` ...
    mix_seconds: float = 30.0  # ... or until this much time has passed
    workspaces: int = 20  # Slack workspaces installed through OAuth for the mix
    first_time_percent: int = 10  # share of the mix from people never seen before
    postgres: bool = True  # the mix at one and two processes on PostgreSQL too
    fork_servers: bool = False  # our servers forked from a preloaded process (servers.py)


# --quick: a smoke check of every figure (issue 24's at 0.01x), kept short: 7 servers start in it.
QUICK = HttpPlan(users=50, warmup=50, serial=40, serial_seconds=4, concurrent=200,
                 concurrent_seconds=6, mix=200, mix_seconds=5, fork_servers=True)  # fmt: skip

# Issue 24's mix of what people ask: 70% their caseload, 20% when their next supervision is,
# 10% a dialog step that writes (starting an informal-supervision note: the form and its state).
MIX = (("caseload", 70), ("due", 20), ("informal", 10))


def mixed(number: int) -> str:
    """The request `number` of the mix, spread evenly (every 10 requests hold the proportions)."""
    slot = (number * 7) % 100  # 7 is coprime with 100: every slot once in 100 requests
    for words, share in MIX:
        if slot < share:
            return words
        slot -= share
    return MIX[0][0]


def first_timer(number: int, percent: int) -> bool:
    """Whether request `number` of the mix comes from someone never seen (spread evenly)."""
    return (number * 31 + 3) % 100 < percent  # 31 is coprime with 100, and apart from MIX's 7


def caseworkers(database: Path, count: int) -> list[int]:
    """Social workers, senior practitioners and NQSWs with open cases, in a fixed spread order."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT s.id FROM staff s WHERE s.role IN ('social_worker', 'senior_practitioner',"
            " 'nqsw') AND EXISTS (SELECT 1 FROM caseallocation a WHERE a.staff_id = s.id)"
            " ORDER BY (s.id * 2654435761) % 1000003 LIMIT ?",
            (count,),
        ).fetchall()
    return [row[0] for row in rows]


WORKSPACE_PREFIX = "TW"


@dataclass
class Directory:
    """What the fakes know about people: each one's work email and Slack workspace, and who has
    never spoken to the bot (no Slack or Teams link yet): the realistic harness's people."""

    emails: dict[int, str] = field(default_factory=dict)
    workspaces: dict[int, str] = field(default_factory=dict)
    fresh: list[int] = field(default_factory=list)
    per_run: int = 0

    def workspace(self, staff_id: int) -> str:
        return self.workspaces.get(staff_id, SLACK_TEAM)

    def first_timers(self, run: int) -> list[int]:
        """Run `run`'s own people never seen before (the PostgreSQL runs repeat the SQLite runs'
        people: their database was copied before those were linked)."""
        return self.fresh[run * self.per_run : (run + 1) * self.per_run]


def realistic(database: Path, warm: list[int], plan: HttpPlan) -> Directory:
    """Spread people over `plan.workspaces` Slack workspaces (by team: at small fractions a
    council's teams sit in several workspaces, as on an Enterprise Grid) and unlink a pool of
    caseworkers outside the warm set, who then speak for the first time during the mix."""
    per_run = math.ceil(plan.mix * plan.first_time_percent / 100)
    with sqlite3.connect(database) as connection:
        connection.execute(
            "UPDATE staff SET slack_team_id = ? || printf('%02d', COALESCE(team_id, id) % ?)",
            (WORKSPACE_PREFIX, plan.workspaces),
        )
        rows = connection.execute("SELECT id, email, slack_team_id FROM staff").fetchall()
        pool = [
            row[0]
            for row in connection.execute(
                "SELECT s.id FROM staff s WHERE s.role IN ('social_worker', 'senior_practitioner',"
                " 'nqsw') ORDER BY (s.id * 40503) % 1000003"
            )
            if row[0] not in set(warm)
        ][: 2 * per_run]
        connection.executemany(
            "UPDATE staff SET slack_user_id = NULL, teams_aad_object_id = NULL WHERE id = ?",
            [(staff_id,) for staff_id in pool],
        )
    return Directory(
        emails={r[0]: r[1].lower() for r in rows},
        workspaces={r[0]: r[2] for r in rows},
        fresh=pool,
        per_run=per_run,
    )


async def rows_where(database: Path | str, sql: str, ids: list[Any], *first: Any) -> int:
    """COUNT(*) of `sql` (with `{ids}` for the list and `?` for `first`), on SQLite or PG."""
    if isinstance(database, Path):
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
            found = 0
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                query = sql.replace("{ids}", f"({','.join('?' * len(chunk))})")
                found += connection.execute(query, (*first, *chunk)).fetchone()[0]
            return found
    import asyncpg

    numbered = iter(range(1, 100))
    query = re.sub(r"\?", lambda _: f"${next(numbered)}", sql)
    query = query.replace("{ids}", f"(SELECT unnest(${next(numbered)}::{_pg_type(ids)}[]))")
    connection = await asyncpg.connect(str(database).replace("+asyncpg", ""))
    try:
        return int(await connection.fetchval(query, *first, ids))
    finally:
        await connection.close()


def _pg_type(ids: list[Any]) -> str:
    return "int" if ids and isinstance(ids[0], int) else "text"


async def install_workspaces(url: str, fake: MixSlack, count: int) -> dict[str, Any]:
    """Issue 24: install the app into `count` workspaces as an admin would, through its own
    pages: `/slack/install` (Bolt issues a state, in a cookie and the Slack authorize link),
    then Slack's redirect back to `/slack/oauth_redirect` with a code, which the app exchanges
    at the fake `oauth.v2.access` and keeps in its installation store."""
    began = time.perf_counter()
    installed = 0
    jar = aiohttp.DummyCookieJar()  # the state cookie is sent by hand, as the browser would
    async with aiohttp.ClientSession(cookie_jar=jar) as browser:
        for index in range(count):
            team = f"{WORKSPACE_PREFIX}{index:02d}"
            async with browser.get(f"{url}/slack/install", allow_redirects=False) as page:
                text = await page.text()
            found = re.search(r"state=([A-Za-z0-9_-]+)", text)
            if page.status != 200 or found is None:
                raise RuntimeError(f"/slack/install gave {page.status} and no state")
            state = found.group(1)
            code = f"{int(time.time())}.{index}.{team}"
            async with browser.get(
                f"{url}/slack/oauth_redirect",
                params={"code": code, "state": state},
                headers={"Cookie": f"slack-app-oauth-state={state}"},
                allow_redirects=False,
            ) as done:
                await done.read()
                installed += done.status == 200
    return {
        "workspaces": count,
        "installed": installed,
        "oauth_v2_access": fake.calls.get("oauth.v2.access", 0),
        "seconds": round(time.perf_counter() - began, 2),
    }


class Slack:
    """Signed `/supervision caseload` slash commands, answered in the ack (bare) or in a DM."""

    def __init__(self, http: aiohttp.ClientSession, fake: FakeSlack, users: list[int]) -> None:
        self.http, self.fake, self.users = http, fake, users
        self.verifier = SignatureVerifier(SIGNING_SECRET)
        self.directory: Directory | None = None  # set: people in their own workspaces

    def request(
        self, user_id: str, number: int, text: str = "caseload", team_id: str = SLACK_TEAM
    ) -> tuple[str, dict[str, str]]:
        body = urlencode(
            {
                "command": "/supervision",
                "text": text,
                "team_id": team_id,
                "user_id": user_id,
                "channel_id": f"D{user_id}",  # asked in the DM, where the answer goes
                "trigger_id": f"bench-{time.monotonic_ns()}-{number}",
                "response_url": f"{self.fake.url}/respond/{number}",
            }
        )
        stamp = str(int(time.time()))
        return body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": self.verifier.generate_signature(timestamp=stamp, body=body),
        }

    def sender(self, url: str, *, answered_in_dm: bool) -> Any:
        async def send(user: int, number: int) -> Timing:
            staff = self.users[user]
            user_id = slack_user(staff)
            team = self.directory.workspace(staff) if self.directory else SLACK_TEAM
            body, headers = self.request(user_id, number, team_id=team)
            answer = self.fake.expect(f"D{user_id}") if answered_in_dm else None
            started = time.perf_counter()
            async with self.http.post(f"{url}/slack/events", data=body, headers=headers) as reply:
                text = await reply.text()
            ack = time.perf_counter() - started
            if answer is None:
                return Timing(ack, ack, reply.status == 200 and ANSWER in text)
            try:
                text = await asyncio.wait_for(answer, ANSWER_WITHIN)
            except TimeoutError:
                return Timing(ANSWER_WITHIN, ack, False)
            return Timing(time.perf_counter() - started, ack, "caseload" in text.lower())

        return send

    def mix_sender(self, url: str, sent: list[str], people: Traffic) -> Any:
        """The mix: answered in the DM, or (the write step's form) by a modal opening."""
        assert isinstance(self.fake, MixSlack)
        fake = self.fake

        async def send(user: int, number: int) -> Timing:
            staff = people.who(self.users[user], number)
            user_id = slack_user(staff)
            team = self.directory.workspace(staff) if self.directory else SLACK_TEAM
            body, headers = self.request(user_id, number, mixed(number), team)
            trigger = parse_qs(body)["trigger_id"][0]
            sent.append(f"command:{trigger}")
            answer = fake.expect_either(f"D{user_id}", trigger)
            started = time.perf_counter()
            async with self.http.post(f"{url}/slack/events", data=body, headers=headers) as reply:
                await reply.read()
            ack = time.perf_counter() - started
            try:
                await asyncio.wait_for(answer, ANSWER_WITHIN)
            except TimeoutError:
                return Timing(ANSWER_WITHIN, ack, False)
            return Timing(time.perf_counter() - started, ack, reply.status == 200)

        return send


@dataclass
class Traffic:
    """Who sends each request of a mix run: a warm user, or (a `first_time_percent` share) the
    next person never seen before; and what was sent, counted."""

    first: list[int]
    percent: int
    used_first: list[int] = field(default_factory=list)
    teams: set[str] = field(default_factory=set)
    kinds: Counter[str] = field(default_factory=Counter)

    def who(self, warm: int, number: int) -> int:
        self.kinds[mixed(number)] += 1
        if self.first and first_timer(number, self.percent):
            person = self.first.pop()
            self.used_first.append(person)
            return person
        return warm


class MixSlack(FakeSlack):
    """The fake Slack Web API, also answering a form's `views.open` (the write step's modal),
    the OAuth exchange (`oauth.v2.access`), `auth.test` for each workspace's own bot token, and
    the directory lookups of a first message (`users.info`, `users.lookupByEmail`)."""

    directory: Directory | None = None

    def app(self) -> web.Application:
        app = super().app()
        app.router.add_get("/api/{method}", self._api)  # slack_sdk GETs users.info and others
        return app

    def expect_either(self, channel: str, trigger: str) -> asyncio.Future[str]:
        future = self.expect(channel)
        self.waiting[f"trigger:{trigger}"] = future
        return future

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["method"] == "views.open":
            self.calls["views.open"] = self.calls.get("views.open", 0) + 1
            payload = (
                dict(await request.post())
                if request.content_type != "application/json"
                else await request.json()
            )
            future = self.waiting.pop(f"trigger:{payload.get('trigger_id')}", None)
            if future is not None and not future.done():
                future.set_result("modal")
            return web.json_response({"ok": True, "view": {"id": "V1"}})
        if self.directory is not None:
            answer = await self._realistic(request)
            if answer is not None:
                return answer
        return await super()._api(request)

    async def _realistic(self, request: web.Request) -> web.Response | None:
        method = request.match_info["method"]
        if method not in ("oauth.v2.access", "auth.test", "users.info", "users.lookupByEmail"):
            return None
        assert self.directory is not None
        self.calls[method] = self.calls.get(method, 0) + 1
        payload: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            payload |= await request.json()
        else:
            payload |= dict(await request.post())
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        match method:
            case "oauth.v2.access":
                team = str(payload.get("code", "")).rsplit(".", 1)[-1]
                return web.json_response({
                    "ok": True, "app_id": "ABENCH", "access_token": f"xoxb-{team}",
                    "token_type": "bot", "scope": "commands,chat:write,im:write,users:read,"
                    "users:read.email", "bot_user_id": f"UBOT{team}",
                    "team": {"id": team, "name": f"Workspace {team}"}, "enterprise": None,
                    "authed_user": {"id": f"UADMIN{team}"}, "is_enterprise_install": False,
                })  # fmt: skip
            case "auth.test":
                team = token.removeprefix("xoxb-") if token.startswith("xoxb-T") else SLACK_TEAM
                return web.json_response(
                    {"ok": True, "team_id": team, "user_id": f"UBOT{team}", "bot_id": f"B{team}"}
                )
            case "users.info":
                user = str(payload.get("user", ""))
                staff = int(user[1:]) if user[1:].isdigit() else -1
                email = self.directory.emails.get(staff)
                if email is None:
                    return web.json_response({"ok": False, "error": "user_not_found"})
                return web.json_response({"ok": True, "user": {
                    "id": user, "team_id": self.directory.workspace(staff), "deleted": False,
                    "is_bot": False, "is_email_confirmed": True, "profile": {"email": email},
                }})  # fmt: skip
        wanted = str(payload.get("email", "")).lower()
        for staff, email in self.directory.emails.items():
            if email == wanted:
                return web.json_response({"ok": True, "user": {"id": slack_user(staff)}})
        return web.json_response({"ok": False, "error": "users_not_found"})


class MixConnector(FakeConnector):
    """The fake Bot Connector, also noting which incoming activity each reply answers (a turn
    may post several activities: its replies carry the incoming activity's id)."""

    def __init__(self) -> None:
        super().__init__()
        self.answered: set[str] = set()
        self.directory: Directory | None = None
        self.members = 0  # member lookups: a first message from someone not yet linked

    def app(self) -> web.Application:
        app = super().app()
        app.router.add_get("/v3/conversations/{cid}/members/{uid}", self._member)
        return app

    async def _member(self, request: web.Request) -> web.Response:
        """The connector's view of a member: their UPN and email (TeamsInfo.get_member)."""
        self.members += 1
        uid = request.match_info["uid"]
        staff = int(uid[3:]) if uid.startswith("29:") and uid[3:].isdigit() else -1
        email = self.directory.emails.get(staff) if self.directory else None
        if email is None:
            return web.json_response(
                {"error": {"code": "MemberNotFoundInConversation"}}, status=404
            )
        return web.json_response({"id": uid, "aadObjectId": aad_object_id(staff), "email": email,
                                  "userPrincipalName": email, "name": "Bench person"})  # fmt: skip

    async def _activity(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("replyToId"):
            self.answered.add(str(body["replyToId"]))
        self.posts += 1
        if not self.sample:
            attachments = body.get("attachments") or []
            self.sample = body.get("text") or str(attachments[0]["content"])[:200]
        return web.json_response({"id": f"activity-{next(self._ids)}"})


class Teams:
    """Real personal-chat message Activities to /api/messages; replies go to the fake connector."""

    def __init__(
        self, http: aiohttp.ClientSession, connector: FakeConnector, users: list[int],
        idp: IdentityProvider | None = None,
    ) -> None:  # fmt: skip
        self.http, self.connector, self.users, self.idp = http, connector, users, idp

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.idp is not None:  # the token Bot Framework sends with the activity
            headers["Authorization"] = f"Bearer {self.idp.token(self.connector.url + '/')}"
        return headers

    def activity(self, staff_id: int, number: int, text: str = "caseload") -> str:
        return json.dumps(
            {
                "type": "message",
                "id": f"bench-{time.monotonic_ns()}-{number}",
                "timestamp": "2026-11-23T09:30:00.000Z",
                "channelId": "msteams",
                "serviceUrl": self.connector.url + "/",
                "from": {"id": f"29:{staff_id}", "aadObjectId": aad_object_id(staff_id)},
                "recipient": {"id": "28:bench-bot", "name": "Supervision Assistant"},
                "conversation": {
                    "id": f"a:bench-{staff_id}",
                    "conversationType": "personal",
                    "tenantId": TENANT,
                },
                "channelData": {"tenant": {"id": TENANT}},
                "locale": "en-GB",
                "textFormat": "plain",
                "text": text,
            }
        )

    def sender(self, url: str) -> Any:
        async def send(user: int, number: int) -> Timing:
            body = self.activity(self.users[user], number)
            headers = self.headers()
            before = self.connector.posts
            started = time.perf_counter()
            async with self.http.post(f"{url}/api/messages", data=body, headers=headers) as reply:
                await reply.read()
            took = time.perf_counter() - started
            # The adapter answers 202 only after the turn, its reply already posted.
            return Timing(took, took, reply.status == 202 and self.connector.posts > before)

        return send

    def mix_sender(self, url: str, sent: list[str], people: Traffic) -> Any:
        async def send(user: int, number: int) -> Timing:
            body = self.activity(people.who(self.users[user], number), number, mixed(number))
            sent.append(json.loads(body)["id"])
            headers = self.headers()
            started = time.perf_counter()
            async with self.http.post(f"{url}/api/messages", data=body, headers=headers) as reply:
                await reply.read()
            took = time.perf_counter() - started
            return Timing(took, took, reply.status == 202)

        return send


async def measure(
    send: Any, plan: HttpPlan, server: Server, *, warm: bool = True, levels: str = "c1 cN"
) -> dict[str, Any]:
    if warm:
        await closed_loop(send, plan.users, plan.warmup, min(10, plan.users))
    runs: dict[str, Any] = {}
    for name, count, concurrency, seconds in (
        ("c1", plan.serial, 1, plan.serial_seconds),
        ("cN", plan.concurrent, plan.concurrency, plan.concurrent_seconds),
    ):
        if name not in levels.split():
            continue
        cpu = server.cpu_seconds()
        result = await closed_loop(send, plan.users, count, concurrency, seconds)
        runs[name] = result.as_dict()
        # The server's own CPU per answer: the steadiest measure of how much work each costs.
        used = server.cpu_seconds() - cpu
        runs[name]["server_cpu_ms"] = round(1000 * used / max(result.requests, 1), 2)
    return runs


def answers(fake: FakeSlack | FakeConnector, sent: list[str]) -> int:
    """Slack: messages posted and modals opened (one per answer); Teams: messages answered."""
    if isinstance(fake, MixConnector):
        return len(fake.answered.intersection(sent))
    return fake.calls.get("chat.postMessage", 0) + fake.calls.get("views.open", 0)


async def measure_mix(
    platform: str, make: Any, fake: FakeSlack | FakeConnector, plan: HttpPlan, server: Server,
    database: Path | str, first: list[int],
) -> dict[str, Any]:  # fmt: skip
    """Issue 24's mix at concurrency N, with every message accounted for: `lost` is a message
    sent and never answered or never committed, `doubled` an answer or a commit more than once.
    A `first_time_percent` share comes from `first`, people never seen, each once."""
    sent: list[str] = []
    people = Traffic(list(first), plan.first_time_percent)
    lookups_before = _lookups(fake)
    cpu, answered = server.cpu_seconds(), answers(fake, sent)
    result = await closed_loop(
        make(sent, people), plan.users, plan.mix, plan.concurrency, plan.mix_seconds
    )
    used = server.cpu_seconds() - cpu
    await asyncio.sleep(0.5)  # a reply still on its way to the fake counts as delivered
    replies = answers(fake, sent) - answered
    # Each turn claims its message id in the same transaction as everything it wrote
    # (dialogs.engine), so a row is a turn committed once.
    claimed = "SELECT COUNT(*) FROM processedinbound WHERE platform = ? AND message_id IN {ids}"
    rows = await rows_where(database, claimed, sent, platform)
    column = "slack_user_id" if platform == "slack" else "teams_aad_object_id"
    linked = (
        await rows_where(
            database,
            f"SELECT COUNT(*) FROM staff WHERE {column} IS NOT NULL AND id IN {{ids}}",
            people.used_first,
        )
        if people.used_first
        else 0
    )
    return result.as_dict() | {
        "server_cpu_ms": round(1000 * used / max(result.requests, 1), 2),
        "sent": len(sent),
        "committed": rows,
        "answers": replies,
        # Sent but never committed, or never answered (the larger of the two).
        "lost": max(len(sent) - rows, len(sent) - replies, 0),
        # Answered or committed more often than sent (a turn run twice).
        "doubled": max(replies - len(sent), 0) + max(rows - len(sent), 0),
        "mix": dict(MIX),
        "kinds_sent": dict(people.kinds),  # the mix as sent: 70 / 20 / 10 per 100
        # People never seen before: sent one message each, then linked by their work email.
        "first_time": {
            "sent": len(people.used_first),
            "linked": linked,
            "email_lookups": _lookups(fake) - lookups_before,
        },
    }


def _lookups(fake: FakeSlack | FakeConnector) -> int:
    if isinstance(fake, MixConnector):
        return fake.members
    return fake.calls.get("users.info", 0)


async def postgres_copy(database: Path) -> tuple[Any, str | None, dict[str, Any]]:
    """A temporary PostgreSQL with this SQLite database copied in (bench/pg.py, as the
    scheduler benchmark uses), or the reason there is none."""
    from england import RECORD_KEY
    from pg import TempPostgres, available, load

    from storage import crypto

    reason = available()
    if reason:
        return None, None, {"skipped": reason}
    crypto.configure(RECORD_KEY)  # the copy goes through the models' own record encryption
    pg = await asyncio.to_thread(TempPostgres)
    try:
        url = await pg.create("chat")
        loaded = await load(database, url)
        # The copy leaves the kept obligations out (derived): computed on PostgreSQL as well.
        kept = await keep_obligations(url)
        version = await pg.scalar("SHOW server_version")
    except BaseException:
        pg.stop()
        raise
    server = f"PostgreSQL {version}, temporary cluster"
    return pg, url, {"load": loaded, "server": server, "obligations_kept": kept}


async def realistic_runs(
    database: Path | str, slack: Slack, teams: Teams, plan: HttpPlan, api: str, metadata: str,
) -> dict[str, Any]:  # fmt: skip
    """The mix on our app with OAuth installs and first-time people, on one process and then on
    two sharing one port, against one database (a SQLite file or a PostgreSQL URL)."""
    fake, connector = slack.fake, teams.connector
    assert isinstance(fake, MixSlack)
    assert slack.directory is not None
    directory = slack.directory
    out: dict[str, Any] = {}
    warm = min(10, plan.users)
    lap = Laps()  # where the run's own time went, for a shorter --quick

    with await asyncio.to_thread(
        Server, "ours", api, database, metadata_url=metadata, oauth=True, fork=plan.fork_servers
    ) as ours:
        lap("start_1")
        out["install"] = await install_workspaces(ours.url, fake, plan.workspaces)
        stored = "SELECT COUNT(DISTINCT team_id) FROM slack_installation WHERE team_id IN {ids}"
        out["install"]["stored"] = await rows_where(
            database, stored, sorted(set(directory.workspaces.values()))
        )
        await closed_loop(
            slack.sender(ours.url, answered_in_dm=True), plan.users, plan.warmup, warm
        )
        await closed_loop(teams.sender(ours.url), plan.users, plan.warmup, warm)
        lap("install_warm_1")
        if isinstance(database, str):  # PostgreSQL: the same caseload question at 1 client too
            out["ours_slack"] = await measure(
                slack.sender(ours.url, answered_in_dm=True), plan, ours, warm=False, levels="c1"
            )
            out["ours_teams"] = await measure(
                teams.sender(ours.url), plan, ours, warm=False, levels="c1"
            )
        lap("c1")
        first = directory.first_timers(0)
        out["mix"] = {
            "slack": await measure_mix("slack", partial(slack.mix_sender, ours.url), fake, plan,
                                       ours, database, first),
            "teams": await measure_mix("teams", partial(teams.mix_sender, ours.url), connector,
                                       plan, ours, database, first),
        }  # fmt: skip
        out["memory"] = ours.memory()
        lap("mix_1")
    with await asyncio.to_thread(
        Server,
        "ours",
        api,
        database,
        2,
        metadata_url=metadata,
        oauth=True,
        fork=plan.fork_servers,
    ) as two:
        lap("start_2")
        await closed_loop(slack.sender(two.url, answered_in_dm=True), plan.users, plan.warmup, warm)
        await closed_loop(teams.sender(two.url), plan.users, plan.warmup, warm)
        lap("warm_2")
        first = directory.first_timers(1)
        out["processes_2"] = {
            "processes": 2,
            "slack": await measure_mix("slack", partial(slack.mix_sender, two.url), fake, plan,
                                       two, database, first),
            "teams": await measure_mix("teams", partial(teams.mix_sender, two.url), connector,
                                       plan, two, database, first),
        }  # fmt: skip
        lap("mix_2")
    out["sections_s"] = lap.sections
    for name in ("slack", "teams"):
        one = out["mix"][name]["throughput_rps"] or 1.0
        out["processes_2"][name]["vs_one_process"] = round(
            out["processes_2"][name]["throughput_rps"] / one, 2
        )
    return out


async def compare(database: Path, plan: HttpPlan) -> dict[str, Any]:
    """All four apps, one after another, against the same fakes and the same people; then the
    realistic mix on SQLite and on PostgreSQL."""
    users = caseworkers(database, plan.users)
    plan = replace(plan, users=len(users), warmup=min(plan.warmup, len(users)))
    # As the running scheduler keeps them in production (our servers here run without it): the
    # mix's "what's due" reads them (issue 24 item 1); PostgreSQL's copy is made after this.
    kept = await keep_obligations(database)
    fake_slack, connector, idp = MixSlack(), MixConnector(), IdentityProvider()
    runners: list[web.AppRunner] = []
    for fake in (fake_slack, connector, idp):
        runner, fake.url = await listen(fake.app())
        runners.append(runner)
    api = f"{fake_slack.url}/api/"
    metadata = idp.metadata_url
    connector_limit = aiohttp.TCPConnector(limit=plan.concurrency * 2)
    results: dict[str, Any] = {"plan": asdict(plan), "obligations_kept": kept}
    lap = Laps()  # where the run's own time went, for a shorter --quick

    pg: Any = None
    try:
        async with aiohttp.ClientSession(connector=connector_limit) as http:
            slack, teams = Slack(http, fake_slack, users), Teams(http, connector, users, idp)
            with await asyncio.to_thread(Server, "bare-slack", api) as bare:
                results["bare_slack"] = await measure(
                    slack.sender(bare.url, answered_in_dm=False), plan, bare
                )
                results["bare_slack"]["memory"] = bare.memory()
            lap("bare_slack")
            idp.requests.clear()
            with await asyncio.to_thread(Server, "bare-teams", api, metadata_url=metadata) as bare:
                results["bare_teams"] = await measure(teams.sender(bare.url), plan, bare)
                results["bare_teams"]["memory"] = bare.memory()
            lap("bare_teams")
            bare_fetches = dict(idp.requests)
            idp.requests.clear()
            fake_slack.sample = connector.sample = ""  # keep our app's answers as the samples
            with await asyncio.to_thread(
                Server, "ours", api, database, metadata_url=metadata, fork=plan.fork_servers
            ) as ours:
                results["ours_slack"] = await measure(
                    slack.sender(ours.url, answered_in_dm=True), plan, ours
                )
                results["ours_teams"] = await measure(teams.sender(ours.url), plan, ours)
                results["ours_memory"] = ours.memory()
            lap("ours")
            results["teams_auth"] = {
                "issuer": "https://api.botframework.com", "tokens_signed": idp.issued,
                # What each app fetched from the identity provider over its whole run.
                "bare_fetches": bare_fetches, "ours_fetches": dict(idp.requests),
            }  # fmt: skip
            # Issue 24's realistic harness: 20 OAuth workspaces, people never seen before.
            directory = realistic(database, users, plan)
            fake_slack.directory = connector.directory = slack.directory = directory
            pg_url: str | None = None
            if plan.postgres:  # copied now: its people are as unlinked as SQLite's
                pg, pg_url, results["postgres"] = await postgres_copy(database)
                lap("postgres_copy")
            found = await realistic_runs(database, slack, teams, plan, api, metadata)
            lap("realistic_sqlite")
            results["mix"], results["processes_2"] = found["mix"], found["processes_2"]
            results["realistic"] = {
                "install": found["install"], "memory": found["memory"],
                "sections_s": found["sections_s"],
                "first_time_pool": len(directory.fresh), "first_time_per_run": directory.per_run,
            }  # fmt: skip
            if pg_url is not None:
                results["postgres"] |= await realistic_runs(
                    pg_url, slack, teams, plan, api, metadata
                )
                lap("realistic_postgres")
            results["sections_s"] = lap.sections
            results["slack_api_calls"] = dict(fake_slack.calls)
            results["samples"] = {"slack": fake_slack.sample, "teams": connector.sample[:160]}
    finally:
        for runner in runners:
            await runner.cleanup()
        if pg is not None:
            await asyncio.to_thread(pg.stop)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fraction", type=float, default=0.01)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-postgres", action="store_true", help="the mix on SQLite only")
    args = parser.parse_args()
    database = working_copy(ensure(args.fraction)[0])
    plan = replace(QUICK if args.quick else HttpPlan(), postgres=not args.no_postgres)
    print(json.dumps(asyncio.run(compare(database, plan)), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
