"""Issue 22 over Slack's real HTTP endpoints on loopback: a question in the middle of a form is
answered in the DM with a Carry on button, and "back" steps back with everything kept."""

from __future__ import annotations

import json

from test_slack_conversations import buttons_of, click

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
    await slack.as_user("USAM").say("undo")
    posted = (await slack.fake.wait_for("chat.postMessage"))[0]
    assert "There is no form open to go back in." in json.dumps(posted.payload["blocks"])
