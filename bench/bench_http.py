"""Side by side on loopback: a bare Bolt app against our `/supervision caseload`, and a bare
Agents SDK echo bot against our caseload reply through /api/messages, over the same database.

Each app runs in its own process (bench/servers.py); the load, the fake Slack Web API and the
fake Teams connector share this one. Our app serves Slack and Teams from one process, as in
production, and its resident memory is read after both runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import time
from dataclasses import asdict, dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import aiohttp
from aiohttp import web
from bare_slack import ANSWER
from england import SLACK_TEAM, aad_object_id, ensure, slack_user, working_copy
from loadgen import FakeConnector, FakeSlack, Timing, closed_loop, listen
from servers import SIGNING_SECRET, Server
from slack_sdk.signature import SignatureVerifier

TENANT = "22222222-0000-0000-0000-000000000000"
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


QUICK = HttpPlan(users=60, warmup=60, serial=60, serial_seconds=5, concurrent=300,
                 concurrent_seconds=8, mix=300, mix_seconds=8)  # fmt: skip

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


class Slack:
    """Signed `/supervision caseload` slash commands, answered in the ack (bare) or in a DM."""

    def __init__(self, http: aiohttp.ClientSession, fake: FakeSlack, users: list[int]) -> None:
        self.http, self.fake, self.users = http, fake, users
        self.verifier = SignatureVerifier(SIGNING_SECRET)

    def request(
        self, user_id: str, number: int, text: str = "caseload"
    ) -> tuple[str, dict[str, str]]:
        body = urlencode(
            {
                "command": "/supervision",
                "text": text,
                "team_id": SLACK_TEAM,
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
            user_id = slack_user(self.users[user])
            body, headers = self.request(user_id, number)
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

    def mix_sender(self, url: str, sent: list[str]) -> Any:
        """The mix: answered in the DM, or (the write step's form) by a modal opening."""
        assert isinstance(self.fake, MixSlack)
        fake = self.fake

        async def send(user: int, number: int) -> Timing:
            user_id = slack_user(self.users[user])
            body, headers = self.request(user_id, number, mixed(number))
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


class MixSlack(FakeSlack):
    """The fake Slack Web API, also answering a form's `views.open` (the write step's modal)."""

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
        return await super()._api(request)


class MixConnector(FakeConnector):
    """The fake Bot Connector, also noting which incoming activity each reply answers (a turn
    may post several activities: its replies carry the incoming activity's id)."""

    def __init__(self) -> None:
        super().__init__()
        self.answered: set[str] = set()

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
        self, http: aiohttp.ClientSession, connector: FakeConnector, users: list[int]
    ) -> None:
        self.http, self.connector, self.users = http, connector, users

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
            headers = {"Content-Type": "application/json"}
            before = self.connector.posts
            started = time.perf_counter()
            async with self.http.post(f"{url}/api/messages", data=body, headers=headers) as reply:
                await reply.read()
            took = time.perf_counter() - started
            # The adapter answers 202 only after the turn, its reply already posted.
            return Timing(took, took, reply.status == 202 and self.connector.posts > before)

        return send

    def mix_sender(self, url: str, sent: list[str]) -> Any:
        async def send(user: int, number: int) -> Timing:
            body = self.activity(self.users[user], number, mixed(number))
            sent.append(json.loads(body)["id"])
            headers = {"Content-Type": "application/json"}
            started = time.perf_counter()
            async with self.http.post(f"{url}/api/messages", data=body, headers=headers) as reply:
                await reply.read()
            took = time.perf_counter() - started
            return Timing(took, took, reply.status == 202)

        return send


async def measure(send: Any, plan: HttpPlan, server: Server) -> dict[str, Any]:
    await closed_loop(send, plan.users, plan.warmup, min(10, plan.users))
    runs: dict[str, Any] = {}
    for name, count, concurrency, seconds in (
        ("c1", plan.serial, 1, plan.serial_seconds),
        ("cN", plan.concurrent, plan.concurrency, plan.concurrent_seconds),
    ):
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


