"""Real Activity JSON to /api/messages on loopback, replies recorded by a fake Teams connector."""

from __future__ import annotations

import io
import json
import logging

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from storage.db import session_factory
from storage.models import (
    AuditEvent,
    Case,
    CaseAllocation,
    ConversationReference,
    ManagerDecision,
    Staff,
    Team,
)
from tests.teams.conftest import (
    CHANNEL_ID,
    PRIYA,
    SAM,
    STRANGER,
    TeamsBot,
    card_of,
    channel_mention,
    elements,
    personal_install,
    personal_message,
    team_install,
)

SAM_CHAT = "a:chat-sam"


async def staff_named(database: AsyncEngine, name: str) -> Staff:
    async with session_factory(database)() as session:
        return (await session.exec(select(Staff).where(Staff.name == name))).one()


async def reference(database: AsyncEngine, conversation_id: str) -> ConversationReference | None:
    async with session_factory(database)() as session:
        rows = await session.exec(
            select(ConversationReference).where(
                ConversationReference.conversation_id == conversation_id
            )
        )
        return rows.first()


async def test_a_personal_message_is_answered_in_the_chat(
    teams_bot: TeamsBot, database: AsyncEngine
) -> None:
    response = await teams_bot.post(personal_message(teams_bot, SAM, "what's my caseload score"))

    assert response.status in (200, 202)
    replies = await teams_bot.connector.wait_for(lambda: teams_bot.connector.sent(SAM_CHAT))
    card = card_of(replies[-1])
    texts = [e.get("text", "") for e in elements(card)]
    assert texts[0].startswith("Your caseload")
    assert replies[-1].body["recipient"]["id"] == SAM.user_id
    # Matched by the email the connector reports, then remembered by object id.
    sam = await staff_named(database, "Sam Taylor")
    assert sam.teams_aad_object_id == SAM.aad_object_id
    stored = await reference(database, SAM_CHAT)
    assert stored is not None
    assert stored.staff_id == sam.id
    assert stored.service_url == teams_bot.connector.url


async def test_an_unchanged_reference_is_not_rewritten_but_a_changed_one_is(
    teams_bot: TeamsBot, database: AsyncEngine
) -> None:
    await teams_bot.post(personal_message(teams_bot, SAM, "help"))
    await teams_bot.connector.wait_for(lambda: len(teams_bot.connector.sent(SAM_CHAT)) == 1)
    first = await reference(database, SAM_CHAT)
    assert first is not None

    await teams_bot.post(personal_message(teams_bot, SAM, "help"))
    await teams_bot.connector.wait_for(lambda: len(teams_bot.connector.sent(SAM_CHAT)) == 2)
    again = await reference(database, SAM_CHAT)
    assert again is not None
    assert again.updated_at == first.updated_at  # the same address: no write on every message

    renamed = personal_message(teams_bot, SAM, "help")
    renamed["from"] = {**renamed["from"], "name": "Sam Taylor-Jones"}
    await teams_bot.post(renamed)
    await teams_bot.connector.wait_for(lambda: len(teams_bot.connector.sent(SAM_CHAT)) == 3)
    changed = await reference(database, SAM_CHAT)
    assert changed is not None
    assert changed.reference["user"]["name"] == "Sam Taylor-Jones"
    assert changed.updated_at > first.updated_at


async def test_plain_help_lists_the_commands_as_teams_markdown(teams_bot: TeamsBot) -> None:
    await teams_bot.post(personal_message(teams_bot, SAM, "help"))

    replies = await teams_bot.connector.wait_for(lambda: teams_bot.connector.sent(SAM_CHAT))
    text = replies[-1].body["text"]
    assert "**caseload [me | person | team]**" in text
    assert "\n\n" in text


async def test_the_same_activity_twice_is_answered_once(teams_bot: TeamsBot) -> None:
    activity = personal_message(teams_bot, SAM, "help")
    await teams_bot.post(activity)
    await teams_bot.post(activity)

    await teams_bot.connector.wait_for(lambda: teams_bot.connector.sent(SAM_CHAT))
    assert len(teams_bot.connector.sent(SAM_CHAT)) == 1


async def test_an_unknown_person_is_told_so_and_shown_nothing(
    teams_bot: TeamsBot, database: AsyncEngine
) -> None:
    await teams_bot.post(personal_message(teams_bot, STRANGER, "what's my caseload score"))

    replies = await teams_bot.connector.wait_for(lambda: teams_bot.connector.sent())
    assert len(replies) == 1
    assert "can't match your Microsoft account" in replies[0].body["text"]
    assert "attachments" not in replies[0].body
    stored = await reference(database, "a:chat-stranger")
    assert stored is not None
    assert stored.staff_id is None


