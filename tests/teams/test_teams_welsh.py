"""Issue 28: a Teams activity whose locale is cy-GB is answered in Welsh, as real Activity JSON
to /api/messages on loopback; the same person in en-GB is answered in English."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from demo_data import copy_of
from welsh_check import assert_welsh

from bot.app import create_app
from bot.keys import CONVERSATIONS
from dialogs.recipients import language_of
from tests.teams.conftest import (
    PRIYA,
    SAM,
    STRANGER,
    FakeConnector,
    TeamsBot,
    channel_mention,
    fixed_clock,
    personal_message,
    settings,
    team_install,
)

NAMES = {"Sam Taylor", "Priya Shah", "Sam", "Priya"}


def welsh(activity: dict[str, Any]) -> dict[str, Any]:
    activity["locale"] = "cy-GB"
    return activity


def shown(call: Any) -> list[dict[str, Any]]:
    """What a posted activity shows, in the shape the checker reads (texts and titles)."""
    found: list[dict[str, Any]] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in {"text", "title", "label", "errorMessage", "placeholder"} and isinstance(
                    item, str
                ):
                    found.append({"text": item})
                elif key not in {"data", "value", "id", "type", "url", "conversation"}:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(call.body)
    return found


async def _ask(bot: TeamsBot, user: Any, text: str, before: int) -> list[dict[str, Any]]:
    await bot.post(welsh(personal_message(bot, user, text)))
    connector = bot.connector
    calls = await connector.wait_for(lambda: connector.sent()[before:] or None)
    return [line for call in calls for line in shown(call)]


async def test_a_welsh_teams_client_is_answered_in_welsh(teams_bot: TeamsBot) -> None:
    conversations = {
        "help": "Dyma beth y gallaf ei wneud i chi",
        "what's my caseload score": "Eich llwyth achosion",
        "thanks": "Croeso.",
        "hello": "Helo Sam",
        "cancel": "Does dim i'w ganslo.",
        "purple elephants dancing": "Mae'n ddrwg gen i",
    }
    for text, expected in conversations.items():
        before = len(teams_bot.connector.sent())
        lines = await _ask(teams_bot, SAM, text, before)
        assert_welsh(lines, NAMES)
        assert any(line["text"].startswith(expected) for line in lines), (text, lines)


async def test_a_manager_books_from_a_welsh_teams_client(teams_bot: TeamsBot) -> None:
    lines = await _ask(teams_bot, PRIYA, "book", 0)
    assert_welsh(lines, NAMES)
    assert {"text": "Trefnu goruchwyliaeth"} in lines
    assert {"text": "Canslo"} in lines  # the card's own buttons too


async def test_the_same_person_in_english_teams_is_answered_in_english(
    teams_bot: TeamsBot,
) -> None:
    await teams_bot.post(personal_message(teams_bot, SAM, "thanks"))
    connector = teams_bot.connector
    (call,) = await connector.wait_for(lambda: connector.sent())
    assert call.body["text"] == "You're welcome."


@pytest.fixture
async def powys_bot(
    demo_database: Path, tmp_path: Path, connector: FakeConnector
) -> AsyncIterator[TeamsBot]:
    """The demo council as a Welsh one: Powys's pack (Welsh by default, channels bilingual)."""
    copy, engine = copy_of(demo_database, tmp_path)
    with sqlite3.connect(copy) as connection:
        connection.execute("UPDATE organisation SET pack_id = 'powys'")
    app = create_app(settings(), engine, fixed_clock(), run_scheduler=False)
    async with TestServer(app, host="127.0.0.1") as server:
        yield TeamsBot(server, app, connector)
    await engine.dispose()


def _said(call: Any) -> str:
    return str(call.body.get("text") or "")


async def test_a_welsh_councils_channel_is_answered_in_welsh_then_english(
    powys_bot: TeamsBot,
) -> None:
    """Issue 28 item 4: what the bot posts in a channel outside a conversation (its welcome,
    its help, linking the channel) is in the council's channel languages, Welsh first."""
    connector = powys_bot.connector
    await powys_bot.post(team_install(powys_bot, PRIYA))
    before = len(connector.sent())
    await powys_bot.post(channel_mention(powys_bot, PRIYA, "help"))
    (helped,) = await connector.wait_for(lambda: connector.sent()[before:] or None)
    text = _said(helped)
    assert text.startswith("Mewn sianel"), text
    assert "In a channel I only show team views" in text  # then the English
    before = len(connector.sent())
    await powys_bot.post(channel_mention(powys_bot, PRIYA, "link"))
    (linked,) = await connector.wait_for(lambda: connector.sent()[before:] or None)
    text = _said(linked).removeprefix("✅ ")
    assert text.startswith("Wedi'i wneud:"), text
    assert text.index("Wedi'i wneud:") < text.index("Done:")
    welsh_part = text.split("\n\n")[0]
    assert_welsh([{"text": welsh_part}], {"Safeguarding North", *NAMES})


async def test_an_english_councils_channel_stays_english(teams_bot: TeamsBot) -> None:
    connector = teams_bot.connector
    await teams_bot.post(channel_mention(teams_bot, PRIYA, "help"))
    (helped,) = await connector.wait_for(lambda: connector.sent() or None)
    assert _said(helped).startswith("In a channel I only show team views")
    assert "Mewn sianel" not in _said(helped)


async def test_a_welsh_teams_client_is_written_to_in_welsh_outside_a_conversation(
    teams_bot: TeamsBot,
) -> None:
    """Issue 28 item 1: an English council; Sam never chose a language but writes from a Teams
    client in Welsh. A notice or a reminder to Sam (no message of Sam's to read a locale from)
    follows that client: it is remembered, and a later en-GB message turns it back."""
    connector = teams_bot.connector
    await teams_bot.post(welsh(personal_message(teams_bot, SAM, "thanks")))
    await connector.wait_for(lambda: connector.sent() or None)
    dialogs = teams_bot.app[CONVERSATIONS].dialogs
    async with dialogs.unit_of_work() as ports:
        (sam,) = await ports.directory.find_staff(1, "Sam Taylor")
        assert sam.language is None  # nothing chosen
        assert await language_of(ports, sam.id, "en") == "cy"
    before = len(connector.sent())
    await teams_bot.post(personal_message(teams_bot, SAM, "thanks"))  # an en-GB client now
    await connector.wait_for(lambda: connector.sent()[before:] or None)
    async with dialogs.unit_of_work() as ports:
        assert await language_of(ports, sam.id, "en") == "en"


async def test_a_stranger_on_a_welsh_teams_client_is_told_in_welsh(teams_bot: TeamsBot) -> None:
    """Nobody on the staff list: the only language to go by is their client's."""
    await teams_bot.post(welsh(personal_message(teams_bot, STRANGER, "hello")))
    connector = teams_bot.connector
    (call,) = await connector.wait_for(lambda: connector.sent() or None)
    lines = shown(call)
    assert_welsh(lines, {"Microsoft", "Teams", "OneDrive"})
    assert any("Ni allaf baru eich cyfrif Microsoft" in line["text"] for line in lines), lines
