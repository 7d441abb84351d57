"""Files arrive as real Slack files: a booking's ICS in the DM, a digest's charts in the channel.

The fake Web API implements files.getUploadURLExternal (an upload URL on itself), the POST of the
bytes and files.completeUploadExternal, so the bytes Slack would store are checked here intact.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar
from sqlmodel import col, select

from bot.app import SENDERS
from bot.dispatcher import DeliveryError
from bot.scheduler import Scheduler
from dialogs.messages import Attachment, Card, Fact, Say
from dialogs.serialise import to_dict
from policy.packs import builtin_pack, builtin_pack_ids
from storage.db import session_factory
from storage.models import OutboxMessage, SupervisionSession, Team
from storage.outbox import enqueue
from tests.slack.conftest import LONDON, Call, SlackHarness
from tests.slack.conftest import now as app_now
from tests.slack.test_slack_conversations import buttons_of, click, submission

PNG = b"\x89PNG\r\n\x1a\n"
ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
    b"UID:test-1@demoshire.example\r\nDTSTAMP:20261123T100000Z\r\n"
    b"DTSTART:20261124T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def sender(slack: SlackHarness) -> Any:
    return slack.server.app[SENDERS]["slack"]


def filled(opened: Call, values: dict[str, str]) -> dict[str, Any]:
    """A view_submission whose selects keep their initial option, as a person leaving them."""
    typed = submission(opened, values)
    view = opened.payload["view"]
    view = json.loads(view) if isinstance(view, str) else view
    state = typed["view"]["state"]["values"]
    for block in view["blocks"]:
        element = block.get("element", {})
        if block["type"] == "input" and element["type"] == "static_select":
            chosen = element.get("initial_option") or element["options"][0]
            state[block["block_id"]] = {
                "value": {"type": "static_select", "selected_option": chosen}
            }
    return typed


def a_weekday_ahead(days: int) -> date:
    day = app_now().astimezone(LONDON).date() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


async def test_a_booking_confirmed_in_slack_sends_its_ics_as_a_file(slack: SlackHarness) -> None:
    priya = slack.as_user("UPRIYA")
    await priya.command("book")
    opened = (await slack.fake.wait_for("views.open"))[0]
    when = f"{a_weekday_ahead(23).isoformat()} 14:00"
    answer = await priya.interact_json(
        filled(opened, {"person": "Sam Taylor", "when": when, "venue": "Room 4"})
    )
    assert answer == {"response_action": "clear"}, answer
    check = (await slack.fake.wait_for("chat.postMessage"))[0]
    confirm = next(b for b in buttons_of(check) if b["value"] == "confirm")

    await priya.interact(click("confirm", "700.1", confirm["action_id"]))

    await slack.fake.until(lambda: bool(slack.fake.shared()), "a file shared")
    [invite] = slack.fake.shared()
    assert invite.channel == "DUPRIYA"
    assert invite.filename.endswith(".ics")
    assert invite.title == invite.filename
    assert invite.alt_txt is None  # alt text is for images
    assert invite.initial_comment is not None
    assert invite.initial_comment.startswith("Calendar invitation")
    assert invite.content is not None
    assert invite.length == len(invite.content)
    calendar = Calendar.from_ical(invite.content)
    [event] = list(calendar.walk("VEVENT"))
    async with session_factory(slack.database)() as session:
        booked = (
            await session.exec(
                select(SupervisionSession).where(col(SupervisionSession.venue) == "Room 4")
            )
        ).one()
    assert str(event["UID"]) == booked.ical_uid
    assert calendar["METHOD"] == "REQUEST"
    # The "Booked" card came first, as a message; the file is not also a note in its blocks.
    posted = slack.fake.of("chat.postMessage")
    assert "Booked" in json.dumps(posted[-1].payload["blocks"])
    assert invite.filename not in json.dumps([c.payload for c in posted])
    methods = [c.method for c in slack.fake.calls]
    last_post = max(i for i, m in enumerate(methods) if m == "chat.postMessage")
    assert methods.index("files.getUploadURLExternal") > last_post


def digest_clock() -> Callable[[], datetime]:
    """Now, or this week's Monday 10:00 in London if that is later: the digest is due then."""
    now = app_now().astimezone(LONDON)
    monday = datetime.combine(now.date() - timedelta(days=now.weekday()), datetime.min.time())
    due = monday.replace(hour=10, tzinfo=LONDON)
    return lambda: max(now, due)


async def test_the_weekly_digest_uploads_its_two_charts_to_the_channel(
    slack: SlackHarness,
) -> None:
    async with session_factory(slack.database)() as session:
        team = (await session.exec(select(Team).where(Team.name == "Safeguarding North"))).one()
        team.slack_channel_id = "CDIGEST"
        session.add(team)
        await session.commit()
    packs = {pack_id: builtin_pack(pack_id) for pack_id in builtin_pack_ids()}
    await Scheduler(slack.database, packs, digest_clock()).tick()
    async with session_factory(slack.database)() as session:
        row = (
            await session.exec(
                select(OutboxMessage).where(
                    OutboxMessage.platform == "slack", OutboxMessage.kind == "digest"
                )
            )
        ).one()

    await sender(slack).send(row.target, row.kind, row.payload)

    [posted] = slack.fake.of("chat.postMessage")
    assert posted.payload["channel"] == "CDIGEST"
    assert "Safeguarding North" in json.dumps(posted.payload["blocks"])
    charts = slack.fake.shared("CDIGEST")
    assert [c.filename for c in charts] == ["compliance-trend.png", "caseload-bands.png"]
    for chart in charts:
        assert chart.content is not None
        assert chart.content.startswith(PNG)
        assert chart.alt_txt  # read out by screen readers
        assert chart.initial_comment is None
    # One completeUploadExternal: both charts in one message under the digest card.
    assert len(slack.fake.of("files.completeUploadExternal")) == 1


