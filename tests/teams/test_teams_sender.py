"""Proactive messages: outbox rows delivered to Teams with the stored conversation references."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.app import SENDERS
from bot.dispatcher import DeliveryError, Dispatcher
from bot.teams.sender import retry_after
from dialogs.messages import AskForm, Attachment, Card, CardSection, Fact, FormField, Option, Say
from dialogs.serialise import to_dict
from storage.db import session_factory
from storage.models import OutboxMessage, Staff, Team
from storage.outbox import destinations, destinations_of, enqueue
from tests.teams.conftest import (
    CHANNEL_ID,
    PRIYA,
    SAM,
    TeamsBot,
    card_of,
    channel_mention,
    personal_install,
    team_install,
)

SAM_CHAT = "a:chat-sam"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
DIGEST = Card(
    title="Weekly supervision digest: Safeguarding North",
    facts=(Fact("Supervision in date", "6 of 8"),),
    sections=(CardSection("Overdue", ("Tom Evans: due Mon 16 Nov",)),),
    actions=(Option("digest:details", "Details"),),
)


async def deliver(bot: TeamsBot, database: AsyncEngine) -> list[OutboxMessage]:
    dispatcher = Dispatcher(database, bot.app[SENDERS], lambda: NOW)
    await dispatcher.run_once()
    async with session_factory(database)() as session:
        return list((await session.exec(select(OutboxMessage))).all())


async def queue(database: AsyncEngine, key: str, target: str, kind: str, replies: list) -> None:
    async with session_factory(database)() as session:
        await enqueue(
            session,
            key=key,
            platform="teams",
            target=target,
            kind=kind,
            payload={"replies": [to_dict(r) for r in replies]},
            due_at=NOW,
        )
        await session.commit()


async def test_the_weekly_digest_is_posted_to_the_teams_channel(
    teams_bot: TeamsBot, database: AsyncEngine
) -> None:
    connector = teams_bot.connector
    await teams_bot.post(team_install(teams_bot, PRIYA))
    await teams_bot.post(channel_mention(teams_bot, PRIYA, "link"))
    await connector.wait_for(lambda: connector.sent())
    async with session_factory(database)() as session:
        team = (await session.exec(select(Team).where(Team.name == "Safeguarding North"))).one()
    assert team.teams_channel_id == CHANNEL_ID
    before = len(connector.sent())
    form = AskForm("x", "A form", (FormField("note", "Note"),))

    await queue(database, "digest:1:2026-W48", team.teams_channel_id, "digest", [DIGEST, form])
    rows = await deliver(teams_bot, database)

    assert [r.status for r in rows] == ["sent"]
    posts = await connector.wait_for(lambda: connector.sent()[before:])
    assert len(posts) == 1  # the form is never posted in a channel
    # A new thread in the channel itself, not a reply inside the thread the link came from.
    assert posts[0].path == f"/v3/conversations/{CHANNEL_ID}/activities"
    card = card_of(posts[0])
    assert card["body"][0]["text"] == DIGEST.title
    assert "actions" not in card


async def test_a_notice_reaches_a_person_through_their_personal_chat(
    teams_bot: TeamsBot, database: AsyncEngine
) -> None:
    connector = teams_bot.connector
    await teams_bot.post(personal_install(teams_bot, SAM))
    async with session_factory(database)() as session:
        sam = (await session.exec(select(Staff).where(Staff.name == "Sam Taylor"))).one()
        assert sam.id is not None
        assert list(await destinations(session, sam.id)) == [("teams", SAM_CHAT)]
        # The scheduler's batch form agrees, and anyone without a chat gets the web inbox.
        others = (await session.exec(select(Staff.id).where(Staff.id != sam.id))).all()
        reach = await destinations_of(session, [sam.id, *others])
        assert reach[sam.id] == [("teams", SAM_CHAT)]
        assert len(reach) == 1 + len(others)
        assert all(reach[o] == [("web", f"staff:{o}")] for o in others)

    await queue(database, "notice:1", SAM_CHAT, "notice", [Say("Your record is ready to sign.")])
    rows = await deliver(teams_bot, database)

    assert [r.status for r in rows] == ["sent"]
    post = connector.sent(SAM_CHAT)[-1]
    assert post.body["text"] == "Your record is ready to sign."
    assert post.body["recipient"]["id"] == SAM.user_id
    assert post.body["from"]["id"] == "28:bot-app-id"


async def test_throttling_is_retried_after_the_time_teams_asks_for(
    teams_bot: TeamsBot,
) -> None:
    await teams_bot.post(personal_install(teams_bot, SAM))
    await teams_bot.connector.wait_for(lambda: teams_bot.connector.sent(SAM_CHAT))
    teams_bot.connector.fail_with.append((429, {"Retry-After": "7"}))
    sender = teams_bot.app[SENDERS]["teams"]

    with pytest.raises(DeliveryError) as caught:
        await sender.send(SAM_CHAT, "reminder", {"replies": [to_dict(Say("Hello"))]})

    assert caught.value.retry_after == 7.0
    assert not caught.value.permanent


async def test_server_errors_are_retried_and_refusals_are_not(teams_bot: TeamsBot) -> None:
    await teams_bot.post(personal_install(teams_bot, SAM))
    await teams_bot.connector.wait_for(lambda: teams_bot.connector.sent(SAM_CHAT))
    sender = teams_bot.app[SENDERS]["teams"]
    payload = {"replies": [to_dict(Say("Hello"))]}

    teams_bot.connector.fail_with.append((502, {}))
    with pytest.raises(DeliveryError) as server_error:
        await sender.send(SAM_CHAT, "reminder", payload)
    teams_bot.connector.fail_with.append((403, {}))  # the app was removed, or the person left
    with pytest.raises(DeliveryError) as refused:
        await sender.send(SAM_CHAT, "reminder", payload)

    assert not server_error.value.permanent
    assert refused.value.permanent


async def test_nowhere_to_send_is_a_permanent_failure(teams_bot: TeamsBot) -> None:
    sender = teams_bot.app[SENDERS]["teams"]

    with pytest.raises(DeliveryError) as caught:
        await sender.send("a:never-installed", "reminder", {"replies": []})

    assert caught.value.permanent
    assert teams_bot.connector.calls == []


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("12", 12.0), ("0", 0.0), ("Mon, 23 Nov 2026 10:00:30 GMT", 30.0), ("soon", None), ("", None)],
)
def test_retry_after_reads_seconds_and_dates(header: str, seconds: float | None) -> None:
    assert retry_after({"Retry-After": header}, now=NOW) == seconds


async def test_a_retry_resumes_after_the_activities_that_arrived(
    teams_bot: TeamsBot, database: AsyncEngine
) -> None:
    """Two activities (a message, then a file's consent card); the second hits a 502, so the
    outbox retries from the second and the first is not posted twice."""
    connector = teams_bot.connector
    await teams_bot.post(personal_install(teams_bot, SAM))
    await connector.wait_for(lambda: connector.sent(SAM_CHAT))
    before = len(connector.sent(SAM_CHAT))
    record = Attachment("record.pdf", "application/pdf", b"%PDF-1.7\n%%EOF\n", "A record")
    await queue(database, "notice:two", SAM_CHAT, "notice", [Say("Your record is signed."), record])
    connector.fail_after, connector.fail_with = 1, [(502, {})]

    rows = await deliver(teams_bot, database)
    assert [(r.status, r.parts_sent) for r in rows] == [("pending", 1)]
    later = Dispatcher(database, teams_bot.app[SENDERS], lambda: rows[0].due_at)
    await later.run_once()

    async with session_factory(database)() as session:
        assert (await session.exec(select(OutboxMessage.status))).one() == "sent"
    sent = connector.sent(SAM_CHAT)[before:]
    texts = [p.body.get("text") for p in sent]
    assert texts.count("Your record is signed.") == 1
    consent = [p for p in sent if "attachments" in p.body]
    assert len(consent) == 2  # refused once (the 502), then delivered by the retry
    assert consent[0].body["attachments"][0]["contentType"] == (
        "application/vnd.microsoft.teams.card.file.consent"
    )
