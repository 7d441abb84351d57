"""Issue 27 over Slack's own requests (signed events and block actions): the supervisee's
reflection and their yes to the record from the buttons, then the supervisor's record started
from the agenda's button, its form (a modal) prefilled from the agenda."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from policy.vocabulary import SessionType
from storage.db import session_factory
from storage.models import SessionAttendee, SupervisionSession
from tests.slack.conftest import SlackHarness, now, staff_row
from tests.slack.test_slack_conversations import buttons_of, view_of


def click(user: str, value: str, action_ts: str, action_id: str = "choice:0") -> dict[str, Any]:
    return {
        "type": "block_actions",
        "trigger_id": f"t-{action_ts}",
        "container": {"type": "message"},
        "channel": {"id": f"D{user}"},
        "actions": [
            {"action_id": action_id, "block_id": "b", "value": value, "action_ts": action_ts}
        ],
    }


async def begun_an_hour_ago(slack: SlackHarness) -> int:
    boss = await staff_row(slack.database, "priya.shah@demoshire.example")
    worker = await staff_row(slack.database, "sam.taylor@demoshire.example")
    start = now().replace(microsecond=0) - timedelta(hours=1)
    async with session_factory(slack.database)() as session:
        meeting = SupervisionSession(
            organisation_id=boss.organisation_id,
            type=SessionType.ONE_TO_ONE.value,
            supervisor_id=boss.id,
            planned_start=start,
            planned_end=start + timedelta(hours=1),
            ical_uid="test-agenda@demoshire.example",
        )
        session.add(meeting)
        await session.flush()
        assert meeting.id is not None
        assert worker.id is not None
        session.add(SessionAttendee(session_id=meeting.id, staff_id=worker.id))
        await session.commit()
        return meeting.id


async def test_the_record_starts_from_the_agenda_with_the_agreed_reflection(
    slack: SlackHarness,
) -> None:
    sam, priya = slack.as_user("USAM"), slack.as_user("UPRIYA")
    meeting = await begun_an_hour_ago(slack)
    await sam.interact(click("USAM", f"start:reflect:{meeting}", "1.1"))
    await slack.fake.wait_for("chat.postMessage")
    await sam.say("Stuck on core group reports.")
    asked = (await slack.fake.wait_for("chat.postMessage", 2))[1]
    share = next(b for b in buttons_of(asked) if b["value"].startswith("start:reflect:share:"))
    await sam.interact(click("USAM", share["value"], "1.2", share["action_id"]))
    said = (await slack.fake.wait_for("chat.postMessage", 3))[2]
    assert "may copy it into the record" in json.dumps(said.payload)

    await priya.interact(click("UPRIYA", f"start:record:agenda:{meeting}", "2.1"))
    opened = (await slack.fake.wait_for("views.open"))[0]
    view = view_of(opened)
    assert "Started from the agenda" in json.dumps(view)
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    actions = inputs["f:previous_actions"]["element"]["initial_value"]
    assert ": open, due " in actions  # the demo leaves Sam open actions
    assert inputs["f:issues_discussed"]["element"].get("initial_value", "") == ""