def committed(database: Path, platform: str, ids: list[str]) -> int:
    """How many of these messages were handled: each turn claims its message id in the same
    transaction as everything it wrote (dialogs.engine), so a row is a turn committed once."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        found = 0
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found += connection.execute(
                "SELECT COUNT(*) FROM processedinbound WHERE platform = ?"
                f" AND message_id IN ({marks})",
                (platform, *chunk),
            ).fetchone()[0]
    return found


async def measure_mix(
    platform: str, make: Any, fake: FakeSlack | FakeConnector, plan: HttpPlan, server: Server,
    database: Path,
) -> dict[str, Any]:  # fmt: skip
    """Issue 24's mix at concurrency N, with every message accounted for: `lost` is a message
    sent and never answered or never committed, `doubled` an answer or a commit more than once."""
    sent: list[str] = []
    cpu, answered = server.cpu_seconds(), answers(fake, sent)
    result = await closed_loop(make(sent), plan.users, plan.mix, plan.concurrency, plan.mix_seconds)
    used = server.cpu_seconds() - cpu
    await asyncio.sleep(0.5)  # a reply still on its way to the fake counts as delivered
    replies = answers(fake, sent) - answered
    rows = committed(database, platform, sent)
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
    }


async def compare(database: Path, plan: HttpPlan) -> dict[str, Any]:
    """All four apps, one after another, against the same fakes and the same people."""
    users = caseworkers(database, plan.users)
    plan = replace(plan, users=len(users), warmup=min(plan.warmup, len(users)))
    fake_slack, connector = MixSlack(), MixConnector()
    slack_runner, fake_slack.url = await listen(fake_slack.app())
    teams_runner, connector.url = await listen(connector.app())
    api = f"{fake_slack.url}/api/"
    connector_limit = aiohttp.TCPConnector(limit=plan.concurrency * 2)
    results: dict[str, Any] = {"plan": asdict(plan)}
    try:
        async with aiohttp.ClientSession(connector=connector_limit) as http:
            slack, teams = Slack(http, fake_slack, users), Teams(http, connector, users)
            with await asyncio.to_thread(Server, "bare-slack", api) as bare:
                results["bare_slack"] = await measure(
                    slack.sender(bare.url, answered_in_dm=False), plan, bare
                )
                results["bare_slack"]["memory"] = bare.memory()
            with await asyncio.to_thread(Server, "bare-teams", api) as bare:
                results["bare_teams"] = await measure(teams.sender(bare.url), plan, bare)
                results["bare_teams"]["memory"] = bare.memory()
            fake_slack.sample = connector.sample = ""  # keep our app's answers as the samples
            with await asyncio.to_thread(Server, "ours", api, database) as ours:
                results["ours_slack"] = await measure(
                    slack.sender(ours.url, answered_in_dm=True), plan, ours
                )
                results["ours_teams"] = await measure(teams.sender(ours.url), plan, ours)
                results["ours_memory"] = ours.memory()
                results["mix"] = {
                    "slack": await measure_mix(
                        "slack", partial(slack.mix_sender, ours.url), fake_slack, plan, ours,
                        database,
                    ),
                    "teams": await measure_mix(
                        "teams", partial(teams.mix_sender, ours.url), connector, plan, ours,
                        database,
                    ),
                }  # fmt: skip
            with await asyncio.to_thread(Server, "ours", api, database, 2) as two:
                await closed_loop(slack.sender(two.url, answered_in_dm=True), plan.users,
                                  plan.warmup, min(10, plan.users))  # fmt: skip
                results["processes_2"] = {
                    "processes": 2,
                    "slack": await measure_mix(
                        "slack", partial(slack.mix_sender, two.url), fake_slack, plan, two,
                        database,
                    ),
                    "teams": await measure_mix(
                        "teams", partial(teams.mix_sender, two.url), connector, plan, two,
                        database,
                    ),
                }  # fmt: skip
                for name in ("slack", "teams"):
                    one = results["mix"][name]["throughput_rps"] or 1.0
                    results["processes_2"][name]["vs_one_process"] = round(
                        results["processes_2"][name]["throughput_rps"] / one, 2
                    )
            results["slack_api_calls"] = dict(fake_slack.calls)
            results["samples"] = {"slack": fake_slack.sample, "teams": connector.sample[:160]}
    finally:
        await slack_runner.cleanup()
        await teams_runner.cleanup()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fraction", type=float, default=0.01)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    database = working_copy(ensure(args.fraction)[0])
    print(json.dumps(asyncio.run(compare(database, QUICK if args.quick else HttpPlan())), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
