"""Bad values get a message naming the field and what to do, never a traceback (issue 19, item 11):
an absence that exists or overlaps, half an emoji or a NUL in any text, a 20-digit id, the years
1900 and 2100, impossible dates."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from dialogs.inputs import MAX_ID, clean_text, parse_id
from dialogs.messages import AskForm, Card, Choice, Command, FormSubmit, Say, Text, Tone
from dialogs.ports import ConcurrentUpdate
from policy.vocabulary import AbsenceKind
from storage.db import session_factory
from storage.models import (
    Absence,
    Case,
    CaseAllocation,
    InformalSupervision,
    ManagerDecision,
    Snooze,
    Staff,
)
from storage.repositories.notes import SqlNotes
from tests.dialogs.conftest import FakeClock, staff_id

GENERIC = "Sorry, something went wrong"
HUGE = "12345678901234567890"
VALID = {  # the rest of each form, filled in right
    "overcap": {"approver": "Priya Shah", "reason": "Vacancy", "max_end": "31/1/2027"},
    "element": {"element": "duty_day", "quantity": "2"},
    "absence": {"kind": "sickness", "start": "1/12/2026", "end": "2/12/2026"},
    "informal": {"discussed": "Workload", "when": "today 9am"},
}


def errors(form: AskForm) -> dict[str, str]:
    return {f.name: f.error for f in form.fields if f.error}


def values(form: AskForm) -> dict[str, str]:
    return {f.name: f.value for f in form.fields}


async def count(database: AsyncEngine, table: type) -> int:  # type: ignore[type-arg]
    async with session_factory(database)() as session:
        return (await session.exec(select(func.count()).select_from(table))).one()


@pytest.fixture(autouse=True)
def no_tracebacks(caplog: pytest.LogCaptureFixture):  # type: ignore[no-untyped-def]
    """Every test here also proves that nothing was logged as an error."""
    caplog.set_level(logging.ERROR)
    yield
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


# ---- Text the database cannot store ---------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("half an emoji \ud83d here", "half an emoji \ufffd here"),
        ("a pair sent as halves \ud83d\ude00", "a pair sent as halves \U0001f600"),
        ("nul\x00byte", "nulbyte"),
        ("bell\x07 and \x9b escape", "bell and  escape"),
        ("lines\r\nkept\ttabbed", "lines\nkept\ttabbed"),
        ("Cymraeg: ŵ ŷ, עברית, العربية 👩🏽‍⚕️", "Cymraeg: ŵ ŷ, עברית, العربية 👩🏽‍⚕️"),
    ],
)
def test_text_is_made_storable_and_otherwise_kept(typed: str, kept: str) -> None:
    assert clean_text(typed) == kept
    kept.encode("utf-8")  # every database and platform takes it


async def test_a_lone_surrogate_and_a_nul_in_a_form_are_stored_cleaned(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    manager = await chat_as("Priya Shah")
    await manager.command("informal", "Sam\ud800 Taylor")
    assert GENERIC not in manager.text()
    replies = await manager.submit(
        person="Sam Taylor", when="today 9am", discussed="Caseload \ud83d and\x00 leave"
    )
    replies = await manager.choose("confirm")  # informal supervision is checked on a card first
    assert isinstance(replies[0], Say), replies
    assert replies[0].tone is Tone.SUCCESS, replies
    async with session_factory(database)() as session:
        note = (await session.exec(select(InformalSupervision))).all()[-1]
    assert note.discussed == "Caseload \ufffd and leave"


@pytest.mark.parametrize(
    "payload",
    [
        Text("book Sam \ud800 Taylor tomorrow 2pm"),
        Text("decision C-1\ud800 step down because \x00"),
        Command("caseload", "\ud800"),
        Command("absence", "\x00\ud800"),
        Choice("start:snooze:\ud800:1"),
        FormSubmit("absence", {"person": "\ud800", "kind": "\x00", "start": "\udfff"}),
    ],
)
async def test_broken_text_anywhere_gets_an_answer(chat_as, payload) -> None:  # type: ignore[no-untyped-def]
    manager = await chat_as("Priya Shah")
    replies = await manager.send(payload)
    assert replies
    assert GENERIC not in manager.text()


# ---- Ids: a number no row can have is "not found" -------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("42", 42), ("#42", 42), (" 7 ", 7), (str(MAX_ID), MAX_ID)]
    + [
        (t, None)
        for t in (str(MAX_ID + 1), HUGE, "0", "-3", "4.2", "²", "١٢", "", "x1", "9" * 5000)
    ],
)
def test_ids_are_plain_numbers_in_the_database_range(typed: str, expected: int | None) -> None:
    assert parse_id(typed) == expected


@pytest.mark.parametrize(
    ("name", "argument", "answer"),
    [
        ("record", HUGE, "That is not a supervision you held"),
        ("sign", HUGE, f"There is no supervision record {HUGE}"),
        ("view", HUGE, f"There is no record {HUGE} that you can see"),
        ("pdf", HUGE, f"There is no signed record {HUGE} that you can download"),
        ("element", f"end:{HUGE}", "That element is no longer recorded"),
        ("absence", f"cancel:{HUGE}", "That absence is no longer recorded"),
        ("snooze", f"one_to_one:{HUGE}", "Use the Snooze buttons on a reminder"),
        ("caseload", HUGE, "No staff member has the number"),
        ("view", "²", "Which record? Type 'view' and its number"),
    ],
)
async def test_a_huge_id_is_not_found(chat_as, name: str, argument: str, answer: str) -> None:  # type: ignore[no-untyped-def]
    manager = await chat_as("Priya Shah")
    await manager.command(name, argument)
    assert answer in manager.text()


@pytest.mark.parametrize("flow", ["overcap", "element", "absence", "informal"])
async def test_a_huge_staff_number_names_the_field(chat_as, flow: str) -> None:  # type: ignore[no-untyped-def]
    manager = await chat_as("Priya Shah")
    await manager.command(flow, "")
    await manager.submit(**VALID[flow], person=HUGE)
    form = manager.form()
    assert errors(form)["person"] == f"No staff member has the number {HUGE}: type a name or email."
    assert values(form)["person"] == HUGE  # kept for the correction


async def test_a_chosen_session_that_cannot_exist_is_gone(chat_as) -> None:  # type: ignore[no-untyped-def]
    manager = await chat_as("Priya Shah")
    await manager.command("rearrange")
    if manager.last.flow == "rearrange":
        await manager.choose(HUGE)
        assert GENERIC not in manager.text()
    await manager.command("held")
    if manager.last.flow == "held":
        await manager.choose(HUGE)
        assert "Pick one of the sessions above" in manager.text()


# ---- Dates: impossible, or far outside what the field can mean ------------------------------


@pytest.mark.parametrize(
    ("flow", "field", "label", "typed", "message"),
    [
        ("overcap", "start", "From", "1/1/1900", "Mon 1 Jan 1900 is outside"),
        ("overcap", "max_end", "Back within the cap by", "1/1/2100", "Fri 1 Jan 2100 is outside"),
        ("element", "start", "Counts from", "1/1/1900", "Mon 1 Jan 1900 is outside"),
        ("element", "end", "Counts until", "31/12/2100", "Fri 31 Dec 2100 is outside"),
        (
            "absence",
            "start",
            "First day",
            "30/02",
            "30 February 2026 doesn't exist (February 2026 has 28 days)",
        ),
        (
            "absence",
            "end",
            "Last day",
            "31/04/2027",
            "31 April 2027 doesn't exist (April 2027 has 30 days)",
        ),
        ("absence", "end", "Last day", "0000-01-01", "there is no year 0"),
        ("informal", "when", "When", "1/1/1900 10am", "Mon 1 Jan 1900 is outside"),
    ],
)
async def test_dates_out_of_range_name_the_field_and_the_dates_allowed(
    chat_as,  # type: ignore[no-untyped-def]
    flow: str,
    field: str,
    label: str,
    typed: str,
    message: str,
) -> None:
    manager = await chat_as("Priya Shah")
    await manager.command(flow, "Sam Taylor")
    typed_values = VALID[flow]
    await manager.submit(**(typed_values | {field: typed}))
    form = manager.form()
    error = errors(form)[field]
    assert error.startswith(f"{label}: ")
    assert message in error
    if "outside" in message:
        assert "Use a date from" in error
    assert values(form)[field] == typed  # kept, with everything else typed
    assert all(values(form)[k] == v for k, v in typed_values.items() if k != field)


async def sams_case(database: AsyncEngine) -> Case:
    sam = await staff_id(database, "Sam Taylor")
    async with session_factory(database)() as session:
        return (
            await session.exec(
                select(Case)
                .join(CaseAllocation, col(CaseAllocation.case_id) == col(Case.id))
                .where(CaseAllocation.staff_id == sam, col(Case.closed).is_(None))
            )
        ).first()  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1/1/1900", "Date of the decision: Mon 1 Jan 1900 is outside the dates this can take."),
        ("31/04", "Date of the decision: 31 April 2026 doesn't exist (April 2026 has 30 days)"),
        ("1/1/2100", "Fri 1 Jan 2100 is outside"),
    ],
)
async def test_a_decision_date_is_checked_and_nothing_is_written(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
    typed: str,
    message: str,
) -> None:
    case = await sams_case(database)
    manager = await chat_as("Priya Shah")
    await manager.command("decision", f"{case.reference} step down because risks reduced")
    await manager.choose("edit")  # the card: change the date
    before = await count(database, ManagerDecision)
    await manager.submit(decided_on=typed)
    form = manager.form()
    assert message in errors(form)["decided_on"]
    assert values(form)["decision"] == "step down"
    assert await count(database, ManagerDecision) == before


async def test_a_decision_before_the_case_opened_is_refused(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    case = await sams_case(database)
    before = await count(database, ManagerDecision)
    manager = await chat_as("Priya Shah")
    await manager.command("decision", f"{case.reference} step down because risks reduced")
    await manager.choose("edit")  # the card: change the date
    day_before = date.fromordinal(case.opened.toordinal() - 1)
    await manager.submit(decided_on=day_before.strftime("%d/%m/%Y"))
    if day_before.year >= 2025:  # within the window: the case's own date is the bound
        assert f"{case.reference} was opened on" in errors(manager.form())["decided_on"]
    else:
        assert "is outside the dates" in errors(manager.form())["decided_on"]
    assert await count(database, ManagerDecision) == before


# ---- Absences: one per day ---------------------------------------------------------------------


async def test_the_same_absence_twice_is_named_and_kept_for_correction(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    manager = await chat_as("Priya Shah")
    await manager.command("absence", "Sam Taylor")
    await manager.submit(kind="annual_leave", start="1/12/2026", end="5/12/2026", note="Trip")
    before = await count(database, Absence)

    await manager.command("absence", "Sam Taylor")
    await manager.submit(kind="annual_leave", start="1/12/2026", end="5/12/2026", note="Again")
    form = manager.form()
    assert errors(form) == {
        "start": "Sam Taylor already has annual leave from Tue 1 Dec 2026 to Sat 5 Dec 2026 "
        "recorded, which overlaps these dates. Change the dates so they do not overlap it, or "
        "cancel that absence first (type 'absence cancel Sam Taylor') and record this one again."
    }
    assert values(form)["note"] == "Again"
    assert await count(database, Absence) == before


@pytest.mark.parametrize(
    ("kind", "start", "end", "overlaps"),
    [
        ("sickness", "3/12/2026", "8/12/2026", True),  # a different first day and kind
        ("annual_leave", "25/11/2026", "1/12/2026", True),  # ends on its first day
        ("other", "2/12/2026", "3/12/2026", True),  # inside it
        ("annual_leave", "6/12/2026", "9/12/2026", False),  # the day after
        ("sickness", "27/11/2026", "30/11/2026", False),  # the days before
    ],
)
async def test_overlapping_absences_are_refused_and_adjacent_ones_kept(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
    kind: str,
    start: str,
    end: str,
    overlaps: bool,
) -> None:
    manager = await chat_as("Priya Shah")
    await manager.command("absence", "Sam Taylor")
    await manager.submit(kind="annual_leave", start="1/12/2026", end="5/12/2026")
    before = await count(database, Absence)
    await manager.command("absence", "Sam Taylor")
    replies = await manager.submit(kind=kind, start=start, end=end)
    if overlaps:
        assert "already has annual leave from Tue 1 Dec 2026" in errors(manager.form())["start"]
        assert await count(database, Absence) == before
    else:
        assert replies[0].tone is Tone.SUCCESS  # type: ignore[union-attr]
        assert await count(database, Absence) == before + 1


async def test_the_absence_in_the_way_can_be_cancelled_and_the_right_one_recorded(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    sam = await chat_as("Sam Taylor")
    await sam.command("absence")
    await sam.submit(kind="annual_leave", start="1/12/2026", end="5/12/2026")
    await sam.command("absence")
    await sam.submit(kind="sickness", start="3/12/2026", end="4/12/2026")
    assert "type 'absence cancel me'" in errors(sam.form())["start"]

    [card] = await sam.send("absence cancel")
    assert isinstance(card, Card)
    assert card.sections[0].lines[-1] == "annual leave from Tue 1 Dec 2026 to Sat 5 Dec 2026"
    button = next(a.value for a in card.actions if "1 Dec 2026" in a.label)
    colleague = await chat_as("Tom Evans")
    await colleague.choose(button)
    assert "Only Sam or their managers can cancel" in colleague.text()

    [done] = await sam.choose(button)
    assert done.text == (  # type: ignore[union-attr]
        "Cancelled your annual leave from Tue 1 Dec 2026 to Sat 5 Dec 2026. Type 'absence' to "
        "record another."
    )
    await sam.choose(button)
    assert "That absence is no longer recorded" in sam.text()
    await sam.command("absence")
    replies = await sam.submit(kind="sickness", start="3/12/2026", end="4/12/2026")
    assert replies[0].tone is Tone.SUCCESS  # type: ignore[union-attr]
    async with session_factory(database)() as session:
        mine = (
            await session.exec(
                select(Absence).where(Absence.staff_id == await staff_id(database, "Sam Taylor"))
            )
        ).all()
    assert [(a.kind, a.start_date) for a in mine if a.start_date >= date(2026, 12, 1)] == [
        ("sickness", date(2026, 12, 3))
    ]


async def test_an_absence_before_the_person_started_is_refused(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    sam = await staff_id(database, "Sam Taylor")
    async with session_factory(database)() as session:
        await session.exec(
            update(Staff).where(col(Staff.id) == sam).values(start_date=date(2026, 6, 1))
        )  # type: ignore[call-overload]
        await session.commit()
    manager = await chat_as("Priya Shah")
    await manager.command("absence", "Sam Taylor")
    await manager.submit(kind="sickness", start="4/5/2026", end="6/5/2026")
    assert errors(manager.form()) == {
        "start": "First day: Sam Taylor started here on Mon 1 Jun 2026. Use that date or a "
        "later one."
    }


async def test_a_raced_absence_is_a_concurrent_update_never_an_integrity_error(
    database: AsyncEngine,
) -> None:
    sam = await staff_id(database, "Sam Taylor")
    kind = AbsenceKind.ANNUAL_LEAVE
    async with session_factory(database)() as session:
        notes = SqlNotes(session)
        await notes.absence(
            staff_id=sam, kind=kind, start=date(2027, 1, 4), end=date(2027, 1, 8), note=""
        )
        for start, end in (
            (date(2027, 1, 4), date(2027, 1, 8)),
            (date(2027, 1, 6), date(2027, 1, 12)),
        ):
            with pytest.raises(ConcurrentUpdate):
                await notes.absence(staff_id=sam, kind=kind, start=start, end=end, note="")
        found = await notes.absences_overlapping(sam, date(2027, 1, 1), date(2027, 1, 31))
        assert [(a.start, a.end) for a in found] == [(date(2027, 1, 4), date(2027, 1, 8))]


async def test_a_snooze_of_an_unknown_kind_writes_nothing(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    before = await count(database, Snooze)
    sam = await chat_as("Sam Taylor")
    await sam.choose("start:snooze:" + "k" * 500 + ":1")
    assert "Use the Snooze buttons on a reminder" in sam.text()
    assert await count(database, Snooze) == before


async def test_an_absence_typed_as_phrases_is_read_back_before_it_is_saved(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
    clock: FakeClock,
) -> None:
    """Issue 22: "a week on Friday", "end of the month" are shown as dates to confirm; plain
    dates (3/12) save on submission as before."""
    manager = await chat_as("Priya Shah")
    before = await count(database, Absence)
    await manager.command("absence", "Sam Taylor")
    replies = await manager.submit(
        kind="annual_leave", start="end of the month", end="a week on Fri"
    )
    (card,) = [r for r in replies if isinstance(r, Card)]
    assert card.sections[0].lines == (
        "First day: 'end of the month' read as Mon 30 Nov 2026",
        "Last day: 'a week on Fri' read as Fri 4 Dec 2026",
    )
    assert await count(database, Absence) == before  # nothing yet
    await manager.send("back")  # the form again, as typed
    assert values(manager.form())["start"] == "end of the month"
    await manager.submit(kind="annual_leave", start="end of the month", end="a week on Fri")
    clock.advance(days=4, hours=2)  # confirmed on Friday: "a week on Fri" would now be 11 Dec
    await manager.choose("confirm")
    assert await count(database, Absence) == before + 1
    async with session_factory(database)() as session:
        saved = (await session.exec(select(Absence).order_by(col(Absence.id).desc()))).first()
    assert saved is not None
    assert (saved.start_date, saved.end_date) == (date(2026, 11, 30), date(2026, 12, 4))