async def test_installing_the_app_stores_the_reference_and_says_hello(
    teams_bot: TeamsBot, database: AsyncEngine
) -> None:
    response = await teams_bot.post(personal_install(teams_bot, SAM))

    assert response.status in (200, 202)
    replies = await teams_bot.connector.wait_for(lambda: teams_bot.connector.sent(SAM_CHAT))
    assert "I'm Supervision Assistant" in replies[0].body["text"]
    stored = await reference(database, SAM_CHAT)
    sam = await staff_named(database, "Sam Taylor")
    assert stored is not None
    assert stored.platform == "teams"
    assert stored.staff_id == sam.id
    assert stored.reference["conversation"]["id"] == SAM_CHAT
    assert stored.reference["bot"]["id"] == "28:bot-app-id"
    assert stored.reference["serviceUrl"] == teams_bot.connector.url


async def test_installing_in_a_team_stores_the_channel_not_a_person(
    teams_bot: TeamsBot, database: AsyncEngine
) -> None:
    await teams_bot.post(team_install(teams_bot, PRIYA))

    stored = await reference(database, CHANNEL_ID)
    assert stored is not None
    assert stored.staff_id is None
    assert stored.reference["conversation"]["conversationType"] == "channel"
    assert "user" not in stored.reference


async def test_a_form_submitted_with_errors_comes_back_in_the_same_card(
    teams_bot: TeamsBot, database: AsyncEngine
) -> None:
    connector = teams_bot.connector
    await teams_bot.post(personal_message(teams_bot, SAM, "absence"))
    form_call = (await connector.wait_for(lambda: connector.sent(SAM_CHAT)))[-1]
    card = card_of(form_call)
    assert [e["id"] for e in elements(card) if e["type"].startswith("Input.")] == [
        "person",
        "kind",
        "start",
        "end",
        "note",
    ]
    submit = next(a for a in card["actions"] if a["type"] == "Action.Submit")
    card_id = "activity-1"  # what the fake connector answered when the card was posted

    # Action.Submit: Teams sends the action's data merged with the inputs, as a message value.
    typed = {"person": "me", "kind": "annual_leave", "start": "2026-12-07", "end": "2026-12-01"}
    await teams_bot.post(
        personal_message(teams_bot, SAM, value=submit["data"] | typed, reply_to=card_id)
    )

    update = (await connector.wait_for(connector.updates))[-1]
    assert update.activity_id == card_id
    retry = card_of(update)
    inputs = {e["id"]: e.get("value") for e in elements(retry) if e["type"].startswith("Input.")}
    assert inputs["start"] == "2026-12-07"
    assert inputs["end"] == "2026-12-01"
    assert inputs["kind"] == "annual_leave"
    errors = [e["text"] for e in elements(retry) if e.get("color") == "Attention"]
    assert "The last day is before the first day." in errors
    assert len(connector.sent(SAM_CHAT)) == 1  # corrected in place, not posted again

    fixed = typed | {"end": "2026-12-11"}
    await teams_bot.post(
        personal_message(teams_bot, SAM, value=submit["data"] | fixed, reply_to=card_id)
    )

    await connector.wait_for(lambda: len(connector.updates()) == 2)
    done = card_of(connector.updates()[-1])
    assert "actions" not in done
    assert not [e for e in elements(done) if e["type"].startswith("Input.")]
    confirmations = await connector.wait_for(lambda: connector.sent(SAM_CHAT)[1:])
    assert "Recorded your absence from Mon 7 Dec 2026" in confirmations[-1].body["text"]


async def test_a_choice_from_a_card_button_is_a_choice(teams_bot: TeamsBot) -> None:
    connector = teams_bot.connector
    await teams_bot.post(personal_message(teams_bot, SAM, "what's my caseload score"))
    card = card_of((await connector.wait_for(lambda: connector.sent(SAM_CHAT)))[-1])
    breakdown = next(a for a in card.get("actions", []) if "breakdown:" in a["data"]["choice"])

    await teams_bot.post(personal_message(teams_bot, SAM, value=breakdown["data"]))

    replies = await connector.wait_for(lambda: connector.sent(SAM_CHAT)[1:])
    assert card_of(replies[-1])["body"][0]["text"].startswith("Every point")


