"""Issue 8: the real Slack and Teams senders against fake platforms that throttle, fail and hang.

Each message arrives later, exactly once: a 429 is retried after its Retry-After, a 500 and a
timeout with exponential backoff, and other messages are not held up meanwhile. Runs on SQLite,
and on PostgreSQL when TEST_DATABASE_URL points at one (the `engine` fixture).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import CLOCK, ENGINE, SETTINGS
from bot.clock import Clock
from bot.dispatcher import Dispatcher, Progress, Sender
from bot.settings import Settings
from bot.slack.runtime import SlackRuntime
from bot.slack.sender import SlackSender
from bot.teams.http import auth_configuration, host_validator
from bot.teams.sender import SEND_TIMEOUT, TeamsSender
from dialogs.messages import Card, Fact, Option
from dialogs.serialise import to_dict
from storage.db import session_factory
from storage.models import ConversationReference, OutboxMessage
from storage.outbox import enqueue
from tests.bot.delivery_helpers import (
    HANG_CAP,
    FakeClock,
    FaultyConnector,
    FaultyPlatform,
    FaultySlack,
    bounded,
    outbox_rows,
    serving,
)

START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday morning
CLIENT_TIMEOUT = 0.5  # seconds; the fake's hang lasts HANG_CAP, far longer
BASE_DELAY = timedelta(seconds=1)  # so that Retry-After: 2 is visibly what decides the first wait
TENANT = "22222222-0000-0000-0000-000000000000"
REMINDER = Card(
    title="Due in 3 days: Supervision (one to one)",
    facts=(Fact("What", "Supervision (one to one)"),),
    actions=(Option("start:book", "Book"), Option("start:held", "Mark as held")),
)


@dataclass
class Platform:
    name: str
    fake: FaultyPlatform
    sender: Sender
    faulty: str  # the outbox target whose requests fail as scripted
    steady: str  # another target, answered at once
    faulty_conversation: str  # as the fake sees them
    steady_conversation: str


class ShortTimeoutRuntime(SlackRuntime):
    """The real runtime, with the Web API client's timeout cut from slack_sdk's 30 s so that a
    hang longer than it stays fast to test (the sender sets no timeout of its own)."""

    async def client_for(self, team_id: str | None) -> AsyncWebClient:
        client = await super().client_for(team_id)
        client.timeout = CLIENT_TIMEOUT  # type: ignore[assignment]
        return client


async def slack_platform(engine: AsyncEngine) -> AsyncIterator[Platform]:
    async with serving(FaultySlack()) as fake:
        app = web.Application()
        app[SETTINGS] = Settings(  # type: ignore[call-arg]
            _env_file=None,
            slack_signing_secret="test-signing-secret",
            slack_bot_token="xoxb-test",
            slack_api_url=f"{fake.url}/api/",
            scheduler_enabled=False,
        )
        app[ENGINE] = engine
        sender = SlackSender(ShortTimeoutRuntime(app))
        yield Platform("slack", fake, sender, "T1:DUSAM", "T1:CNORTH", "DUSAM", "CNORTH")


def teams_reference(conversation: str, service_url: str) -> dict[str, Any]:
    """A personal chat's reference as bot/teams/references.py stores it on install."""
    return {
        "channelId": "msteams",
        "serviceUrl": service_url,
        "bot": {"id": "28:bot-app-id", "name": "Supervision Assistant"},
        "user": {"id": f"29:{conversation}", "name": conversation.title()},
        "conversation": {
            "id": f"a:chat-{conversation}",
            "conversationType": "personal",
            "tenantId": TENANT,
        },
    }


