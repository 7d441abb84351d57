"""Files in Teams over real HTTP: consent card, the person's answer as a real invoke, the PUT of
the bytes to the upload URL (the fake connector stands in for OneDrive), then the file's card."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.app import SENDERS
from bot.teams import consent, files
from dialogs.messages import Attachment, Card, Say
from dialogs.serialise import to_dict
from storage.db import session_factory
from storage.models import DialogState, SupervisionSession, Team
from tests.teams.conftest import (
    CHANNEL_ID,
    PRIYA,
    SAM,
    Call,
    TeamsBot,
    card_of,
    channel_mention,
    elements,
    file_consent,
    personal_install,
    personal_message,
    team_install,
)

SAM_CHAT = "a:chat-sam"
PRIYA_CHAT = "a:chat-priya"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 200 + b"\n%%EOF\n"  # ~50 KB: too big for a card
ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nMETHOD:REQUEST\r\n"
    b"BEGIN:VEVENT\r\nUID:test-1@demoshire.example\r\nDTSTAMP:20261123T100000Z\r\n"
    b"DTSTART:20261124T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def attachment_of(call: Call, content_type: str) -> dict[str, Any] | None:
    for attachment in call.body.get("attachments") or []:
        if attachment["contentType"] == content_type:
            found: dict[str, Any] = attachment
            return found
    return None


def consents(bot: TeamsBot, chat: str) -> list[dict[str, Any]]:
    sent = bot.connector.sent(chat)
    return [a for c in sent if (a := attachment_of(c, files.CONSENT_TYPE)) is not None]


async def pending_files(database: AsyncEngine) -> int:
    async with session_factory(database)() as session:
        rows = await session.exec(
            select(DialogState.key).where(col(DialogState.key).startswith(files.KEY_PREFIX))
        )
        return len(rows.all())


async def send_to_sam(bot: TeamsBot, *replies: Any, kind: str = "notice") -> None:
    await bot.post(personal_install(bot, SAM))
    await bot.connector.wait_for(lambda: bot.connector.sent(SAM_CHAT))
    payload = {"replies": [to_dict(r) for r in replies]}
    await bot.app[SENDERS]["teams"].send(SAM_CHAT, kind, payload)


def inputs(card: dict[str, Any]) -> dict[str, str]:
    return {
        e["id"]: str(e.get("value", ""))
        for e in elements(card)
        if e["type"].startswith("Input.") and "id" in e
    }


async def test_a_booking_in_teams_sends_its_ics_by_consent_and_upload(
    teams_bot: TeamsBot, database: AsyncEngine
) -> None:
    connector = teams_bot.connector
    await teams_bot.post(personal_message(teams_bot, PRIYA, "book"))
    [form] = await connector.wait_for(lambda: connector.sent(PRIYA_CHAT))
    values = inputs(card_of(form)) | {
        "person": "Sam Taylor",
        "when": "2026-12-15 14:00",
        "venue": "Room 7",
    }
    submit = {"form_id": "book", "form_title": "Book supervision", **values}
    await teams_bot.post(personal_message(teams_bot, PRIYA, value=submit, reply_to="activity-1"))
    check = await connector.wait_for(lambda: connector.sent(PRIYA_CHAT)[1:])
    actions = card_of(check[-1]).get("actions", [])
    assert {"choice": "confirm"} in [a["data"] for a in actions], card_of(check[-1])
    before = len(connector.sent(PRIYA_CHAT))

    await teams_bot.post(
        personal_message(teams_bot, PRIYA, value={"choice": "confirm"}, reply_to="activity-2")
    )

    await connector.wait_for(lambda: consents(teams_bot, PRIYA_CHAT))
    [consent] = consents(teams_bot, PRIYA_CHAT)
    booked_card = connector.sent(PRIYA_CHAT)[before]
    assert card_of(booked_card)["body"][0]["text"].startswith("Booked")
    assert consent["name"].endswith(".ics")
    assert consent["content"]["description"].startswith("Calendar invitation")
    # The card carries a token, never the file: the bytes wait in the (encrypted) database.
    token = consent["content"]["acceptContext"]["file"]
    assert set(consent["content"]["acceptContext"]) == {"file"}
    assert len(token) < 40
    assert await pending_files(database) == 1

    answer = await teams_bot.post(file_consent(teams_bot, PRIYA, consent, "accept"))

    assert answer.status == 200
    [upload] = connector.uploads
    size = consent["content"]["sizeInBytes"]
    assert len(upload.content) == size
    assert upload.content_range == f"bytes 0-{size - 1}/{size}"
    assert upload.authorization is None  # the upload URL is pre-authorised; no bot token to it
    event = next(iter(Calendar.from_ical(upload.content).walk("VEVENT")))
    async with session_factory(database)() as session:
        booked = (
            await session.exec(
                select(SupervisionSession).where(col(SupervisionSession.venue) == "Room 7")
            )
        ).one()
    assert str(event["UID"]) == booked.ical_uid
    last = connector.sent(PRIYA_CHAT)[-1]
    info = attachment_of(last, files.INFO_TYPE)
    assert info is not None
    assert info["name"] == consent["name"]
    assert info["contentUrl"].startswith("https://contoso-my.sharepoint.com/")
    assert info["content"] == {
        "uniqueId": "1150D938-8870-4044-9F2C-5BBDEBA70C9D",
        "fileType": "ics",
    }
    assert await pending_files(database) == 0


async def test_a_pdf_from_the_outbox_is_uploaded_byte_for_byte(
    teams_bot: TeamsBot, database: AsyncEngine
) -> None:
    record = Attachment("supervision-record.pdf", "application/pdf", PDF, "Supervision record")
    await send_to_sam(teams_bot, Say("Your record is signed."), record)

    [consent] = consents(teams_bot, SAM_CHAT)
    assert consent["content"]["sizeInBytes"] == len(PDF)
    assert b"%PDF" not in str(consent).encode()  # nothing of the file rides in the card
    invoke = file_consent(teams_bot, SAM, consent, "accept")
    first = await teams_bot.post(invoke)
    again = await teams_bot.post(invoke)  # Teams repeating the same invoke

    assert (first.status, again.status) == (200, 200)
    [upload] = teams_bot.connector.uploads
    assert upload.content == PDF
    assert upload.name == "supervision-record.pdf"
    infos = [c for c in teams_bot.connector.sent(SAM_CHAT) if attachment_of(c, files.INFO_TYPE)]
    assert len(infos) == 1


async def test_declining_sends_nothing_and_says_so(
    teams_bot: TeamsBot, database: AsyncEngine
) -> None:
    await send_to_sam(teams_bot, Attachment("supervision.ics", "text/calendar", ICS, "Invite"))
    [consent] = consents(teams_bot, SAM_CHAT)

    answer = await teams_bot.post(file_consent(teams_bot, SAM, consent, "decline"))

    assert answer.status == 200
    assert teams_bot.connector.uploads == []
    told = teams_bot.connector.sent(SAM_CHAT)[-1]
    assert told.body["text"] == "OK: I haven't sent supervision.ics."
    assert await pending_files(database) == 0
    # Allow pressed on the same card afterwards: the file has gone, and they are told so.
    await teams_bot.post(file_consent(teams_bot, SAM, consent, "accept"))
    assert teams_bot.connector.uploads == []
    assert "no longer waiting" in teams_bot.connector.sent(SAM_CHAT)[-1].body["text"]


async def test_only_the_person_asked_can_answer_for_the_file(
    teams_bot: TeamsBot, database: AsyncEngine
) -> None:
    await send_to_sam(teams_bot, Attachment("supervision.ics", "text/calendar", ICS, "Invite"))
    [consent] = consents(teams_bot, SAM_CHAT)

    await teams_bot.post(file_consent(teams_bot, PRIYA, consent, "accept"))

    assert teams_bot.connector.uploads == []
    assert await pending_files(database) == 1  # still Sam's to accept
    await teams_bot.post(file_consent(teams_bot, SAM, consent, "accept"))
    assert [u.content for u in teams_bot.connector.uploads] == [ICS]


async def test_a_failed_upload_can_be_tried_again(
    teams_bot: TeamsBot, database: AsyncEngine
) -> None:
    await send_to_sam(teams_bot, Attachment("supervision.ics", "text/calendar", ICS, "Invite"))
    [consent] = consents(teams_bot, SAM_CHAT)
    teams_bot.connector.fail_uploads = 1

    answer = await teams_bot.post(file_consent(teams_bot, SAM, consent, "accept"))

    assert answer.status == 200
    assert "couldn't upload supervision.ics" in teams_bot.connector.sent(SAM_CHAT)[-1].body["text"]
    await teams_bot.post(file_consent(teams_bot, SAM, consent, "accept"))
    assert [u.content for u in teams_bot.connector.uploads] == [ICS, ICS]
    assert attachment_of(teams_bot.connector.sent(SAM_CHAT)[-1], files.INFO_TYPE)
    assert await pending_files(database) == 0


async def test_an_image_is_inline_in_a_personal_chat(teams_bot: TeamsBot) -> None:
    await send_to_sam(teams_bot, Attachment("chart.png", "image/png", PNG, "Caseload chart"))

    post = teams_bot.connector.sent(SAM_CHAT)[-1]
    [image] = post.body["attachments"]
    assert image["contentType"] == "image/png"
    assert image["name"] == "chart.png"
    prefix = "data:image/png;base64,"
    assert image["contentUrl"].startswith(prefix)
    assert base64.b64decode(image["contentUrl"].removeprefix(prefix)) == PNG
    assert post.body["text"] == "Caseload chart"
    assert teams_bot.connector.uploads == []


async def test_a_channel_digest_gets_its_charts_and_no_other_file(
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
    chart = Attachment("compliance-trend.png", "image/png", PNG, "Compliance by month")
    record = Attachment("record.pdf", "application/pdf", PDF, "A record")
    payload = {"replies": [to_dict(r) for r in (Card("Weekly digest"), chart, record)]}
    sender = teams_bot.app[SENDERS]["teams"]

    await sender.send(CHANNEL_ID, "digest", payload)
    await sender.send(CHANNEL_ID, "notice", payload)  # not a digest: no images either

    posts = connector.sent()[before:]
    types = [[a["contentType"] for a in p.body.get("attachments", [])] for p in posts]
    assert types == [
        ["application/vnd.microsoft.card.adaptive"],
        ["image/png"],
        ["application/vnd.microsoft.card.adaptive"],
    ]
    assert await pending_files(database) == 0  # no consent card, so nothing kept


async def test_an_unanswered_file_is_cleared_once_it_expires(
    teams_bot: TeamsBot, database: AsyncEngine
) -> None:
    invite = Attachment("supervision.ics", "text/calendar", ICS, "Invite")
    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    old = await files.stash(database, invite, SAM_CHAT, SAM.user_id, now)
    later = now + files.KEEP_FOR + files.KEEP_FOR

    assert await files.pending(database, old, later) is None
    await files.stash(database, invite, SAM_CHAT, SAM.user_id, later)
    assert await pending_files(database) == 1
    kept = await files.pending(database, old, now)
    assert kept is None  # swept when the next file was kept


@pytest.mark.parametrize(
    ("url", "production", "allowed"),
    [
        ("https://contoso-my.sharepoint.com/personal/x/_api/upload", True, True),
        ("http://127.0.0.1:8000/upload/x.ics", False, True),
        ("http://contoso-my.sharepoint.com/upload", True, False),
        ("https://user:secret@contoso-my.sharepoint.com/upload", True, False),
        ("", False, False),
        ("file:///etc/passwd", False, False),
    ],
)
def test_only_a_plain_web_address_is_uploaded_to(url: str, production: bool, allowed: bool) -> None:
    if allowed:
        consent.check_upload_url(url, production=production)
    else:
        with pytest.raises(consent.UploadRefused):
            consent.check_upload_url(url, production=production)


def test_the_whole_file_goes_in_one_range() -> None:
    assert consent.content_range(1000) == "bytes 0-999/1000"
