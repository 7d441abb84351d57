"""Transcript: booking supervision, by a manager and by a supervisee, and what can go wrong."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from dialogs.flows.booking_checks import date_warnings, split_argument
from dialogs.messages import AskForm, Card, FormField, Reply, Say, Tone
from policy.frequencies import DueItem
from policy.packs import builtin_pack
from storage.db import session_factory
from storage.models import AuditEvent, RecordAction, SessionAttendee, SupervisionSession
from tests.dialogs.conftest import LONDON, Chat, staff_id


def fields(form: AskForm) -> dict[str, FormField]:
    return {f.name: f for f in form.fields}


def errors(form: AskForm) -> dict[str, str]:
    return {f.name: f.error for f in form.fields if f.error}


def only_card(replies: list[Reply]) -> Card:
    cards = [r for r in replies if isinstance(r, Card)]
    assert len(cards) == 1, replies
    return cards[0]


def facts(card: Card) -> dict[str, str]:
    return {f.label: f.value for f in card.facts}


def section(card: Card, heading: str) -> tuple[str, ...]:
    found = [s for s in card.sections if s.heading.startswith(heading)]
    assert found, [s.heading for s in card.sections]
    return found[0].lines


async def booked(database: AsyncEngine) -> list[SupervisionSession]:
    async with session_factory(database)() as session:
        query = select(SupervisionSession).order_by(col(SupervisionSession.id))
        return list((await session.exec(query)).all())


async def attendees(database: AsyncEngine, session_id: int) -> list[int]:
    async with session_factory(database)() as session:
        query = select(SessionAttendee.staff_id).where(SessionAttendee.session_id == session_id)
        return list((await session.exec(query)).all())


async def open_actions(database: AsyncEngine, owner: int) -> list[str]:
    async with session_factory(database)() as session:
        query = select(RecordAction.description).where(
            RecordAction.owner_id == owner, col(RecordAction.done_at).is_(None)
        )
        return list((await session.exec(query)).all())


async def to_confirm_card(chat: Chat, argument: str, **values: str) -> Card:
    await chat.command("book", argument)  # a command starts afresh, whatever was under way
    return only_card(await chat.submit(**values))


async def test_manager_books_with_a_supervisee_and_both_are_told(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    before = len(await booked(database))
    sam = await staff_id(database, "Sam Taylor")
    manager = await chat_as("Priya Shah")
    replies = await manager.send("book supervision with Sam tomorrow 2pm")
    form = manager.form()
    assert len(replies) == 1
    assert fields(form)["person"].value == "Sam"
    assert fields(form)["when"].value == "tomorrow 2pm"
    assert fields(form)["type"].value == "one_to_one"  # Derbyshire's compliance type first
    assert fields(form)["minutes"].value == "60"
    assert errors(form) == {}
    card = only_card(await manager.submit(mode="virtual", venue="Teams call"))
    assert card.title == "Book supervision: Priya Shah and Sam Taylor"
    assert facts(card)["When"] == "Tue 24 Nov 2026, 14:00–15:00 (60 minutes)"
    assert facts(card)["Where"] == "Virtual: Teams call"
    assert facts(card)["Type"] == "1:1 supervision"
    agenda = section(card, "Agenda (from Appendix 1 - Record of Supervision)")
    actions = await open_actions(database, sam)
    assert actions  # the demo leaves Sam with open actions from the last record
    for action in actions:
        assert any(line.startswith(f"Matters arising: {action} (due ") for line in agenda)
    assert "Date and Time of Next Meeting" in agenda  # the template's sections follow

    done = (await manager.choose("confirm"))[0]
    assert isinstance(done, Card)
    assert done.title == "Booked: supervision with Sam Taylor"
    assert done.subtitle.startswith("Tue 24 Nov 2026, 14:00.")
    # Booked for tomorrow, after the day's agenda run: the day-before agenda goes to both at
    # once, under the scheduler's keys, and Sam gets the reflection questions (issue 27).
    assert "The agenda comes to you both" in done.subtitle
    rows = await booked(database)
    assert len(rows) == before + 1
    row = rows[-1]
    assert row.id is not None
    assert row.supervisor_id == await staff_id(database, "Priya Shah")
    assert await attendees(database, row.id) == [sam]
    assert row.planned_start == datetime(2026, 11, 24, 14, 0, tzinfo=LONDON)
    assert row.virtual
    assert row.venue == "Teams call"
    assert row.status == "booked"
    assert any(item.startswith("Matters arising: ") for item in row.agenda)
    priya = await staff_id(database, "Priya Shah")
    agendas = sorted(n.key for n in manager.last.notifications if n.key.startswith("agenda:"))
    assert agendas == sorted(f"agenda:{row.id}:{sam}:{who}:2026-11-24" for who in (priya, sam))
    assert [n.key for n in manager.last.notifications if n.key.startswith("reflect:")] == [
        f"reflect:{row.id}:{sam}:2026-11-24"
    ]
    notes = [n for n in manager.last.notifications if n.key.startswith("booked:")]
    assert [n.staff_id for n in notes] == [sam]
    assert notes[0].key == f"booked:{row.id}:{sam}"
    told = notes[0].messages[0]
    assert isinstance(told, Card)
    assert told.subtitle == "Priya Shah booked supervision with you."
    assert facts(told)["When"] == facts(card)["When"]
    async with session_factory(database)() as session:
        audit = (await session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))).all()
    assert audit[-1].subject_type == "supervision_session"
    assert audit[-1].subject_id == str(row.id)
    assert audit[-1].target_staff_id == sam


async def test_supervisee_books_with_their_line_manager(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    worker = await chat_as("Sam Taylor")
    await worker.command("book")
    assert fields(worker.form())["person"].value == "Priya Shah"  # their own line manager
    assert errors(worker.form()) == {}  # nothing typed yet, nothing flagged
    card = only_card(await worker.submit(when="3/12 09:30"))
    assert facts(card)["Supervisor"] == "Priya Shah"
    assert facts(card)["Supervisee"] == "Sam Taylor"
    done, *rest = [r for r in await worker.choose("confirm") if isinstance(r, Card)]
    assert done.title == "Booked: supervision with Priya Shah"
    # Days ahead: the agenda so far comes with the confirmation (issue 27 item 2), and with
    # the notice to Priya; the day-before agenda comes from the scheduler later.
    assert [r.title for r in rest] == ["Agenda for your supervision"]
    told = worker.last.notifications[0].messages
    assert [r.title for r in told if isinstance(r, Card)] == [
        "Supervision booked",
        "Agenda for your supervision",
    ]
    assert [n.staff_id for n in worker.last.notifications] == [
        await staff_id(database, "Priya Shah")
    ]
    row = (await booked(database))[-1]
    assert row.supervisor_id == await staff_id(database, "Priya Shah")
    assert row.created_by_id == await staff_id(database, "Sam Taylor")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("tomorrow 2pm", "Tue 24 Nov 2026, 14:00–15:00"),
        ("Tue 10:00", "Tue 24 Nov 2026, 10:00–11:00"),
        ("3/12 09:30", "Thu 3 Dec 2026, 09:30–10:30"),  # UK day first: 3 December
        ("3 Dec at 9.30am", "Thu 3 Dec 2026, 09:30–10:30"),
    ],
)
async def test_each_way_of_writing_the_time(chat_as, typed: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    manager = await chat_as("Priya Shah")
    card = await to_confirm_card(manager, f"Sam Taylor {typed}")
    assert facts(card)["When"].startswith(expected)


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("today 9am", "Date and time: that time has passed. Choose a time in the future."),
        ("yesterday 3pm", "Date and time: that time has passed. Choose a time in the future."),
        ("31/2 10:00", "Date and time: 31 February 2026 doesn't exist (February 2026 has 28 days)"),
        ("3/13 10:00", "there is no month 13 (UK dates are day/month)"),
        ("tomorrow", "'tomorrow' has no time: add one, for example 'tomorrow 10am'."),
        ("25:00 tomorrow", "'25:00' is not a time"),
    ],
)
async def test_past_and_impossible_times_are_refused_and_nothing_is_lost(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
    typed: str,
    problem: str,
) -> None:
    before = len(await booked(database))
    manager = await chat_as("Priya Shah")
    await manager.send("book Sam Taylor")
    await manager.submit(when=typed, mode="virtual", venue="Room 2", minutes="75")
    form = manager.form()
    assert problem in errors(form)["when"]
    assert set(errors(form)) == {"when"}
    kept = fields(form)
    assert (kept["person"].value, kept["when"].value) == ("Sam Taylor", typed)
    assert (kept["mode"].value, kept["venue"].value, kept["minutes"].value) == (
        "virtual",
        "Room 2",
        "75",
    )
    assert len(await booked(database)) == before


async def test_a_mistyped_time_in_the_sentence_is_flagged_at_once(chat_as) -> None:  # type: ignore[no-untyped-def]
    manager = await chat_as("Priya Shah")
    await manager.send("book supervision with Sam 31/2 10:00")
    assert set(errors(manager.form())) == {"when"}
    assert "February 2026 has 28 days" in errors(manager.form())["when"]


@pytest.mark.parametrize(
    ("who", "person", "when", "problem"),
    [
        # Priya herself has Hannah Okafor at 09:00-10:30 on Mon 30 Nov.
        ("Priya Shah", "Sam Taylor", "30/11 09:30", "You are already booked for "),
        # Sam books with Priya: the clash is on his manager's side.
        ("Sam Taylor", "Priya Shah", "30/11 10:00", "Priya Shah is already booked for "),
        # Morgan (Hannah's manager's manager) books Hannah: the clash is Hannah's.
        ("Morgan Price", "Hannah Okafor", "30/11 09:00", "Hannah Okafor is already booked for "),
    ],
)
async def test_a_clash_for_either_party_is_refused(
    chat_as,  # type: ignore[no-untyped-def]
    who: str,
    person: str,
    when: str,
    problem: str,
) -> None:
    chat = await chat_as(who)
    await chat.command("book", person)
    await chat.submit(when=when)
    error = errors(chat.form())["when"]
    assert error == f"{problem}supervision Mon 30 Nov 2026, 09:00–10:30. Choose another time."


async def test_a_shorter_asye_session_is_booked_and_flagged(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    # LAM 004:317: ASYE supervision is "up to 1½ hours duration of uninterrupted time"; the
    # pack expects 90 minutes and a shorter session is flagged, not refused.
    manager = await chat_as("Priya Shah")
    await manager.send("book Aled Rhys 3/12 13:00")
    assert fields(manager.form())["minutes"].value == "90"  # Aled is on the ASYE
    before = len(await booked(database))
    card = only_card(await manager.submit(minutes="60"))
    assert facts(card)["When"] == "Thu 3 Dec 2026, 13:00–14:00 (60 minutes)"
    assert section(card, "Check before booking")[0] == (
        "Aled Rhys is on the ASYE: 60 minutes, shorter than ASYE supervision: 90 minutes "
        "(004:268,317,319)."
    )
    await manager.choose("confirm")
    sessions = await booked(database)
    assert len(sessions) == before + 1
    assert sessions[-1].planned_end - sessions[-1].planned_start == timedelta(minutes=60)
    # 90 minutes is not flagged, nor are 60 for a qualified social worker.
    card = await to_confirm_card(manager, "Aled Rhys 4/12 13:00", minutes="90")
    assert not [s for s in card.sections if s.heading.startswith("Check before booking")]
    card = await to_confirm_card(manager, "Sam Taylor 3/12 15:00", minutes="60")
    assert facts(card)["When"].endswith("(60 minutes)")
    assert not [s for s in card.sections if s.heading.startswith("Check before booking")]


@pytest.mark.parametrize(
    ("who", "person", "problem"),
    [
        ("Priya Shah", "Zebedee", "Nobody called 'Zebedee' works here."),
        ("Priya Shah", "Grace Lee", "Grace Lee is neither."),  # Daniel Hughes's team
        ("Sam Taylor", "Hannah Okafor", "Hannah Okafor is neither."),  # a colleague
        ("Sam Taylor", "Sam Taylor", "That is you: name the person you are meeting."),
    ],
)
async def test_unknown_people_and_people_you_may_not_book_with(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
    who: str,
    person: str,
    problem: str,
) -> None:
    before = len(await booked(database))
    chat = await chat_as(who)
    await chat.send(f"book {person} tomorrow 2pm")
    assert problem in errors(chat.form())["person"]
    await chat.submit()
    assert problem in errors(chat.form())["person"]
    assert fields(chat.form())["when"].value == "tomorrow 2pm"
    assert len(await booked(database)) == before


async def test_warns_after_the_due_date_and_the_month_cut_off(chat_as) -> None:  # type: ignore[no-untyped-def]
    manager = await chat_as("Priya Shah")
    soon = await to_confirm_card(manager, "Sam Taylor 3/12 10:00")
    assert not [s for s in soon.sections if s.heading == "Check before booking"]
    late = await to_confirm_card(manager, "Sam Taylor 3/3 10:00")
    lines = section(late, "Check before booking")
    assert lines[0].startswith("Sam Taylor's 1:1 supervision (at least once per calendar month) ")
    assert "is due by " in lines[0]
    assert f"({DCC_APP2} and Supervision File Audits)" in lines[0]
    assert lines[1].startswith("It falls in March 2027, after the ")
    assert lines[1].endswith("supervision figures (Powys 002:45).")


async def test_a_session_already_booked_moves_the_due_date_on(chat_as) -> None:  # type: ignore[no-untyped-def]
    # Tom Evans has 1:1 booked for Wed 2 Dec: if it goes ahead, January is in time.
    manager = await chat_as("Priya Shah")
    card = await to_confirm_card(manager, "Tom Evans 6/1 10:00")
    assert not [s for s in card.sections if s.heading == "Check before booking"]


DCC_APP2 = (
    "Derbyshire Children's Services Supervision Policy, Appendix 2: Individual Supervision "
    "Agreement"
)


def _item(due: date) -> DueItem:
    return DueItem("one_to_one", "1:1 supervision", 1, due, 0, "000:300")


@pytest.mark.parametrize(
    ("day", "due", "monthly", "expected"),
    [
        (date(2026, 12, 30), date(2026, 12, 31), True, []),
        (date(2026, 12, 31), date(2026, 12, 31), True, []),
        (
            date(2027, 1, 4),
            date(2026, 12, 31),
            True,
            [
                f"Your 1:1 supervision is due by Thu 31 Dec 2026 ({DCC_APP2}): this date is 4 days "
                "after that.",
                "It falls in January 2027, after the December cut-off, so it will not count for "
                "December's supervision figures (Powys 002:45).",
            ],
        ),
        # Sun 31 Jan moved to Fri 29 Jan: Sat 30 Jan is late, but still counts for January.
        (
            date(2027, 1, 30),
            date(2027, 1, 29),
            True,
            [
                f"Your 1:1 supervision is due by Fri 29 Jan 2027 ({DCC_APP2}): this date is 1 day "
                "after that."
            ],
        ),
        # A rule in weeks (the ASYE) has no month cut-off.
        (
            date(2027, 1, 4),
            date(2026, 12, 31),
            False,
            [
                f"Your 1:1 supervision is due by Thu 31 Dec 2026 ({DCC_APP2}): this date is 4 days "
                "after that."
            ],
        ),
    ],
)
def test_date_warnings(day: date, due: date, monthly: bool, expected: list[str]) -> None:
    assert (
        date_warnings("Your", day, [(_item(due), monthly)], builtin_pack("derbyshire")) == expected
    )


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("with Sam tomorrow 2pm", {"person": "Sam", "when": "tomorrow 2pm"}),
        (
            "supervision with Sam Taylor on 3/12 at 09:30",
            {"person": "Sam Taylor", "when": "on 3/12 at 09:30"},
        ),
        ("tomorrow 2pm with my manager", {"person": "my manager", "when": "tomorrow 2pm"}),
        ("April Jones 3 April 10am", {"person": "April Jones", "when": "3 April 10am"}),
        ("Aled", {"person": "Aled"}),
        ("Tue 10:00", {"when": "Tue 10:00"}),
    ],
)
def test_the_sentence_is_split_into_person_and_time(
    sentence: str, expected: dict[str, str]
) -> None:
    assert split_argument(sentence) == expected


async def test_welsh_emoji_and_long_text_are_kept(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    manager = await chat_as("Priya Shah")
    await manager.send("book Sam Taylor 3/12 11:00")
    huge = "y" * 20_000
    await manager.submit(venue=huge)
    venue = fields(manager.form())["venue"]
    assert venue.error.startswith("Where is 20,000 characters; the limit is 200. Shorten it")
    assert venue.value == huge
    welsh = "Ystafell 2, Neuadd y Sir — paned ☕ <b>'; DROP TABLE staff; --"
    card = only_card(await manager.submit(venue=welsh))
    assert facts(card)["Where"] == f"In person: {welsh}"
    await manager.choose("confirm")
    assert (await booked(database))[-1].venue == welsh


async def test_change_brings_the_form_back_with_every_answer(chat_as) -> None:  # type: ignore[no-untyped-def]
    manager = await chat_as("Priya Shah")
    await to_confirm_card(manager, "Sam Taylor 3/12 11:00", venue="Area office")
    await manager.choose("edit")
    kept = fields(manager.form())
    assert (kept["person"].value, kept["when"].value, kept["venue"].value) == (
        "Sam Taylor",
        "3/12 11:00",
        "Area office",
    )
    replies = await manager.send("what?")
    assert isinstance(replies[0], Say)
    assert replies[0].tone is Tone.WARNING


async def test_duplicate_delivery_books_once(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    manager = await chat_as("Priya Shah")
    await to_confirm_card(manager, "Sam Taylor 3/12 11:00")
    before = len(await booked(database))
    await manager.send("confirm", message_id="teams-activity-7")
    notified = manager.last.notifications
    await manager.send("confirm", message_id="teams-activity-7")
    assert manager.last.duplicate
    assert manager.last.notifications == ()
    assert len(notified) == 1
    assert len(await booked(database)) == before + 1


async def test_the_slot_taken_between_card_and_confirm_is_refused(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    first = await chat_as("Priya Shah")
    second = await chat_as("Sam Taylor", platform="slack")
    await to_confirm_card(first, "Sam Taylor 3/12 11:00")
    await second.command("book")
    await second.submit(when="3/12 11:30")
    await second.choose("confirm")
    before = len(await booked(database))
    await first.choose("confirm")
    assert errors(first.form())["when"] == (
        "You are already booked for supervision Thu 3 Dec 2026, 11:30–12:30. Choose another time."
    )
    assert len(await booked(database)) == before


async def test_an_nqsw_booking_with_their_manager_gets_the_asye_length(chat_as) -> None:  # type: ignore[no-untyped-def]
    nqsw = await chat_as("Aled Rhys")
    await nqsw.send("book supervision with my manager 3/12 15:00")
    form = nqsw.form()
    assert fields(form)["person"].value == "my manager"
    assert fields(form)["minutes"].value == "90"  # his ASYE, not his manager's 60
    card = only_card(await nqsw.submit())
    assert facts(card)["Supervisor"] == "Priya Shah"
    assert facts(card)["When"] == "Thu 3 Dec 2026, 15:00–16:30 (90 minutes)"


@pytest.mark.parametrize("kind", ["appraisal", "nonsense", ""])
async def test_a_type_the_pack_does_not_offer_is_refused(chat_as, kind: str) -> None:  # type: ignore[no-untyped-def]
    manager = await chat_as("Priya Shah")
    await manager.command("book", "Sam Taylor 3/12 15:00")
    await manager.submit(type=kind, minutes="45")
    assert set(errors(manager.form())) == {"type"}
    assert errors(manager.form())["type"] in {
        "Type of supervision: choose one of the options.",
        "Type of supervision is required.",
    }
    assert fields(manager.form())["minutes"].value == "45"