async def test_a_channel_never_gets_other_files_and_a_dm_gets_them_all(
    slack: SlackHarness,
) -> None:
    record = Attachment("record.pdf", "application/pdf", b"%PDF-1.7\n%%EOF\n", "A record")
    chart = Attachment("chart.png", "image/png", PNG + b"rest", "A chart")
    payload = {"replies": [to_dict(Say("Digest")), to_dict(record), to_dict(chart)]}

    await sender(slack).send("T1:CTEAM", "notice", payload)  # not a digest: no files at all
    await sender(slack).send("T1:CTEAM", "digest", payload)  # a digest: its chart only
    await sender(slack).send("T1:DUSAM", "notice", payload)  # a DM: both

    assert [u.filename for u in slack.fake.shared("CTEAM")] == ["chart.png"]
    sam = slack.fake.shared("DUSAM")
    assert [u.filename for u in sam] == ["record.pdf", "chart.png"]
    assert sam[0].content is not None
    assert sam[0].content.startswith(b"%PDF-")
    assert sam[0].initial_comment == "A record"
    assert sam[1].content == chart.content


async def test_files_alone_are_uploaded_without_an_empty_message(slack: SlackHarness) -> None:
    invite = Attachment("supervision.ics", "text/calendar", ICS, "Calendar invitation")

    await sender(slack).send("T1:DUSAM", "notice", {"replies": [to_dict(invite)]})

    assert not slack.fake.of("chat.postMessage")
    [shared] = slack.fake.shared("DUSAM")
    assert shared.content == ICS
    event = next(iter(Calendar.from_ical(shared.content).walk("VEVENT")))
    assert str(event["UID"]) == "test-1@demoshire.example"


@pytest.mark.parametrize("method", ["files.getUploadURLExternal", "files.completeUploadExternal"])
async def test_a_429_from_files_goes_back_to_the_outbox(slack: SlackHarness, method: str) -> None:
    slack.fake.rate_limited[method] = 1
    slack.fake.retry_after = 42
    invite = Attachment("supervision.ics", "text/calendar", ICS, "Calendar invitation")
    payload = {"replies": [to_dict(Card("Booked", facts=(Fact("When", "Tue"),))), to_dict(invite)]}

    with pytest.raises(DeliveryError) as raised:
        await sender(slack).send("T1:DUSAM", "notice", payload)

    assert raised.value.retry_after == 42
    assert not raised.value.permanent
    assert not slack.fake.shared()


async def test_a_failed_upload_in_a_conversation_is_explained(slack: SlackHarness) -> None:
    from bot.slack.http import SLACK
    from bot.slack.runtime import web_client
    from bot.slack.turns import Turns

    slack.fake.rate_limited["files.getUploadURLExternal"] = 2  # the one retry is spent too
    runtime = slack.server.app[SLACK]
    client = web_client(runtime.settings, "xoxb-test", interactive=True)
    invite = Attachment("supervision.ics", "text/calendar", ICS, "Calendar invitation")

    await Turns(runtime).send_files(client, "DUSAM", [invite])

    [note] = slack.fake.of("chat.postMessage")
    assert "couldn't attach supervision.ics" in note.payload["text"]
    assert not slack.fake.shared()


async def test_a_failed_chart_upload_is_retried_without_posting_the_card_again(
    slack: SlackHarness,
) -> None:
    """The card went out, the charts' upload hit a 429: the outbox retries the upload alone."""
    from bot.dispatcher import Dispatcher

    chart = Attachment("chart.png", "image/png", PNG + b"rest", "A chart")
    now = app_now().astimezone(LONDON)
    async with session_factory(slack.database)() as session:
        await enqueue(
            session,
            key="digest:resume",
            platform="slack",
            target="T1:CTEAM",
            kind="digest",
            payload={"replies": [to_dict(Card("Weekly digest")), to_dict(chart)]},
            due_at=now,
        )
        await session.commit()
    slack.fake.rate_limited["files.getUploadURLExternal"] = 1
    slack.fake.retry_after = 30
    assert await Dispatcher(slack.database, {"slack": sender(slack)}, lambda: now).run_once() == 1
    async with session_factory(slack.database)() as session:
        row = (await session.exec(select(OutboxMessage))).one()
    assert (row.status, row.parts_sent) == ("pending", 1)  # the card arrived; the chart did not
    assert slack.fake.shared("CTEAM") == []

    later = Dispatcher(slack.database, {"slack": sender(slack)}, lambda: row.due_at)
    assert await later.run_once() == 1
    async with session_factory(slack.database)() as session:
        assert (await session.exec(select(OutboxMessage.status))).one() == "sent"
    cards = [c for c in slack.fake.of("chat.postMessage") if c.payload["channel"] == "CTEAM"]
    assert len(cards) == 1  # posted once, in the first attempt
    assert [u.filename for u in slack.fake.shared("CTEAM")] == ["chart.png"]
