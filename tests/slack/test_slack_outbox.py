"""Proactive messages through the outbox: reminders with buttons, 429s, unreachable channels."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from bot.dispatcher import DeliveryError, Dispatcher
from bot.slack.http import SLACK
from dialogs.messages import Card, Fact, Option, Say
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