async def teams_platform(engine: AsyncEngine) -> AsyncIterator[Platform]:
    async with serving(FaultyConnector()) as fake:
        async with session_factory(engine)() as session:
            for who in ("sam", "priya"):
                session.add(
                    ConversationReference(
                        platform="teams",
                        conversation_id=f"a:chat-{who}",
                        service_url=f"{fake.url}/",
                        tenant_id=TENANT,
                        reference=teams_reference(who, f"{fake.url}/"),
                    )
                )
            await session.commit()
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, teams_allow_anonymous=True, scheduler_enabled=False
        )
        config = auth_configuration(settings)
        validator = host_validator(settings)
        connections = MsalConnectionManager(
            connections_configurations={"SERVICE_CONNECTION": config}
        )
        adapter = CloudAdapter(connection_manager=connections, host_validator=validator)
        app = web.Application()
        app[ENGINE] = engine
        app[CLOCK] = Clock(offset=START - datetime.now(UTC))  # file consent is dated with it
        sender = TeamsSender(adapter, app, settings, validator, timeout=CLIENT_TIMEOUT)
        yield Platform(
            "teams", fake, sender, "a:chat-sam", "a:chat-priya", "a:chat-sam", "a:chat-priya"
        )


@pytest.fixture(params=["slack", "teams"])
async def platform(request: pytest.FixtureRequest, engine: AsyncEngine) -> AsyncIterator[Platform]:
    make = slack_platform if request.param == "slack" else teams_platform
    async for value in make(engine):
        yield value


async def queue(engine: AsyncEngine, key: str, platform: str, target: str, text: str) -> None:
    card = Card(title=f"{REMINDER.title} ({text})", facts=REMINDER.facts, actions=REMINDER.actions)
    async with session_factory(engine)() as session:
        added = await enqueue(
            session,
            key=key,
            platform=platform,
            target=target,
            kind="reminder",
            payload={"replies": [to_dict(card)]},  # one card, as reminders are
            due_at=START,
        )
        await session.commit()
    assert added


async def row(engine: AsyncEngine, key: str) -> OutboxMessage:
    found = [r for r in await outbox_rows(engine) if r.idempotency_key == key]
    assert len(found) == 1
    return found[0]


def mentions(body: Any, text: str) -> bool:
    return text in str(body)


async def test_throttled_failing_and_hanging_sends_arrive_later_exactly_once(
    engine: AsyncEngine, platform: Platform
) -> None:
    fake = platform.fake
    fake.retry_after = 2
    fake.script[platform.faulty_conversation] = ["429", "500", "hang"]
    clock = FakeClock(START)
    dispatcher = Dispatcher(
        engine, {platform.name: platform.sender}, clock, base_delay=BASE_DELAY, max_attempts=8
    )
    await queue(engine, "faulty", platform.name, platform.faulty, "for Sam")
    await queue(engine, "steady", platform.name, platform.steady, "for the other one")

    # 1. 429 with Retry-After: 2. The other message is not held up.
    assert await bounded(dispatcher.run_once()) == 2
    faulty = await row(engine, "faulty")
    assert (faulty.status, faulty.attempts) == ("pending", 1)
    assert faulty.due_at == START + timedelta(seconds=2)  # Retry-After, not the 1 s backoff
    steady = await row(engine, "steady")
    assert (steady.status, steady.attempts) == ("sent", 1)
    assert len(fake.delivered(platform.steady_conversation)) == 1

    clock.advance(timedelta(seconds=1))
    assert await bounded(dispatcher.run_once()) == 0  # Retry-After is honoured: not yet

    # 2. 500: retried with the backoff for a second attempt (1 s * 2).
    clock.set(START + timedelta(seconds=2))
    assert await bounded(dispatcher.run_once()) == 1
    faulty = await row(engine, "faulty")
    assert (faulty.status, faulty.attempts) == ("pending", 2)
    assert faulty.due_at == clock.now + timedelta(seconds=2)
    assert faulty.last_error

    # 3. No answer: the sender gives up after its timeout; backoff for a third attempt (4 s).
    clock.set(faulty.due_at)
    started = time.monotonic()
    assert await bounded(dispatcher.run_once()) == 1
    waited = time.monotonic() - started
    # The client timed out; the fake never answered.
    assert CLIENT_TIMEOUT * 0.9 <= waited < HANG_CAP
    faulty = await row(engine, "faulty")
    assert (faulty.status, faulty.attempts) == ("pending", 3)
    assert faulty.due_at == clock.now + timedelta(seconds=4)
    assert "Timeout" in (faulty.last_error or "")

    clock.advance(timedelta(seconds=3))
    assert await bounded(dispatcher.run_once()) == 0

    # 4. The platform answers: delivered, once.
    clock.advance(timedelta(seconds=1))
    assert await bounded(dispatcher.run_once()) == 1
    faulty = await row(engine, "faulty")
    assert (faulty.status, faulty.attempts) == ("sent", 4)
    assert faulty.sent_at == clock.now

    clock.advance(timedelta(hours=1))
    assert await bounded(dispatcher.run_once()) == 0
    assert fake.answers(platform.faulty_conversation) == ["429", "500", "hang", "ok"]
    arrived = fake.delivered(platform.faulty_conversation)
    assert len(arrived) == 1
    assert mentions(arrived[0], "for Sam")
    assert fake.answers(platform.steady_conversation) == ["ok"]
    assert {r.status for r in await outbox_rows(engine)} == {"sent"}


