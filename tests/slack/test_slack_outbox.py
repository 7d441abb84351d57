"""Proactive messages through the outbox: reminders with buttons, 429s, unreachable channels."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from bot.dispatcher import DeliveryError, Dispatcher, Progress, Sender
from bot.slack import posted
from bot.slack.http import SLACK
from dialogs.messages import Attachment, Card, Fact, Option, Say
from dialogs.serialise import to_dict
from storage.db import session_factory
from storage.models import OutboxMessage, Team
from storage.outbox import enqueue
from tests.slack.conftest import SlackHarness, staff_row

REMINDER = Card(
    title="Supervision due: Sam Taylor",
    subtitle="Due by Friday",
    facts=(Fact("Last held", "6 weeks ago"),),
    actions=(  # as dialogs/reminders.py makes them
        Option("start:book", "Book"),
        Option("start:snooze:supervision:1", "Snooze a day"),
        Option("start:held", "Mark as held"),
    ),
)


def sender(slack: SlackHarness) -> Any:
    from bot.app import SENDERS

    return slack.server.app[SENDERS]["slack"]


async def test_a_reminder_arrives_with_its_buttons_and_they_answer(slack: SlackHarness) -> None:
    await sender(slack).send("T1:DUPRIYA", "reminder", {"replies": [to_dict(REMINDER)]})
    posted = slack.fake.of("chat.postMessage")[0]
    assert posted.payload["channel"] == "DUPRIYA"
    blocks = posted.payload["blocks"]
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert [(b["text"]["text"], b["value"]) for b in buttons] == [
        ("Book", "start:book"),
        ("Snooze a day", "start:snooze:supervision:1"),
        ("Mark as held", "start:held"),
    ]
    assert len({b["action_id"] for b in buttons}) == 3

    priya = slack.as_user("UPRIYA")
    for button in buttons:
        response = await priya.interact(
            {
                "type": "block_actions",
                "trigger_id": f"t-{button['action_id']}",
                "container": {"type": "message"},
                "channel": {"id": "DUPRIYA"},
                "actions": [
                    {
                        "action_id": button["action_id"],
                        "value": button["value"],
                        "action_ts": f"5.{button['action_id']}",
                    }
                ],
            }
        )
        assert response.status == 200
    # Each click is one turn in the conversation; Book starts the booking form in a modal.
    opened = await slack.fake.wait_for("views.open")
    view = opened[0].payload["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert "Book" in view["title"]["text"]
    answers = json.dumps([c.payload for c in await slack.fake.wait_for("chat.postMessage", 3)])
    assert "Snoozed" in answers
    assert "held" in answers


async def test_a_429_goes_back_to_the_outbox_with_its_retry_after(slack: SlackHarness) -> None:
    slack.fake.rate_limited["chat.postMessage"] = 1
    slack.fake.retry_after = 30
    with pytest.raises(DeliveryError) as raised:
        await sender(slack).send("T1:DUSAM", "reminder", {"replies": [to_dict(Say("hello"))]})
    assert raised.value.retry_after == 30
    assert not raised.value.permanent
    assert len(slack.fake.of("chat.postMessage")) == 1  # not retried inline: the outbox will

    now = datetime.now(UTC)
    async with session_factory(slack.database)() as session:
        await enqueue(
            session,
            key="r-1",
            platform="slack",
            target="T1:DUSAM",
            kind="reminder",
            payload={"replies": [to_dict(Say("hello"))]},
            due_at=now,
        )
        await session.commit()
    slack.fake.rate_limited["chat.postMessage"] = 1
    dispatcher = Dispatcher(slack.database, {"slack": sender(slack)}, lambda: now)
    assert await dispatcher.run_once() == 1
    async with session_factory(slack.database)() as session:
        row = (await session.exec(select(OutboxMessage))).one()
    assert row.status == "pending"
    assert row.due_at >= now + timedelta(seconds=30)
    later = Dispatcher(slack.database, {"slack": sender(slack)}, lambda: row.due_at)
    assert await later.run_once() == 1
    async with session_factory(slack.database)() as session:
        assert (await session.exec(select(OutboxMessage.status))).one() == "sent"


async def test_a_digest_channel_without_the_bot_tells_its_manager(slack: SlackHarness) -> None:
    slack.fake.missing_channels.add("CDIGEST")
    async with session_factory(slack.database)() as session:
        team = (await session.exec(select(Team).where(Team.name == "Safeguarding North"))).one()
        team.slack_channel_id = "CDIGEST"
        session.add(team)
        await session.commit()
    digest = {"replies": [to_dict(Card("Weekly digest", facts=(Fact("Compliance", "90%"),)))]}
    with pytest.raises(DeliveryError) as raised:
        await sender(slack).send("T1:CDIGEST", "digest", digest)
    assert raised.value.permanent

    priya = await staff_row(slack.database, "priya.shah@demoshire.example")
    async with session_factory(slack.database)() as session:
        notices = (
            await session.exec(select(OutboxMessage).where(col(OutboxMessage.kind) == "notice"))
        ).all()
    assert [n.target for n in notices] == [f"staff:{priya.id}"]  # her inbox until she's on Slack
    text = notices[0].payload["replies"][0]["text"]
    assert "CDIGEST" in text
    assert "/invite" in text


async def test_replies_in_a_channel_carry_no_forms_or_files(slack: SlackHarness) -> None:
    from dialogs.messages import AskForm, Attachment, FormField

    form = AskForm("f", "A form", (FormField("x", "X"),))
    file = Attachment("record.pdf", "application/pdf", b"%PDF")
    payload = {"replies": [to_dict(Say("Digest")), to_dict(form), to_dict(file)]}
    await sender(slack).send("T1:CTEAM", "digest", payload)
    blocks = json.dumps(slack.fake.of("chat.postMessage")[0].payload["blocks"])
    assert "Digest" in blocks
    assert "open_form" not in blocks
    assert "record.pdf" not in blocks
    assert slack.server.app[SLACK].bolt is not None


# ---- Exactly once: a cut-off attempt is looked for before it is sent again ------------------

CHART = Attachment("chart.png", "image/png", b"\x89PNG\r\n\x1a\nrest", "Compliance by week")
DIGEST = {
    "replies": [to_dict(Card("Weekly digest", facts=(Fact("Compliance", "90%"),))), to_dict(CHART)]
}
START = datetime.now(UTC)
AFTER_THE_LEASE = START + timedelta(minutes=3)


async def queue(
    slack: SlackHarness, key: str, target: str, kind: str, payload: Any, platform: str = "slack"
) -> None:
    async with session_factory(slack.database)() as session:
        added = await enqueue(
            session,
            key=key,
            platform=platform,
            target=target,
            kind=kind,
            payload=payload,
            due_at=START,
        )
        await session.commit()
    assert added


async def the_row(slack: SlackHarness, key: str) -> OutboxMessage:
    async with session_factory(slack.database)() as session:
        query = select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
        return (await session.exec(query)).one()


@dataclass
class KilledAt:
    """The instance is killed (SIGKILL) as the message's `parts`-th part is being recorded as
    sent: Slack has it, the outbox does not know. `parts=0`: killed before Slack got anything."""

    inner: Sender
    parts: int
    dying: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(
        self, target: str, kind: str, payload: Mapping[str, Any], progress: Progress
    ) -> None:
        save = progress.save

        async def recorded(done: int) -> None:
            if done >= self.parts:
                await self.die()
            assert save is not None
            await save(done)

        progress.save = recorded
        if self.parts == 0:
            await self.die()
        await self.inner.send(target, kind, payload, progress)

    async def die(self) -> None:
        self.dying.set()
        await asyncio.Event().wait()  # until the test cancels the task: the kill


async def killed_while_sending(slack: SlackHarness, parts: int) -> None:
    victim = KilledAt(sender(slack), parts)
    dispatcher = Dispatcher(slack.database, {"slack": victim}, lambda: START, worker="victim")
    work = asyncio.create_task(dispatcher.run_once())
    async with asyncio.timeout(10):
        await victim.dying.wait()
    work.cancel()
    with suppress(asyncio.CancelledError):
        await work


def recovered(slack: SlackHarness) -> Dispatcher:
    return Dispatcher(slack.database, {"slack": sender(slack)}, lambda: AFTER_THE_LEASE)


async def test_each_outbox_message_carries_its_key_as_metadata(slack: SlackHarness) -> None:
    await queue(
        slack,
        "reminder:7:one_to_one:2026-11-23:slack",
        "T1:DUSAM",
        "reminder",
        {"replies": [to_dict(REMINDER)]},
    )
    assert await recovered(slack).run_once() == 1
    [call] = slack.fake.posted_to("DUSAM")
    assert call.payload["metadata"] == {
        "event_type": "supervision_outbox_message",
        "event_payload": {"outbox": posted.fingerprint("reminder:7:one_to_one:2026-11-23:slack")},
    }
    assert "reminder:7" not in json.dumps(call.payload)  # a digest, not the key itself
    assert not slack.fake.of("conversations.history")  # nothing to check on a first attempt


async def test_a_message_posted_before_the_kill_is_not_posted_again(slack: SlackHarness) -> None:
    await queue(slack, "reminder:sam", "T1:DUSAM", "reminder", {"replies": [to_dict(REMINDER)]})
    await killed_while_sending(slack, parts=1)
    assert len(slack.fake.posted_to("DUSAM")) == 1  # Slack has it
    row = await the_row(slack, "reminder:sam")
    assert (row.status, row.parts_sent) == ("claimed", 0)  # the outbox does not know

    assert await recovered(slack).run_once() == 1
    assert len(slack.fake.posted_to("DUSAM")) == 1  # found in the DM, not posted again
    [looked] = slack.fake.of("conversations.history")
    assert looked.payload["channel"] == "DUSAM"
    assert str(looked.payload["include_all_metadata"]).lower() in ("1", "true")
    row = await the_row(slack, "reminder:sam")
    assert (row.status, row.attempts, row.send_started_at) == ("sent", 1, None)


async def test_a_message_the_kill_stopped_is_posted_once_after_recovery(
    slack: SlackHarness,
) -> None:
    await queue(slack, "reminder:sam", "T1:DUSAM", "reminder", {"replies": [to_dict(REMINDER)]})
    await queue(slack, "reminder:priya", "T1:DUPRIYA", "reminder", {"replies": [to_dict(REMINDER)]})
    await killed_while_sending(slack, parts=0)
    assert not slack.fake.of("chat.postMessage")
    # Only the row whose send had begun is looked up; the other was merely claimed.
    assert await recovered(slack).run_once() == 2
    assert len(slack.fake.posted_to("DUSAM")) == 1
    assert len(slack.fake.posted_to("DUPRIYA")) == 1
    assert [c.payload["channel"] for c in slack.fake.of("conversations.history")] == ["DUSAM"]


@pytest.mark.parametrize("parts", [1, 2])
async def test_a_digest_cut_off_after_its_card_or_its_charts_sends_only_what_is_missing(
    slack: SlackHarness, parts: int
) -> None:
    await queue(slack, "digest:north", "T1:CTEAM", "digest", DIGEST)
    await killed_while_sending(slack, parts=parts)
    assert await recovered(slack).run_once() == 1
    assert len(slack.fake.posted_to("CTEAM")) == 1
    assert [u.filename for u in slack.fake.shared("CTEAM")] == ["chart.png"]
    assert (await the_row(slack, "digest:north")).status == "sent"


async def test_when_slack_will_not_show_the_history_the_message_is_sent_again(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """An installation from before the history scopes: at least once, never lost."""
    await queue(slack, "reminder:sam", "T1:DUSAM", "reminder", {"replies": [to_dict(REMINDER)]})
    await killed_while_sending(slack, parts=1)
    slack.fake.history_error = "missing_scope"
    assert await recovered(slack).run_once() == 1
    assert len(slack.fake.posted_to("DUSAM")) == 2
    assert (await the_row(slack, "reminder:sam")).status == "sent"
    assert "missing_scope" in caplog.text


async def test_a_history_lookup_that_is_rate_limited_waits_still_unconfirmed(
    slack: SlackHarness,
) -> None:
    await queue(slack, "reminder:sam", "T1:DUSAM", "reminder", {"replies": [to_dict(REMINDER)]})
    await killed_while_sending(slack, parts=1)
    slack.fake.rate_limited["conversations.history"] = 1
    slack.fake.retry_after = 60
    assert await recovered(slack).run_once() == 1
    row = await the_row(slack, "reminder:sam")
    assert (row.status, row.due_at) == ("pending", AFTER_THE_LEASE + timedelta(seconds=60))
    assert row.send_started_at is not None  # the next attempt looks again
    later = Dispatcher(slack.database, {"slack": sender(slack)}, lambda: row.due_at)
    assert await later.run_once() == 1
    assert len(slack.fake.posted_to("DUSAM")) == 1
    assert (await the_row(slack, "reminder:sam")).status == "sent"


async def test_a_chart_upload_that_raises_fails_alone_and_is_not_shared_twice(
    slack: SlackHarness,
) -> None:
    """Issue 19 item 2: Slack shared the chart but answered without its `files`, and the SDK
    raised TypeError. Every other message still goes out; the retry finds the chart in the
    channel, so the card and the chart each arrive once."""
    await queue(slack, "digest:north", "T1:CTEAM", "digest", DIGEST)
    for who in ("DUSAM", "DUPRIYA"):
        await queue(
            slack, f"reminder:{who}", f"T1:{who}", "reminder", {"replies": [to_dict(REMINDER)]}
        )
    await queue(slack, "notice:web", "staff:1", "notice", {"replies": [to_dict(Say("hi"))]}, "web")
    slack.fake.odd["files.completeUploadExternal"] = {"ok": True}
    from bot.app import SENDERS

    senders = slack.server.app[SENDERS]
    first = Dispatcher(slack.database, senders, lambda: START)
    assert await first.run_once() == 4
    digest = await the_row(slack, "digest:north")
    assert (digest.status, digest.attempts, digest.parts_sent) == ("pending", 1, 1)
    assert "unexpected TypeError" in (digest.last_error or "")
    assert len(slack.fake.posted_to("DUSAM")) == len(slack.fake.posted_to("DUPRIYA")) == 1
    assert (await the_row(slack, "notice:web")).status == "sent"

    retry = Dispatcher(slack.database, senders, lambda: digest.due_at)
    assert await retry.run_once() == 1
    assert (await the_row(slack, "digest:north")).status == "sent"
    assert len(slack.fake.posted_to("CTEAM")) == 1
    assert [u.filename for u in slack.fake.shared("CTEAM")] == ["chart.png"]
