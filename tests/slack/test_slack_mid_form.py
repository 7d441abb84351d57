"""Issue 22 over Slack's real HTTP endpoints on loopback: a question in the middle of a form is
answered in the DM with a Carry on button, and "back" steps back with everything kept."""

from __future__ import annotations

import json

from sqlmodel import select
from test_slack_conversations import a_case_of, buttons_of, click

from storage.db import session_factory
from storage.models import AuditEvent, ManagerDecision
from tests.slack.conftest import SlackHarness


async def test_a_question_mid_form_is_answered_then_the_form_carries_on(
    slack: SlackHarness,
) -> None:
    priya = slack.as_user("UPRIYA")
    await priya.say("book a supervision with Sam Taylor tomorrow at half two")
    opened = (await slack.fake.wait_for("chat.postMessage"))[0]
    assert "open_form" in json.dumps(opened.payload["blocks"])  # the booking form, prefilled
    await priya.say("what's my caseload score?")
    answer = (await slack.fake.wait_for("chat.postMessage", 2))[1]
    text = json.dumps(answer.payload["blocks"])
    assert "Your caseload" in text
    carry = [b for b in buttons_of(answer) if b["value"] == "form:carry_on"]
    assert carry, text
    assert carry[0]["text"]["text"] == "Carry on: Book supervision"
    await priya.interact(click("form:carry_on", "5.5", carry[0]["action_id"]))
    again = (await slack.fake.wait_for("chat.postMessage", 3))[2]
    shown = json.dumps(again.payload["blocks"])
    assert "Carrying on where you were; nothing was lost." in shown
    # A click carries a trigger: the booking form opens as a modal, as it was filled in.
    opened_again = (await slack.fake.wait_for("views.open"))[0]
    modal = json.dumps(opened_again.payload["view"])
    assert "Sam Taylor" in modal
    assert "half two" in modal  # the date as typed, kept


async def test_back_with_nothing_open_says_so_in_the_dm(slack: SlackHarness) -> None:
    await slack.as_user("USAM").say("back")
    posted = (await slack.fake.wait_for("chat.postMessage"))[0]
    assert "There is no form open to go back in." in json.dumps(posted.payload["blocks"])
    await slack.as_user("USAM").say("undo")
    posted = (await slack.fake.wait_for("chat.postMessage", 2))[1]
    assert "Nothing to undo: you have not saved" in json.dumps(posted.payload["blocks"])


async def test_undo_withdraws_a_decision_just_saved_once(slack: SlackHarness) -> None:
    """Issue 22 item 1 over signed Slack requests: the Undo button under the saved decision
    withdraws it; its double delivery and a typed "undo" after withdraw nothing more."""
    priya = slack.as_user("UPRIYA")
    reference = await a_case_of(slack, "sam.taylor@demoshire.example")
    await priya.say(f"decision {reference} close the case because needs met")
    card = (await slack.fake.wait_for("chat.postMessage"))[0]
    confirm = next(e for e in buttons_of(card) if e["value"] == "confirm")
    await priya.interact(click("confirm", "7.1", confirm["action_id"]))
    done = (await slack.fake.wait_for("chat.postMessage", 2))[1]
    undo = next(b for b in buttons_of(done) if b["value"].startswith("start:undo:"))
    await priya.interact(click(undo["value"], "7.2", undo["action_id"]))
    await priya.interact(click(undo["value"], "7.3", undo["action_id"]))  # a double click
    posted = await slack.fake.wait_for("chat.postMessage", 4)
    first, second = (json.dumps(p.payload["blocks"]) for p in posted[2:4])
    assert f"Withdrawn: the Managers Decision on {reference}" in first
    assert "needs met" not in first
    assert "close the case" not in first
    assert f"Nothing more to undo: the Managers Decision on {reference}" in second
    async with session_factory(slack.database)() as session:
        rows = (await session.exec(select(ManagerDecision))).all()
        events = (
            await session.exec(select(AuditEvent).where(AuditEvent.action == "withdraw"))
        ).all()
    assert sum(1 for r in rows if r.withdrawn_at is not None) == 1
    assert len(events) == 1


async def test_another_conversation_mid_form_asks_to_leave_and_carry_on_keeps_it(
    slack: SlackHarness,
) -> None:
    """Issue 22 item 2 over Slack: help is answered mid-form with Carry on; a request for
    another conversation asks whether to leave the form, and Carry on keeps every answer."""
    priya = slack.as_user("UPRIYA")
    await priya.say("book a supervision with Sam Taylor tomorrow at half two")
    await slack.fake.wait_for("chat.postMessage")
    await priya.say("help")
    helped = (await slack.fake.wait_for("chat.postMessage", 2))[1]
    assert "Here is what I can do for you" in json.dumps(helped.payload["blocks"])
    assert [b["value"] for b in buttons_of(helped)] == ["form:carry_on", "form:cancel"]
    await priya.say("I need to record an absence for Sam next week")
    asked = (await slack.fake.wait_for("chat.postMessage", 3))[2]
    text = json.dumps(asked.payload["blocks"])
    assert "You are in the middle of book supervision. Leave it" in text
    carry, leave = buttons_of(asked)
    assert (carry["value"], leave["value"].split(":")[:3]) == (
        "form:carry_on",
        ["form", "leave", "absence"],
    )
    await priya.interact(click("form:carry_on", "8.1", carry["action_id"]))
    opened = (await slack.fake.wait_for("views.open"))[0]
    modal = json.dumps(opened.payload["view"])
    assert "Sam Taylor" in modal
    assert "half two" in modal  # the date as typed, kept
