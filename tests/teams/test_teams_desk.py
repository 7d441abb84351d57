"""The team manager's desk as real Activity JSON to /api/messages on loopback (issue 26)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.app import SENDERS
from bot.dispatcher import Dispatcher
from storage.db import session_factory
from storage.models import OutboxMessage
from tests.teams.conftest import (
    PRIYA,
    SAM,
    TeamsBot,
    card_of,
    elements,
    personal_install,
    personal_message,
)

SAM_CHAT, PRIYA_CHAT = "a:chat-sam", "a:chat-priya"


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


async def test_remind_from_team_compliance_reaches_the_person_s_chat_once(
    teams_bot: TeamsBot, database: AsyncEngine
) -> None:
    """Issue 26 item 1 as real Activity JSON: the Remind button's Action.Submit, sent twice,
    queues one private reminder, delivered to the person's personal chat; the second is told
    it was already sent."""
    connector = teams_bot.connector
    await teams_bot.post(personal_install(teams_bot, SAM))  # Sam's personal chat is known
    await teams_bot.post(personal_message(teams_bot, PRIYA, "team compliance"))
    replies = await connector.wait_for(lambda: connector.sent(PRIYA_CHAT))
    actions = [e for e in elements(card_of(replies[-1])) if e.get("type") == "Action.Submit"]
    remind = next(a for a in actions if a["title"] == "Remind Sam")
    for _ in range(2):  # a double click
        await teams_bot.post(personal_message(teams_bot, PRIYA, value=remind["data"]))
    told = await connector.wait_for(lambda: connector.sent(PRIYA_CHAT)[1:3])
    assert len(told) == 2
    assert "Sent Sam a private reminder" in str(told[0].body)
    assert "already been sent a reminder today" in str(told[1].body)

    async with session_factory(database)() as session:
        (row,) = (
            await session.exec(
                select(OutboxMessage).where(col(OutboxMessage.idempotency_key).like("nudge:%"))
            )
        ).all()
    assert (row.platform, row.target) == ("teams", SAM_CHAT)
    before = len(connector.sent(SAM_CHAT))
    assert await Dispatcher(database, teams_bot.app[SENDERS], lambda: row.due_at).run_once() == 1
    (sent,) = connector.sent(SAM_CHAT)[before:]
    texts = [e.get("text", "") for e in elements(card_of(sent))]
    assert texts[0] == "A reminder: overdue supervision work"
