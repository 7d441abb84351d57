"""Issue 19 item 3: a DM's turn commits before Slack gets its ack, so an instance that dies
mid-turn leaves an event Slack sends again, and the redelivery is answered (once)."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from sqlmodel import select

from bot.app import CONVERSATIONS
from bot.slack.http import SLACK
from dialogs.engine import Result
from dialogs.messages import Inbound
from storage.db import session_factory
from storage.models import ProcessedInbound
from tests.slack.conftest import SlackHarness


async def claimed(slack: SlackHarness, event_id: str) -> list[str]:
    """Which platforms' turns claimed this message id (the engine claims it in the turn)."""
    async with session_factory(slack.database)() as session:
        query = select(ProcessedInbound.platform).where(ProcessedInbound.message_id == event_id)
        return list((await session.exec(query)).all())


async def settled(slack: SlackHarness, within: float = 10.0) -> None:
    """Wait for the work Bolt runs after its acks (replies) to finish: poll, never sleep."""
    runtime = slack.server.app[SLACK]
    deadline = time.monotonic() + within
    while runtime.working:
        assert time.monotonic() < deadline, "listeners still running"
        await asyncio.sleep(0.02)


async def test_a_dm_is_saved_before_slack_gets_its_ack(slack: SlackHarness) -> None:
    sam = slack.as_user("USAM")
    response = await sam.say("what's my caseload score", event_id="Ev-saved")
    assert response.status == 200
    # Read at once, without polling: the turn and its claim committed before the ack.
    assert await claimed(slack, "Ev-saved") == ["slack"]
    posted = await slack.fake.wait_for("chat.postMessage")
    assert "points" in str(posted[0].payload["blocks"])


async def test_a_dm_whose_turn_died_is_answered_when_slack_redelivers_it(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    conversations = slack.server.app[CONVERSATIONS]
    real = conversations.handle
    turns: list[str] = []

    async def dies_the_first_time(inbound: Inbound) -> Result:
        turns.append(inbound.message_id)
        if len(turns) == 1:
            raise RuntimeError("the instance died mid-turn")  # nothing was committed
        return await real(inbound)

    monkeypatch.setattr(conversations, "handle", dies_the_first_time)
    sam = slack.as_user("USAM")
    first = await sam.say("what's my caseload score", event_id="Ev-crash")
    assert first.status != 200  # no ack: Slack sends the event again
    assert await claimed(slack, "Ev-crash") == []

    again = await sam.say("what's my caseload score", event_id="Ev-crash", retry=1)
    assert again.status == 200
    posted = await slack.fake.wait_for("chat.postMessage")
    assert "points" in str(posted[0].payload["blocks"])
    assert await claimed(slack, "Ev-crash") == ["slack"]
    assert turns == ["Ev-crash", "Ev-crash"]


async def test_a_redelivery_while_the_first_turn_still_runs_is_answered_once(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slack gave up waiting (3 s) and sent the event again while the first turn was stuck:
    whichever commits first answers; the other is rolled back as a duplicate."""
    conversations = slack.server.app[CONVERSATIONS]
    real = conversations.handle
    gate = asyncio.Event()
    turns: list[str] = []

    async def first_one_stuck(inbound: Inbound) -> Result:
        turns.append(inbound.message_id)
        if len(turns) == 1:
            await gate.wait()
        return await real(inbound)

    monkeypatch.setattr(conversations, "handle", first_one_stuck)
    sam = slack.as_user("USAM")
    stuck = asyncio.create_task(sam.say("what's due", event_id="Ev-slow"))
    deadline = time.monotonic() + 10
    while not turns:
        assert time.monotonic() < deadline, "the first delivery never reached its turn"
        await asyncio.sleep(0.02)

    again = await sam.say("what's due", event_id="Ev-slow", retry=1)
    assert again.status == 200
    await slack.fake.wait_for("chat.postMessage")
    gate.set()
    assert (await asyncio.wait_for(stuck, 10)).status == 200
    await settled(slack)
    assert len(slack.fake.of("chat.postMessage")) == 1
    assert await claimed(slack, "Ev-slow") == ["slack"]


async def test_a_redelivery_is_logged_with_slacks_retry_number(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.slack.listeners")
    sam = slack.as_user("USAM")
    assert (await sam.say("what's due", event_id="Ev-twice")).status == 200
    assert (await sam.say("what's due", event_id="Ev-twice", retry=2)).status == 200
    await settled(slack)
    lines = [r.getMessage() for r in caplog.records if "Ev-twice" in r.getMessage()]
    assert lines == ["Slack event Ev-twice redelivered (retry 2, http_timeout)"]
    assert len(slack.fake.of("chat.postMessage")) == 1  # answered once
