"""Issue 28: the team manager's desk from a Welsh Teams client (locale cy-GB), as real Activity
JSON to /api/messages on loopback: team compliance, its Remind button, and the reminder that
reaches the worker's personal chat, each in Welsh. The council (the demo's, in England) gives no
Welsh for its own words, so those are shown as it writes them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from welsh_check import assert_welsh

from bot.app import SENDERS
from bot.dispatcher import Dispatcher
from storage.db import session_factory
from storage.models import OutboxMessage, Staff, Team
from tests.teams.conftest import (
    PRIYA,
    SAM,
    TeamsBot,
    card_of,
    elements,
    personal_install,
    personal_message,
)
from tests.teams.test_teams_welsh import shown, welsh

SAM_CHAT, PRIYA_CHAT = "a:chat-sam", "a:chat-priya"


async def names(database: AsyncEngine) -> set[str]:
    async with session_factory(database)() as session:
        people = {s.name for s in (await session.exec(select(Staff))).all()}
        teams = {t.name for t in (await session.exec(select(Team))).all()}
    return people | teams | {n.split()[0] for n in people}


async def test_a_welsh_teams_manager_reminds_a_worker_in_welsh(
    teams_bot: TeamsBot, database: AsyncEngine
) -> None:
    connector = teams_bot.connector
    words = await names(database)
    await teams_bot.post(personal_install(teams_bot, SAM))
    # Sam's Teams is in Welsh too: the reminder is written in his language, not Priya's.
    await teams_bot.post(welsh(personal_message(teams_bot, SAM, "diolch")))
    await connector.wait_for(lambda: connector.sent(SAM_CHAT))
    await teams_bot.post(welsh(personal_message(teams_bot, PRIYA, "team compliance")))
    replies = await connector.wait_for(lambda: connector.sent(PRIYA_CHAT))
    card = card_of(replies[-1])
    texts = [e.get("text", "") for e in elements(card)]
    assert texts[0] == "Cydymffurfiaeth goruchwylio: Safeguarding North"
    # The weighting scheme's band names stay as the scheme writes them (docs/welsh.md), as on
    # the caseload card: the lines naming a band are left out here.
    own: list[dict[str, Any]] = [
        line for line in shown(replies[-1]) if " pwynt, " not in line["text"]
    ]
    banded = [line["text"] for line in shown(replies[-1]) if " pwynt, " in line["text"]]
    assert banded  # Tom Evans works part time: his band's proration is the product's words
    assert any(", pro rata ar gyfer 0.6 CALl, dros y terfyn ers " in line for line in banded)
    assert_welsh(own, words)
    actions = [e for e in elements(card) if e.get("type") == "Action.Submit"]
    remind = next(a for a in actions if a["title"] == "Atgoffa Sam")
    await teams_bot.post(welsh(personal_message(teams_bot, PRIYA, value=remind["data"])))
    (told,) = await connector.wait_for(lambda: connector.sent(PRIYA_CHAT)[1:2])
    assert_welsh(shown(told), words)
    assert "Anfonwyd nodyn atgoffa preifat at Sam" in str(told.body)

    async with session_factory(database)() as session:
        (row,) = (
            await session.exec(
                select(OutboxMessage).where(col(OutboxMessage.idempotency_key).like("nudge:%"))
            )
        ).all()
    assert await Dispatcher(database, teams_bot.app[SENDERS], lambda: row.due_at).run_once() == 1
    sent = connector.sent(SAM_CHAT)[-1]
    texts = [e.get("text", "") for e in elements(card_of(sent))]
    assert texts[0] == "Nodyn atgoffa: gwaith goruchwylio sy'n hwyr"
    # The policy cited is named by its document's own title, as published (in English).
    assert_welsh([line for line in shown(sent) if "Policy" not in line["text"]], words)
