"""The team manager's desk over signed Slack requests on loopback (issue 26): answered in the
manager's DM; a worker who asks is told who can."""

from __future__ import annotations

import json

from sqlmodel import col, select

from bot.dispatcher import Dispatcher
from storage.db import session_factory
from storage.models import OutboxMessage
from tests.slack.conftest import SlackHarness
from tests.slack.test_slack_conversations import buttons_of, click
from tests.slack.test_slack_outbox import sender


async def test_a_manager_asks_who_can_take_a_case_in_the_dm(slack: SlackHarness) -> None:
    await slack.as_user("UPRIYA").say("who can take a new CP case")
    (posted,) = await slack.fake.wait_for("chat.postMessage")
    assert posted.payload["channel"] == "DUPRIYA"
    blocks = json.dumps(posted.payload["blocks"])
    assert "Who can take a CP case: Safeguarding North" in blocks
    assert "Sam Taylor" in blocks
    assert "start:whatif:" in blocks  # a button to see one person's what-if


async def test_a_worker_asking_for_team_compliance_is_told_who_can(slack: SlackHarness) -> None:
    await slack.as_user("USAM").say("how's my team's compliance")
    (posted,) = await slack.fake.wait_for("chat.postMessage")
    text = json.dumps(posted.payload)
    assert "ask your team manager, Priya Shah" in text
    assert "Supervision compliance" not in text


async def test_remind_from_team_compliance_reaches_the_person_s_dm_once(
    slack: SlackHarness,
) -> None:
    """Issue 26 item 1 over signed Slack requests: the Remind button, clicked twice (a double
    click), queues one private reminder, posted to the person's DM; the second click is told
    it was already sent."""
    await slack.as_user("USAM").say("hi")  # Sam's DM is known to the bot
    await slack.fake.wait_for("chat.postMessage")
    priya = slack.as_user("UPRIYA")
    await priya.say("team compliance")
    card = (await slack.fake.wait_for("chat.postMessage", 2))[1]
    assert card.payload["channel"] == "DUPRIYA"
    remind = next(b for b in buttons_of(card) if b["text"]["text"] == "Remind Sam")
    await priya.interact(click(remind["value"], "901.1", remind["action_id"]))
    await priya.interact(click(remind["value"], "901.2", remind["action_id"]))
    answers = await slack.fake.wait_for("chat.postMessage", 4)
    told = [json.dumps(a.payload) for a in answers[2:]]
    assert all(a.payload["channel"] == "DUPRIYA" for a in answers[2:])
    assert "Sent Sam a private reminder" in told[0]
    assert "already been sent a reminder today" in told[1]

    async with session_factory(slack.database)() as session:
        (row,) = (
            await session.exec(
                select(OutboxMessage).where(col(OutboxMessage.idempotency_key).like("nudge:%"))
            )
        ).all()
    assert (row.platform, row.kind) == ("slack", "notice")
    # Sent in the council's working hours (now, or the next working morning).
    dispatcher = Dispatcher(slack.database, {"slack": sender(slack)}, lambda: row.due_at)
    assert await dispatcher.run_once() == 1
    (dm,) = slack.fake.posted_to("DUSAM")[1:]
    assert "A reminder: overdue supervision work" in json.dumps(dm.payload)
    assert "Priya Shah, your manager" in json.dumps(dm.payload)