async def test_a_manager_links_the_channel_and_asks_for_the_team_view(
    teams_bot: TeamsBot, database: AsyncEngine
) -> None:
    connector = teams_bot.connector
    await teams_bot.post(channel_mention(teams_bot, PRIYA, "link"))

    linked = await connector.wait_for(lambda: connector.sent())
    assert "weekly supervision digest will be posted in this channel" in linked[-1].body["text"]
    async with session_factory(database)() as session:
        team = (await session.exec(select(Team).where(Team.name == "Safeguarding North"))).one()
    assert team.teams_channel_id == CHANNEL_ID
    stored = await reference(database, CHANNEL_ID)
    assert stored is not None
    assert stored.team_id == team.id

    await teams_bot.post(channel_mention(teams_bot, PRIYA, "caseload team"))

    replies = await connector.wait_for(lambda: connector.sent()[1:])
    view = card_of(replies[-1])
    assert view["body"][0]["text"] == "Caseloads: Safeguarding North"
    assert "Sam Taylor" in str(view)
    assert "actions" not in view  # no buttons in a channel
    # The reply goes into the thread the mention came from.
    assert replies[-1].conversation.startswith(CHANNEL_ID)


async def test_a_worker_mentioning_the_bot_in_a_channel_sees_no_team_data(
    teams_bot: TeamsBot,
) -> None:
    connector = teams_bot.connector
    await teams_bot.post(channel_mention(teams_bot, PRIYA, "link"))
    await connector.wait_for(lambda: connector.sent())

    await teams_bot.post(channel_mention(teams_bot, SAM, "caseload team"))

    replies = await connector.wait_for(lambda: connector.sent()[1:])
    assert (
        replies[-1].body["text"].endswith("Team views here are for Safeguarding North's manager.")
    )
    assert "attachments" not in replies[-1].body


async def test_personal_requests_in_a_channel_are_sent_to_a_personal_chat(
    teams_bot: TeamsBot,
) -> None:
    connector = teams_bot.connector
    await teams_bot.post(channel_mention(teams_bot, PRIYA, "absence"))

    replies = await connector.wait_for(lambda: connector.sent())
    assert "message me in a personal chat" in replies[-1].body["text"]
    assert "attachments" not in replies[-1].body


async def test_a_bad_activity_is_400_not_a_traceback(teams_bot: TeamsBot) -> None:
    response = await teams_bot.post({"type": "message"})

    assert response.status == 400


async def test_an_action_execute_invoke_answers_with_the_updated_card(
    teams_bot: TeamsBot,
) -> None:
    connector = teams_bot.connector
    await teams_bot.post(personal_message(teams_bot, SAM, "absence"))
    await connector.wait_for(lambda: connector.sent(SAM_CHAT))
    invoke = personal_message(teams_bot, SAM)
    invoke.pop("text", None)
    invoke |= {
        "type": "invoke",
        "name": "adaptiveCard/action",
        "value": {
            "action": {
                "type": "Action.Execute",
                "verb": "submit",
                "data": {"form_id": "absence", "form_title": "Record an absence", "person": "me"},
            },
            "trigger": "manual",
        },
    }

    response = await teams_bot.post(invoke)

    assert response.status == 200
    answer = json.loads(response.text)
    assert answer["statusCode"] == 200
    assert answer["type"] == "application/vnd.microsoft.card.adaptive"
    errors = [e["text"] for e in elements(answer["value"]) if e.get("color") == "Attention"]
    assert "Kind is required." in errors
    assert connector.updates() == []  # Action.Execute replaces the card through the answer


# ---- Hostile bodies: a 4xx, one short line, never a traceback ----------------------------------


async def raw_post(bot: TeamsBot, data: bytes | io.BytesIO, content_type: str) -> tuple[int, str]:
    url = bot.server.make_url("/api/messages")
    async with (
        aiohttp.ClientSession() as client,
        client.post(url, data=data, headers={"Content-Type": content_type}) as response,
    ):
        return response.status, await response.text()


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        (b"{bad", "application/json", 400),
        (b'{"type": "message", "text": "\xff\xfe"}', "application/json", 400),
        (b"[1, 2, 3]", "application/json", 400),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 400),
        (b'{"type": "message"}', "text/plain", 415),
        (b"type=message", "application/x-www-form-urlencoded", 415),
    ],
    ids=["not-json", "not-utf8", "a-list", "nested-100000", "text-plain", "a-form"],
)
async def test_a_body_that_is_not_an_activity_is_a_4xx_without_a_traceback(
    teams_bot: TeamsBot,
    caplog: pytest.LogCaptureFixture,
    data: bytes,
    content_type: str,
    status: int,
) -> None:
    answer = await raw_post(teams_bot, data, content_type)

    assert answer[0] == status
    assert "Traceback" not in answer[1]
    loud = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert loud == [], [r.getMessage() for r in loud]
    assert len([r for r in caplog.records if r.name == "bot.guard"]) == 1
    assert teams_bot.connector.calls == []


