"""Transcript: rearranging or cancelling a booked supervision, always with a reason (DCC 000:93)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from dialogs.messages import AskChoice, AskForm, Card, FormField, Reply, Say
from policy.packs import builtin_pack
from storage.db import session_factory
from storage.models import AuditEvent, SessionAttendee, SupervisionSession
from tests.dialogs.conftest import LONDON, Chat, staff_id

# DCC 000:93 and 000:176 as people can look them up (policy/packs/_documents.yaml): the
# document's name and its own section, never our extract's line numbers (issue 21 item 6).
POLICY = "Derbyshire Children's Services Supervision Policy"
NEEDS_DATE = (
    f"Set an early alternative date ({POLICY}, 5): a new date and time is needed unless the "
    "supervisee is leaving or away for the next two weeks."
)
LINE_NUMBER = re.compile(r"\b\d{3}:\d+")


def fields(form: AskForm) -> dict[str, FormField]:
    return {f.name: f for f in form.fields}


def errors(form: AskForm) -> dict[str, str]:
    return {f.name: f.error for f in form.fields if f.error}


def only(replies: list[Reply], kind: type) -> object:
    found = [r for r in replies if isinstance(r, kind)]
    assert len(found) == 1, replies
    return found[0]


def facts(card: Card) -> dict[str, str]:
    return {f.label: f.value for f in card.facts}


async def session_of(database: AsyncEngine, supervisee: str) -> SupervisionSession:
    """The first session booked for this person (the demo books each a few weeks ahead)."""
    person = await staff_id(database, supervisee)
    async with session_factory(database)() as session:
        row = (
            await session.exec(
                select(SupervisionSession)
                .join(SessionAttendee, col(SessionAttendee.session_id) == SupervisionSession.id)
                .where(SessionAttendee.staff_id == person, SupervisionSession.status == "booked")
                .order_by(col(SupervisionSession.planned_start))
            )
        ).first()
    assert row is not None
    return row


async def row(database: AsyncEngine, session_id: int) -> SupervisionSession:
    async with session_factory(database)() as session:
        found = await session.get(SupervisionSession, session_id)
    assert found is not None
    return found


async def moved_from(database: AsyncEngine, session_id: int) -> list[SupervisionSession]:
    async with session_factory(database)() as session:
        query = select(SupervisionSession).where(
            SupervisionSession.rescheduled_from_id == session_id
        )
        return list((await session.exec(query)).all())


async def to_form(chat: Chat, person: str, action: str) -> AskForm:
    replies = await chat.command("rearrange", person)
    ask = only(replies, AskChoice)
    assert isinstance(ask, AskChoice)
    assert [o.value for o in ask.options] == ["rearrange", "cancel"]
    await chat.choose(action)
    return chat.form()


async def test_rearrange_keeps_the_uid_raises_the_sequence_and_tells_the_other(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    old = await session_of(database, "Hannah Okafor")  # Mon 30 Nov 09:00 with Priya
    assert old.id is not None
    hannah = await staff_id(database, "Hannah Okafor")
    manager = await chat_as("Priya Shah")
    form = await to_form(manager, "Hannah", "rearrange")
    assert form.intro == "Mon 30 Nov 2026, 09:00–10:30: 1:1 supervision with Hannah Okafor"
    assert [o.value for o in fields(form)["reason"].options] == [
        "sickness",
        "annual_leave",
        "urgent_work",
        "personal",
        "leaving",
        "other",
    ]
    await manager.submit(reason="urgent_work", note="Strategy meeting called", when="")
    assert errors(manager.form()) == {"when": "New date and time is required."}
    card = only(await manager.submit(when="2/12 14:00"), Card)
    assert isinstance(card, Card)
    assert facts(card) == {
        "Now": "Mon 30 Nov 2026, 09:00–10:30",
        "Moves to": "Wed 2 Dec 2026, 14:00–15:30",
        "Reason": "Urgent work",
        "Details": "Strategy meeting called",
    }
    done = only(await manager.choose("confirm"), Card)
    assert isinstance(done, Card)
    assert done.title == "Supervision moved: 1:1 supervision with Hannah Okafor"
    assert done.subtitle == "Hannah Okafor has been told."

    cancelled = await row(database, old.id)
    assert cancelled.status == "cancelled"
    assert cancelled.cancel_reason == "urgent_work"
    assert cancelled.cancel_note == "Strategy meeting called"
    [new] = await moved_from(database, old.id)
    assert new.status == "booked"
    assert new.planned_start == datetime(2026, 12, 2, 14, 0, tzinfo=LONDON)
    assert new.planned_end - new.planned_start == old.planned_end - old.planned_start
    assert new.ical_uid == old.ical_uid  # RFC 5545: the same meeting, moved
    assert new.ical_sequence > cancelled.ical_sequence > old.ical_sequence
    assert (new.supervisor_id, new.venue, new.type) == (old.supervisor_id, old.venue, old.type)
    [note] = manager.last.notifications
    assert note.staff_id == hannah
    assert note.key == f"rearranged:{new.id}:{hannah}"
    told = note.messages[0]
    assert isinstance(told, Card)
    assert facts(told)["Now"] == "Wed 2 Dec 2026, 14:00–15:30"
    assert "Details" not in facts(told)  # the note stays on the record unless it is the reason
    async with session_factory(database)() as session:
        audit = (await session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))).all()
    assert [(a.subject_id, a.reason, a.detail["event"]) for a in audit[-2:]] == [
        (str(old.id), "urgent_work", "cancelled"),
        (str(new.id), "urgent_work", "rearranged"),
    ]


async def test_choosing_among_several_sessions(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    manager = await chat_as("Priya Shah")
    ask = only(await manager.send("rearrange"), AskChoice)
    assert isinstance(ask, AskChoice)
    labels = [o.label for o in ask.options]
    assert labels[0] == "Mon 30 Nov 2026, 09:00–10:30: 1:1 supervision with Hannah Okafor"
    assert len(labels) == 6  # Hannah, Aled twice, Tom, Megan and Chloe in the next three weeks
    tom = await session_of(database, "Tom Evans")
    action = only(await manager.choose(str(tom.id)), AskChoice)
    assert isinstance(action, AskChoice)
    assert action.prompt.startswith("Wed 2 Dec 2026, 11:30–13:00: 1:1 supervision with Tom Evans")


async def test_someone_elses_session_cannot_be_picked(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    manager = await chat_as("Priya Shah")
    await manager.send("rearrange")
    grace = await session_of(database, "Grace Lee")  # Daniel Hughes's supervisee
    assert grace.id is not None
    replies = await manager.choose(str(grace.id))
    assert isinstance(replies[0], Say)
    assert "no longer booked" in replies[0].text
    assert (await row(database, grace.id)).status == "booked"


async def test_cancel_for_leaving_needs_no_new_date(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    old = await session_of(database, "Chloe Martin")  # the student, placement ending
    assert old.id is not None
    chloe = await staff_id(database, "Chloe Martin")
    manager = await chat_as("Priya Shah")
    await to_form(manager, "Chloe", "cancel")
    card = only(await manager.submit(reason="leaving"), Card)
    assert isinstance(card, Card)
    assert facts(card)["New date"] == "none: cancelled"
    done = only(await manager.choose("confirm"), Card)
    assert isinstance(done, Card)
    assert done.title == "Supervision cancelled: 1:1 supervision with Chloe Martin"
    assert (await row(database, old.id)).cancel_reason == "leaving"
    assert await moved_from(database, old.id) == []
    assert [n.key for n in manager.last.notifications] == [f"cancelled:{old.id}:{chloe}"]


async def test_cancel_without_a_new_date_is_refused_unless_away(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    manager = await chat_as("Priya Shah")
    await to_form(manager, "Megan", "cancel")
    await manager.submit(reason="sickness", note="Manager off sick")
    assert errors(manager.form())["when"] == NEEDS_DATE
    assert fields(manager.form())["note"].value == "Manager off sick"
    # Friday is in November: December is left without supervision (DCC 000:176).
    card = only(await manager.submit(when="Fri 15:00", follow_up="Book early January"), Card)
    assert isinstance(card, Card)
    assert card.title == "Move supervision"  # a new date makes the cancel a rearrangement
    # Ffion Davies is on maternity leave until June: no early date can be set.
    ffion = await session_of(database, "Ffion Davies")
    assert ffion.id is not None
    other = await chat_as("Daniel Hughes")
    await to_form(other, "Ffion", "cancel")
    card = only(await other.submit(reason="personal", follow_up="Keeping-in-touch day"), Card)
    assert isinstance(card, Card)
    await other.choose("confirm")
    assert (await row(database, ffion.id)).status == "cancelled"


async def test_other_needs_its_reason_written(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    old = await session_of(database, "Megan Price")
    assert old.id is not None
    manager = await chat_as("Priya Shah")
    await to_form(manager, "Megan", "rearrange")
    await manager.submit(reason="other", note="   ", when="3/12 15:00")
    assert errors(manager.form()) == {
        "note": f"Say what the reason is: a cancellation's reason must be recorded ({POLICY}, 5)."
    }
    assert fields(manager.form())["when"].value == "3/12 15:00"
    huge = "ŵ" * 20_000
    await manager.submit(note=huge)
    note = fields(manager.form())["note"]
    assert note.error.startswith("Details is 20,000 characters; the limit is 2,000.")
    assert note.value == huge
    welsh = "Hyfforddiant ASYE yn Aberystwyth 🚆 — cyfarfod tîm"
    card = only(await manager.submit(note=welsh), Card)
    assert isinstance(card, Card)
    assert facts(card)["Reason"] == "Other"
    await manager.choose("confirm")
    assert (await row(database, old.id)).cancel_note == welsh
    told = manager.last.notifications[0].messages[0]
    assert isinstance(told, Card)
    assert facts(told)["Reason"] == f"Other: {welsh}"  # here the note is the reason


@pytest.mark.parametrize(
    ("when", "problem"),
    [
        ("today 9am", "New date and time: that time has passed. Choose a time in the future."),
        (
            "30/2 10:00",
            "New date and time: 30 February 2026 doesn't exist (February 2026 has 28 days)",
        ),
        # Priya has Aled Rhys at 11:00 the same morning.
        ("30/11 11:30", "You are already booked for supervision Mon 30 Nov 2026, 11:00–12:30."),
    ],
)
async def test_past_impossible_and_clashing_new_times(
    chat_as,  # type: ignore[no-untyped-def]
    when: str,
    problem: str,
) -> None:
    manager = await chat_as("Priya Shah")
    await to_form(manager, "Hannah", "rearrange")
    await manager.submit(reason="annual_leave", when=when)
    assert errors(manager.form())["when"].startswith(problem)
    assert fields(manager.form())["reason"].value == "annual_leave"


async def test_moving_within_its_own_slot_is_no_clash(chat_as) -> None:  # type: ignore[no-untyped-def]
    manager = await chat_as("Priya Shah")
    await to_form(manager, "Hannah", "rearrange")
    card = only(await manager.submit(reason="urgent_work", when="30/11 09:30"), Card)
    assert isinstance(card, Card)
    assert facts(card)["Moves to"] == "Mon 30 Nov 2026, 09:30–11:00"


async def test_supervisee_rearranges_and_is_warned_about_the_due_date(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    worker = await chat_as("Tom Evans")  # one session booked: straight to the question
    replies = await worker.command("rearrange")
    assert isinstance(replies[0], AskChoice)
    await worker.choose("rearrange")
    card = only(
        await worker.submit(reason="annual_leave", when="3/3 10:00", follow_up="March instead"),
        Card,
    )
    assert isinstance(card, Card)
    [warnings] = [s.lines for s in card.sections if s.heading == "Check before confirming"]
    assert warnings[0].startswith("Your 1:1 supervision (at least once per calendar month) is due")
    assert any("(Powys 002:45)" in line for line in warnings)
    await worker.choose("confirm")
    priya = await staff_id(database, "Priya Shah")
    assert [n.staff_id for n in worker.last.notifications] == [priya]


async def test_nothing_booked(chat_as) -> None:  # type: ignore[no-untyped-def]
    worker = await chat_as("Sam Taylor")
    replies = await worker.send("cancel my supervision")
    assert isinstance(replies[0], Say)
    assert replies[0].text.startswith("You have no supervision booked from now on.")
    assert worker.last.flow is None


async def test_duplicate_delivery_moves_it_once(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    old = await session_of(database, "Hannah Okafor")
    assert old.id is not None
    manager = await chat_as("Priya Shah")
    await to_form(manager, "Hannah", "rearrange")
    await manager.submit(reason="sickness", when="2/12 14:00")
    await manager.send("yes", message_id="slack-evt-1")
    first = await row(database, old.id)
    await manager.send("yes", message_id="slack-evt-1")
    assert manager.last.duplicate
    assert len(await moved_from(database, old.id)) == 1
    assert (await row(database, old.id)).ical_sequence == first.ical_sequence


async def test_a_month_left_without_supervision_records_its_reason_and_follow_up(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    # DCC 000:176: "Where it is evident that monthly supervision of a staff member has not been
    # complied with, the reason for this and the follow up action should be explicitly
    # recorded" (issue 20 item 5). Ffion Davies is on maternity leave: cancelling her only
    # session of the month leaves it without supervision.
    from storage.models import MissedMonth

    ffion_session = await session_of(database, "Ffion Davies")
    assert ffion_session.id is not None
    ffion = await staff_id(database, "Ffion Davies")
    manager = await chat_as("Daniel Hughes")
    await to_form(manager, "Ffion", "cancel")
    words = builtin_pack("derbyshire").compliance.missed_reason  # the demo council's pack
    assert words is not None
    assert fields(manager.form())["follow_up"].label == words.follow_up  # the pack's words
    await manager.submit(reason="other", note="On maternity leave")
    month = f"{ffion_session.planned_start.astimezone(LONDON):%B %Y}"
    assert errors(manager.form()) == {
        "follow_up": f"Say what the follow up action is: this leaves {month} without "
        f"supervision, and its reason and follow up action are recorded ({POLICY}, "
        "Supervision File Audits)."
    }
    # Every word of the form a person reads names the policy as they can look it up.
    form = manager.form()
    shown = [form.intro or "", *(f"{f.label} {f.help} {f.error or ''}" for f in form.fields)]
    assert not [text for text in shown if LINE_NUMBER.search(text)]
    assert fields(form)["follow_up"].help.endswith(f"({POLICY}, Supervision File Audits)")
    assert fields(form)["reason"].help == f"Always recorded ({POLICY}, 5)"
    assert fields(manager.form())["note"].value == "On maternity leave"  # nothing typed lost
    card = only(await manager.submit(follow_up="Keeping-in-touch day in March"), Card)
    assert isinstance(card, Card)
    assert facts(card)[f"No supervision in {month}"] == words.reason_given
    assert facts(card)[words.follow_up] == "Keeping-in-touch day in March"
    await manager.choose("confirm")
    await manager.choose("confirm")  # a double click writes once
    async with session_factory(database)() as session:
        rows = (await session.exec(select(MissedMonth))).all()
    assert [(r.staff_id, r.month, r.reason, r.note, r.follow_up) for r in rows] == [
        (
            ffion,
            ffion_session.planned_start.astimezone(LONDON).date().replace(day=1),
            "other",
            "On maternity leave",
            "Keeping-in-touch day in March",
        )
    ]
