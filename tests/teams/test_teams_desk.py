"""The team manager's desk as real Activity JSON to /api/messages on loopback (issue 26)."""

from __future__ import annotations

from tests.teams.conftest import PRIYA, SAM, TeamsBot, card_of, elements, personal_message


async def test_a_manager_gets_team_compliance_in_the_personal_chat(teams_bot: TeamsBot) -> None:
    await teams_bot.post(personal_message(teams_bot, PRIYA, "how's my team's compliance"))
    connector = teams_bot.connector
    replies = await connector.wait_for(lambda: connector.sent())
    texts = [e.get("text", "") for e in elements(card_of(replies[-1]))]
    assert texts[0] == "Supervision compliance: Safeguarding North"
    assert any("Overdue" in t for t in texts)


async def test_a_worker_asking_who_can_take_a_case_is_told_who_can(teams_bot: TeamsBot) -> None:
    await teams_bot.post(personal_message(teams_bot, SAM, "who can take a new CP case"))
    connector = teams_bot.connector
    replies = await connector.wait_for(lambda: connector.sent())
    assert "ask your team manager, Priya Shah" in str(replies[-1].body)