async def test_an_oversized_body_is_413_before_it_is_read(
    teams_bot: TeamsBot, caplog: pytest.LogCaptureFixture
) -> None:
    status, _ = await raw_post(
        teams_bot, io.BytesIO(b" " * (2 * 1024 * 1024 + 1)), "application/json"
    )

    assert status == 413
    assert [r.getMessage() for r in caplog.records if r.name == "bot.guard"] == [
        "refused: POST /api/messages: body over 2097152 bytes"
    ]


async def test_a_demo_person_is_known_by_their_demo_teams_id(
    teams_bot: TeamsBot, database: AsyncEngine
) -> None:
    """Issue 21 item 13: demo staff had no Teams ids, so the Agents Playground or a test tenant,
    whose user the connector cannot look up by a demo email, was told "can't match your
    Microsoft account". Each demo person now has a fixed one (docs/teams.md)."""
    from storage.demo import demo_teams_id
    from tests.teams.conftest import TeamsUser

    aled = await staff_named(database, "Aled Rhys")
    assert aled.teams_aad_object_id == demo_teams_id("aled.rhys@demoshire.example")
    async with session_factory(database)() as session:
        ids = [s.teams_aad_object_id for s in (await session.exec(select(Staff))).all()]
    assert all(ids)
    assert len(set(ids)) == len(ids)
    playground_user = TeamsUser("29:playground", demo_teams_id(aled.email), "Playground", "")
    await teams_bot.post(personal_message(teams_bot, playground_user, "what's my caseload score"))
    replies = await teams_bot.connector.wait_for(
        lambda: teams_bot.connector.sent("a:chat-playground")
    )
    assert "can't match" not in replies[0].body.get("text", "")
    assert "attachments" in replies[0].body


async def test_undo_withdraws_a_decision_just_saved_once(
    teams_bot: TeamsBot, database: AsyncEngine
) -> None:
    """Issue 22 item 1 with real Activity JSON: the Undo under a saved decision withdraws it;
    a second click and a typed "undo" withdraw nothing more."""
    connector = teams_bot.connector
    chat = "a:chat-priya"
    sam = await staff_named(database, "Sam Taylor")
    async with session_factory(database)() as session:
        reference = (
            await session.exec(
                select(Case.reference)
                .join(CaseAllocation, col(CaseAllocation.case_id) == Case.id)
                .where(CaseAllocation.staff_id == sam.id, col(Case.closed).is_(None))
            )
        ).first()
    await teams_bot.post(
        personal_message(teams_bot, PRIYA, f"decision {reference} close the case because needs met")
    )
    card = card_of((await connector.wait_for(lambda: connector.sent(chat)))[-1])
    confirm = next(a for a in card["actions"] if a["data"].get("choice") == "confirm")
    await teams_bot.post(personal_message(teams_bot, PRIYA, value=confirm["data"]))
    saved = await connector.wait_for(
        lambda: [c for c in connector.sent(chat) if "start:undo:" in json.dumps(c.body)]
    )
    offer = card_of(saved[-1])
    undo = next(a for a in offer["actions"] if a["data"].get("choice", "").startswith("start:undo"))
    for _ in range(2):  # a double click
        await teams_bot.post(personal_message(teams_bot, PRIYA, value=undo["data"]))
    await teams_bot.post(personal_message(teams_bot, PRIYA, "undo"))

    def undo_answers() -> list[str]:
        texts = [c.body.get("text", "").removeprefix("✅ ") for c in connector.sent(chat)]
        found = [t for t in texts if t.startswith(("Withdrawn", "Nothing more to undo"))]
        return found if len(found) >= 3 else []

    answers = await connector.wait_for(undo_answers)
    withdrawn, again, typed = answers
    assert withdrawn.startswith(f"Withdrawn: the Managers Decision on {reference}")
    assert "needs met" not in withdrawn
    assert again.startswith("Nothing more to undo")
    assert typed.startswith("Nothing more to undo")
    async with session_factory(database)() as session:
        events = (
            await session.exec(select(AuditEvent).where(AuditEvent.action == "withdraw"))
        ).all()
        rows = (await session.exec(select(ManagerDecision))).all()
    assert len(events) == 1
    assert sum(1 for r in rows if r.withdrawn_at is not None) == 1