async def test_a_send_that_times_out_gives_up_within_its_lease() -> None:
    """Otherwise another instance could take the row over while the first still sends it."""
    lease = Dispatcher.__dataclass_fields__["lease"].default
    assert isinstance(lease, timedelta)
    assert timedelta(seconds=SEND_TIMEOUT) < lease
    slack_default = AsyncWebClient().timeout
    assert timedelta(seconds=slack_default) < lease


async def test_a_batch_slower_than_its_lease_is_not_sent_twice(engine: AsyncEngine) -> None:
    """Up to 20 rows are claimed under one 2-minute lease and sent one after another. Each send is
    bounded well below the lease, but a slow batch can outlast it: the first row takes 100 s, and
    while the second is being sent (130 s in) another instance looks for work. The dispatcher
    renews its claim on each row just before sending it, so the survivor finds nothing to take."""
    clock = FakeClock(START)
    arrived: list[str] = []
    survivor: list[Dispatcher] = []

    class Slow:
        async def send(self, target: str, kind: str, payload: Any, progress: Progress) -> None:
            if target == "T1:D0":
                clock.advance(timedelta(seconds=100))
            elif survivor:
                clock.advance(timedelta(seconds=30))
                await bounded(survivor[0].run_once())  # meanwhile, another instance
            arrived.append(target)

    class Quick:
        async def send(self, target: str, kind: str, payload: Any, progress: Progress) -> None:
            arrived.append(target)

    for n in range(2):
        async with session_factory(engine)() as session:
            await enqueue(
                session,
                key=f"m{n}",
                platform="slack",
                target=f"T1:D{n}",
                kind="reminder",
                payload={"replies": []},
                due_at=START,
            )
            await session.commit()
    survivor.append(Dispatcher(engine, {"slack": Quick()}, clock, worker="survivor"))
    slow = Dispatcher(engine, {"slack": Slow()}, clock, worker="slow")
    await bounded(slow.run_once())
    assert sorted(arrived) == ["T1:D0", "T1:D1"]  # without the renewal, T1:D1 arrives twice


async def test_a_post_accepted_after_the_client_gave_up(
    engine: AsyncEngine, platform: Platform
) -> None:
    """The platform took the message but answered after the sender's timeout. Slack: the retry
    finds it in the conversation by its metadata and marks it sent, so it arrives once. Teams
    offers a bot no way to look: the retry sends it again (docs/reliability.md, "Delivery")."""
    fake = platform.fake
    fake.script[platform.faulty_conversation] = ["late"]
    clock = FakeClock(START)
    dispatcher = Dispatcher(
        engine, {platform.name: platform.sender}, clock, base_delay=BASE_DELAY, max_attempts=8
    )
    await queue(engine, "late", platform.name, platform.faulty, "for Sam")

    assert await bounded(dispatcher.run_once()) == 1
    late = await row(engine, "late")
    assert (late.status, late.attempts) == ("pending", 1)
    assert late.send_started_at is not None  # unconfirmed: the next attempt may check
    clock.set(late.due_at)
    assert await bounded(dispatcher.run_once()) == 1
    assert (await row(engine, "late")).status == "sent"
    arrived = fake.delivered(platform.faulty_conversation)
    if platform.name == "slack":
        assert fake.answers(platform.faulty_conversation) == ["late"]  # never posted again
        assert len(arrived) == 1
    else:
        assert len(arrived) == 2  # at least once: the window is the sender's timeout
