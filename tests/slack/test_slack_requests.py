"""Signed requests, acks within Slack's 3 seconds, retried events and rate limits."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from tests.slack.conftest import SlackHarness, signed

ACK_DEADLINE = 3.0


async def test_a_bad_signature_and_a_stale_timestamp_are_refused(slack: SlackHarness) -> None:
    sam = slack.as_user("USAM")
    body = urlencode({"command": "/supervision", "text": "caseload", "user_id": "USAM"})
    forged = signed(body, "application/x-www-form-urlencoded") | {"X-Slack-Signature": "v0=00"}
    response = await sam.post(body, "application/x-www-form-urlencoded", forged)
    assert response.status == 401

    stale = signed(body, "application/x-www-form-urlencoded", int(time.time()) - 10 * 60)
    response = await sam.post(body, "application/x-www-form-urlencoded", stale)
    assert response.status == 401

    unsigned = {"Content-Type": "application/x-www-form-urlencoded"}
    async with slack.http.post(
        slack.server.make_url("/slack/events"), data=body, headers=unsigned
    ) as raw:
        assert raw.status == 401
    assert slack.fake.calls == []  # nothing was looked up, nothing was said


async def test_the_ack_comes_first_and_the_answer_after(slack: SlackHarness) -> None:
    sam = slack.as_user("USAM")
    started = time.monotonic()
    response = await sam.command("caseload")
    assert response.status == 200
    assert time.monotonic() - started < ACK_DEADLINE

    posted = await slack.fake.wait_for("chat.postMessage")
    assert posted[0].payload["channel"] == "DUSAM"  # the person's DM, never the channel
    assert "points" in str(posted[0].payload["blocks"])
    note = await slack.fake.wait_for("response_url")
    assert note[0].payload["response_type"] == "ephemeral"


async def test_a_retried_event_is_handled_once(slack: SlackHarness) -> None:
    sam = slack.as_user("USAM")
    assert (await sam.say("what's my caseload score", event_id="Ev-once")).status == 200
    await slack.fake.wait_for("chat.postMessage")
    retried = await sam.say("what's my caseload score", event_id="Ev-once", retry=1)
    assert retried.status == 200
    # A later, different message is answered; the retry never was.
    await sam.say("what's due", event_id="Ev-next")
    posted = await slack.fake.wait_for("chat.postMessage", 2)
    await slack.fake.wait_for("chat.postMessage", 2)
    assert len(slack.fake.of("chat.postMessage")) == 2
    assert "What's due" in str(posted[1].payload["blocks"])


async def test_a_429_is_waited_out_for_the_retry_after(slack: SlackHarness) -> None:
    slack.fake.rate_limited["chat.postMessage"] = 1
    slack.fake.retry_after = 1
    sam = slack.as_user("USAM")
    started = time.monotonic()
    await sam.say("what's my caseload score")
    posted = await slack.fake.wait_for("chat.postMessage", 2)
    assert time.monotonic() - started >= 1.0  # Retry-After was honoured, not hammered
    assert posted[0].payload == posted[1].payload
