"""Issue 28: a Teams activity whose locale is cy-GB is answered in Welsh, as real Activity JSON
to /api/messages on loopback; the same person in en-GB is answered in English."""

from __future__ import annotations

from typing import Any

from welsh_check import assert_welsh

from tests.teams.conftest import PRIYA, SAM, TeamsBot, personal_message

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
