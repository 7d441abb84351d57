"""/supervision, DMs, modals (with and without errors), the shortcut and buttons, end to end."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from unittest.mock import ANY

import pytest
from sqlmodel import col, select

from bot.slack.identity import UNKNOWN_PERSON
from dialogs.registry import flows
from policy.vocabulary import SessionType
from storage.db import session_factory
from storage.models import Case, CaseAllocation, SessionAttendee, SupervisionSession
from tests.slack.conftest import Call, SlackHarness, SlackUser, now, staff_row


def submission(opened: Call, values: dict[str, str], view_id: str = "V1") -> dict[str, Any]:
    """A view_submission for a modal the app opened, typed into like a person would."""
    view = opened.payload["view"]
    view = json.loads(view) if isinstance(view, str) else view
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        name = block["block_id"].removeprefix("f:")
        element = block["element"]
        typed = values.get(name, element.get("initial_value", ""))
        state[block["block_id"]] = {"value": {"type": element["type"], "value": typed}}
    return {
        "type": "view_submission",
        "trigger_id": f"t-{view_id}",
        "view": {
            "id": view_id,
            "hash": f"{view_id}-{len(values)}-{sorted(values.items())}",
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {"values": state},
        },
    }


def view_of(call: Call) -> dict[str, Any]:
    view = call.payload["view"]
    return json.loads(view) if isinstance(view, str) else view


def blocks_of(call: Call) -> list[dict[str, Any]]:
    blocks = call.payload["blocks"]
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def buttons_of(call: Call) -> list[dict[str, Any]]:
    return [e for b in blocks_of(call) if b["type"] == "actions" for e in b["elements"]]


def click(value: str, action_ts: str, action_id: str = "choice:0") -> dict[str, Any]:
    return {
        "type": "block_actions",
        "trigger_id": f"t-{action_ts}",
        "container": {"type": "message"},
        "channel": {"id": "DUPRIYA"},
        "actions": [
            {"action_id": action_id, "block_id": "b", "value": value, "action_ts": action_ts}
        ],
    }


async def a_case_of(slack: SlackHarness, email: str) -> str:
    staff = await staff_row(slack.database, email)
    async with session_factory(slack.database)() as session:
        rows = await session.exec(
            select(Case.reference)
            .join(CaseAllocation, col(CaseAllocation.case_id) == Case.id)
            .where(
                CaseAllocation.staff_id == staff.id,
                col(CaseAllocation.end_date).is_(None),
                col(Case.closed).is_(None),
            )
        )
        return rows.first() or ""


@pytest.mark.parametrize("subcommand", [*flows(), "help"])
async def test_every_subcommand_gets_an_answer(slack: SlackHarness, subcommand: str) -> None:
    priya = slack.as_user("UPRIYA")
    response = await priya.command(subcommand)
    assert response.status == 200
    # A form opens as a modal straight away; anything else arrives in the DM.
    await _either(slack)
    delivered = slack.fake.of("views.open") + slack.fake.of("chat.postMessage")
    assert delivered
    assert "Traceback" not in json.dumps([c.payload for c in delivered])
    assert "went wrong on our side" not in json.dumps([c.payload for c in delivered])


async def _either(slack: SlackHarness) -> None:
    def answered() -> bool:
        return bool(slack.fake.of("views.open") or slack.fake.of("chat.postMessage"))

    await slack.fake.until(answered, "a modal or a DM")


async def test_help_lists_the_commands_in_the_dm(slack: SlackHarness) -> None:
    await slack.as_user("USAM").command("")
    posted = await slack.fake.wait_for("chat.postMessage")
    text = json.dumps(posted[0].payload["blocks"])
    assert "caseload" in text
    # Issue 22: help lists what this person can do; Sam manages nobody, so no manager's decisions.
    assert "decision C-1042" not in text


async def test_plain_messages_in_the_dm_are_understood(slack: SlackHarness) -> None:
    await slack.as_user("USAM").say("what's my caseload score")
    posted = await slack.fake.wait_for("chat.postMessage")
    assert posted[0].payload["channel"] == "DUSAM"
    assert "Your caseload" in json.dumps(posted[0].payload["blocks"])
    # Identity was learned once and remembered on the staff row.
    sam = await staff_row(slack.database, "sam.taylor@demoshire.example")
    assert (sam.slack_team_id, sam.slack_user_id) == ("T1", "USAM")
    await slack.as_user("USAM").say("what's due")
    await slack.fake.wait_for("chat.postMessage", 2)
    assert len(slack.fake.of("users.info")) == 1


async def test_an_unknown_person_is_told_why_and_shown_nothing(slack: SlackHarness) -> None:
    stranger = slack.as_user("USTRANGER")
    await stranger.command("caseload")
    told = await slack.fake.wait_for("response_url")
    assert told[0].payload["text"] == UNKNOWN_PERSON
    await stranger.say("what's my caseload score")
    posted = await slack.fake.wait_for("chat.postMessage")
    assert posted[0].payload["text"] == UNKNOWN_PERSON
    await stranger.open_home()
    home = await slack.fake.wait_for("views.publish")
    assert "match your Slack account" in json.dumps(view_of(home[0]))
    assert "points" not in json.dumps([c.payload for c in slack.fake.calls])
    assert not slack.fake.of("views.open")


async def test_a_decision_modal_keeps_errors_in_the_modal(slack: SlackHarness) -> None:
    priya = slack.as_user("UPRIYA")
    await priya.command("decision")
    opened = (await slack.fake.wait_for("views.open"))[0]
    assert view_of(opened)["type"] == "modal"

    # A missing rationale, then an unknown case: errors beside the fields, nothing posted,
    # the modal stays open with what was typed.
    answer = await priya.interact_json(submission(opened, {"case": "C-0", "decision": "x"}))
    assert answer == {"response_action": "errors", "errors": {"f:rationale": ANY}}
    typed = {"case": "C-0", "decision": "x", "rationale": "why"}
    answer = await priya.interact_json(submission(opened, typed, "V1b"))
    assert answer["response_action"] == "errors"
    assert "no case C-0" in answer["errors"]["f:case"]
    assert not slack.fake.of("chat.postMessage")

    reference = await a_case_of(slack, "sam.taylor@demoshire.example")
    values = {
        "case": reference,
        "decision": "Step down to CIN <b>now</b>",
        "rationale": "Risks reduced & plan agreed",
    }
    answer = await priya.interact_json(submission(opened, values, "V2"))
    assert answer == {"response_action": "clear"}
    card = (await slack.fake.wait_for("chat.postMessage"))[0]
    blocks = json.dumps(card.payload["blocks"])
    assert "Step down to CIN &lt;b&gt;now&lt;/b&gt;" in blocks  # user text escaped for mrkdwn
    assert "Risks reduced &amp; plan agreed" in blocks
    confirm = next(e for e in buttons_of(card) if e["value"] == "confirm")
    await priya.interact(click("confirm", "111.1", confirm["action_id"]))
    await priya.interact(click("confirm", "111.1", confirm["action_id"]))  # a double delivery
    done = await slack.fake.wait_for("chat.postMessage", 2)
    assert "Recorded" in json.dumps(done[1].payload) or "recorded" in json.dumps(done[1].payload)
    await priya.say("what's due")  # a later turn is answered; the double click never was
    await slack.fake.wait_for("chat.postMessage", 3)
    assert len(slack.fake.of("chat.postMessage")) == 3


async def held_yesterday(slack: SlackHarness, supervisor: str, supervisee: str) -> int:
    """A supervision held yesterday with no record yet: one to write up."""
    boss = await staff_row(slack.database, supervisor)
    worker = await staff_row(slack.database, supervisee)
    start = now().replace(microsecond=0) - timedelta(days=1)
    async with session_factory(slack.database)() as session:
        held = SupervisionSession(
            organisation_id=boss.organisation_id,
            type=SessionType.ONE_TO_ONE.value,
            supervisor_id=boss.id,
            planned_start=start,
            planned_end=start + timedelta(hours=1),
            ical_uid="test-held@demoshire.example",
        )
        session.add(held)
        await session.flush()
        assert held.id is not None
        assert worker.id is not None
        session.add(SessionAttendee(session_id=held.id, staff_id=worker.id))
        await session.commit()
        return held.id


async def test_a_long_record_moves_through_modal_steps(slack: SlackHarness) -> None:
    priya = slack.as_user("UPRIYA")
    await held_yesterday(slack, "priya.shah@demoshire.example", "sam.taylor@demoshire.example")
    await priya.command("record")
    first = await _answer(slack)
    if first.method == "chat.postMessage":  # pick the session to write up
        buttons = buttons_of(first)
        assert buttons, first.payload
        await priya.interact(click(buttons[0]["value"], "222.2", buttons[0]["action_id"]))
    opened = (await slack.fake.wait_for("views.open"))[0]
    view = view_of(opened)
    filled = {
        b["block_id"].removeprefix("f:"): "Discussed at length."
        for b in view["blocks"]
        if b["type"] == "input" and b["element"]["type"] == "plain_text_input"
    }
    answer = await priya.interact_json(submission(opened, filled, "V9"))
    assert answer["response_action"] in {"update", "errors"}, answer
    if answer["response_action"] == "update":
        assert answer["view"]["type"] == "modal"
        assert answer["view"]["blocks"] != view["blocks"]  # the next step, same modal


async def _answer(slack: SlackHarness) -> Call:
    await _either(slack)
    return (slack.fake.of("views.open") + slack.fake.of("chat.postMessage"))[0]


async def test_the_message_shortcut_opens_a_prefilled_decision(slack: SlackHarness) -> None:
    priya = slack.as_user("UPRIYA")
    reference = await a_case_of(slack, "sam.taylor@demoshire.example")
    await priya.interact(
        {
            "type": "message_action",
            "callback_id": "record_decision",
            "trigger_id": "t-shortcut",
            "channel": {"id": "C1"},
            "message": {"text": f"{reference} step down to CIN"},
            "response_url": f"{slack.fake.url}/respond/9",
        }
    )
    opened = (await slack.fake.wait_for("views.open"))[0]
    assert opened.payload["trigger_id"] == "t-shortcut"
    blocks = {b["block_id"]: b for b in view_of(opened)["blocks"] if b["type"] == "input"}
    assert blocks["f:case"]["element"]["initial_value"] == reference
    assert blocks["f:decision"]["element"]["initial_value"] == "step down to CIN"
    assert "Rationale is required" in blocks["f:rationale"]["hint"]["text"]
    assert not slack.fake.of("chat.postMessage")  # nothing from the channel lands elsewhere


async def test_a_form_offered_in_a_dm_opens_from_its_button(slack: SlackHarness) -> None:
    priya = slack.as_user("UPRIYA")
    await priya.say("decision")  # no trigger with a message: the form comes as a button
    posted = (await slack.fake.wait_for("chat.postMessage"))[0]
    assert "open_form" in json.dumps(posted.payload["blocks"])
    await priya.interact(
        {
            "type": "block_actions",
            "trigger_id": "t-open",
            "actions": [{"action_id": "open_form", "value": "decision", "action_ts": "3.3"}],
        }
    )
    opened = (await slack.fake.wait_for("views.open"))[0]
    assert opened.payload["trigger_id"] == "t-open"


async def test_home_shows_my_score_and_a_managers_team_panel(slack: SlackHarness) -> None:
    await slack.as_user("USAM").open_home()
    mine = view_of((await slack.fake.wait_for("views.publish"))[0])
    text = json.dumps(mine)
    assert mine["type"] == "home"
    assert "My caseload score" in text
    assert "Next supervision" in text
    assert "Team:" not in text

    await slack.as_user("UPRIYA").open_home()
    managers = view_of((await slack.fake.wait_for("views.publish", 2))[1])
    text = json.dumps(managers)
    assert "Team: Safeguarding North" in text
    assert "Compliance this month" in text
    assert "Caseloads by band" in text


async def test_home_buttons_start_conversations(slack: SlackHarness) -> None:
    sam: SlackUser = slack.as_user("USAM")
    await sam.interact(
        {
            "type": "block_actions",
            "trigger_id": "t-home",
            "container": {"type": "view", "view_id": "VHOME"},
            "actions": [{"action_id": "choice:90", "value": "start:due", "action_ts": "4.4"}],
        }
    )
    posted = await slack.fake.wait_for("chat.postMessage")
    assert posted[0].payload["channel"] == "DUSAM"
    assert "What's due" in json.dumps(posted[0].payload["blocks"])


async def test_the_home_tab_offers_welsh_and_the_choice_is_remembered(slack: SlackHarness) -> None:
    """Issue 28: App Home's language button, pressed as a signed block action, switches the
    person to Welsh; the Home tab and the chat are then in Welsh, with a button back."""
    sam: SlackUser = slack.as_user("USAM")
    await sam.open_home()
    home = view_of((await slack.fake.wait_for("views.publish"))[0])
    buttons = [e for b in home["blocks"] if b["type"] == "actions" for e in b["elements"]]
    (welsh,) = [b for b in buttons if b["text"]["text"] == "Cymraeg"]
    await sam.interact(
        {
            "type": "block_actions",
            "trigger_id": "t-lang",
            "container": {"type": "view", "view_id": "VHOME"},
            "actions": [
                {"action_id": welsh["action_id"], "value": welsh["value"], "action_ts": "5.5"}
            ],
        }
    )
    posted = await slack.fake.wait_for("chat.postMessage")
    assert "Byddaf yn ysgrifennu atoch yn Gymraeg" in json.dumps(
        posted[0].payload, ensure_ascii=False
    )
    await sam.open_home()
    again = view_of((await slack.fake.wait_for("views.publish", 2))[1])
    text = json.dumps(again, ensure_ascii=False)
    assert "Goruchwyliaeth: Sam Taylor" in text
    assert "Sgôr fy llwyth achosion" in text or "Fy llwyth achosion" in text
    assert '"English"' in text  # the way back
    assert "My caseload" not in text
