"""The team manager's desk over signed Slack requests on loopback (issue 26): answered in the
manager's DM; a worker who asks is told who can."""

from __future__ import annotations

import json

from tests.slack.conftest import SlackHarness


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
