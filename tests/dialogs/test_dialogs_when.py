"""UK day-first dates and times as people type them, with errors that say how to write them."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogs.when import WhenError, describe, parse_day, parse_when, read_back

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)  # a Monday


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("tomorrow 2pm", datetime(2026, 11, 24, 14, 0)),
        ("Tue 10:00", datetime(2026, 11, 24, 10, 0)),
        ("tuesday at 10am", datetime(2026, 11, 24, 10, 0)),
        ("Mon 9am", datetime(2026, 11, 30, 9, 0)),  # the coming Monday, not today
        ("3/12 09:30", datetime(2026, 12, 3, 9, 30)),  # UK: 3 December, not 12 March
        ("03/12/2026 9.30", datetime(2026, 12, 3, 9, 30)),
        ("3 Dec at 9.30am", datetime(2026, 12, 3, 9, 30)),
        ("Friday 4th December 2:15pm", datetime(2026, 12, 4, 14, 15)),
        ("2026-12-03 09:30", datetime(2026, 12, 3, 9, 30)),
        ("today 14:30", datetime(2026, 11, 23, 14, 30)),
        ("noon friday", datetime(2026, 11, 27, 12, 0)),
        ("3/1 9am", datetime(2027, 1, 3, 9, 0)),  # January has passed: next year
        ("in 2 weeks 11am", datetime(2026, 12, 7, 11, 0)),
        ("12am tomorrow", datetime(2026, 11, 24, 0, 0)),
        ("12pm tomorrow", datetime(2026, 11, 24, 12, 0)),
    ],
)
def test_forms_people_type(typed: str, expected: datetime) -> None:
    assert parse_when(typed, NOW, LONDON) == expected.replace(tzinfo=LONDON)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("31/2 10:00", "February 2026 has 28 days"),
        ("29/2/2027 10:00", "February 2027 has 28 days"),
        ("3/13 10:00", "no month 13"),
        ("tomorrow", "has no time"),
        ("25:00 tomorrow", "'25:00' is not a time"),
        ("13pm tue", "use 1-12 with am/pm"),
        ("sometime soon 10am", "could be more than one day: which date"),
        ("someday 10am", "is not a date I can read"),
        ("", "no date or time given"),
    ],
)
def test_impossible_dates_say_why(typed: str, message: str) -> None:
    with pytest.raises(WhenError, match=message):
        parse_when(typed, NOW, LONDON)


def test_leap_day_is_a_date() -> None:
    assert parse_day("29/2/2028", NOW.date()) == date(2028, 2, 29)


def test_clock_change_keeps_wall_time() -> None:
    # 29 March 2026: clocks go forward; 10:00 is BST (09:00 UTC) that day.
    moment = parse_when("29/3/2027 10:00", NOW, LONDON)
    assert moment.utcoffset() is not None
    assert moment.hour == 10
    assert describe(moment, LONDON) == "Mon 29 Mar 2027, 10:00"


@given(st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)))
def test_every_iso_and_uk_date_round_trips(day: date) -> None:
    today = NOW.date()
    assert parse_day(day.isoformat(), today) == day
    assert parse_day(f"{day.day}/{day.month}/{day.year}", today) == day
    assert parse_day(f"{day.day} {day:%b} {day.year}", today) == day


# Issue 22 and issue 21 item 11: UK phrases, each against a fixed "today".
SATURDAY = datetime(2026, 11, 28, 10, 0, tzinfo=LONDON)
NEW_YEARS_EVE = datetime(2026, 12, 31, 16, 0, tzinfo=LONDON)  # a Thursday, the year's end
CHRISTMAS_EVE_2027 = datetime(2027, 12, 24, 10, 0, tzinfo=LONDON)  # Christmas on a Saturday


@pytest.mark.parametrize(
    ("typed", "now", "expected"),
    [
        # "next Tue" said on a Monday is the Tuesday of next week, not tomorrow
        ("next Tue 10am", NOW, datetime(2026, 12, 1, 10, 0)),
        ("Tue 10am", NOW, datetime(2026, 11, 24, 10, 0)),
        ("this Tue 10am", NOW, datetime(2026, 11, 24, 10, 0)),
        ("next Tue 10am", SATURDAY, datetime(2026, 12, 1, 10, 0)),  # the same either way
        ("a week on Friday 2pm", NOW, datetime(2026, 12, 4, 14, 0)),
        ("Tuesday week 11am", NOW, datetime(2026, 12, 1, 11, 0)),
        ("a fortnight today 3pm", NOW, datetime(2026, 12, 7, 15, 0)),
        ("a week tomorrow 9am", NOW, datetime(2026, 12, 1, 9, 0)),
        ("half two tomorrow", NOW, datetime(2026, 11, 24, 14, 30)),
        ("tomorrow half past 9", NOW, datetime(2026, 11, 24, 9, 30)),
        ("quarter to four fri", NOW, datetime(2026, 11, 27, 15, 45)),
        ("quarter past eleven fri", NOW, datetime(2026, 11, 27, 11, 15)),
        ("friday 3 o'clock", NOW, datetime(2026, 11, 27, 15, 0)),
        ("first thing Monday", NOW, datetime(2026, 11, 30, 9, 0)),
        ("first thing Monday", SATURDAY, datetime(2026, 11, 30, 9, 0)),
        ("the 14th at 2", NOW, datetime(2026, 12, 14, 14, 0)),
        ("Mon 14th 10:00", NOW, datetime(2026, 12, 14, 10, 0)),
        ("the 14th at 2", NEW_YEARS_EVE, datetime(2027, 1, 14, 14, 0)),  # over the year's end
        ("next mon 10am", NEW_YEARS_EVE, datetime(2027, 1, 4, 10, 0)),
        ("a week on Friday 10am", NEW_YEARS_EVE, datetime(2027, 1, 8, 10, 0)),
        ("end of the month 11am", NOW, datetime(2026, 11, 30, 11, 0)),
        (
            "end of the month 11am",
            datetime(2027, 1, 4, 9, 0, tzinfo=LONDON),
            datetime(2027, 1, 29, 11, 0),
        ),
        ("end of the week 4pm", NOW, datetime(2026, 11, 27, 16, 0)),
    ],
)
def test_uk_phrases(typed: str, now: datetime, expected: datetime) -> None:
    assert parse_when(typed, now, LONDON) == expected.replace(tzinfo=LONDON)


@pytest.mark.parametrize(
    ("typed", "now", "message"),
    [
        # Christmas 2026 is a Friday: Boxing Day's holiday moves to Monday 28th
        (
            "after Christmas 10am",
            NOW,
            "which date.*first working day after Christmas is Tue 29 Dec 2026",
        ),
        # Christmas 2027 is a Saturday: both bank holidays move, to the 27th and 28th
        ("after xmas 10am", CHRISTMAS_EVE_2027, "Wed 29 Dec 2027"),
        ("next week 2pm", NOW, "which date.*next week starts Mon 30 Nov 2026"),
        ("Tues 14th 2pm", NOW, "the 14 is a Monday .*not a Tuesday"),
        ("30/02 10:00", NOW, "30 February 2026 doesn't exist"),
        ("31/11/2026 10:00", NOW, "31 November 2026 doesn't exist"),
    ],
)
def test_phrases_that_name_no_one_day_ask_which(typed: str, now: datetime, message: str) -> None:
    with pytest.raises(WhenError, match=message):
        parse_when(typed, now, LONDON)


def test_read_back_says_how_a_phrase_was_read_and_the_next_tuesday_choice() -> None:
    said = read_back("next Tue 10am", NOW, LONDON)
    assert said.startswith("'next Tue 10am' read as Tue 1 Dec 2026, 10:00")
    assert "the Tuesday of next week" in said
    assert "Tue 24/11" in said
    assert read_back("next Tue 10am", SATURDAY, LONDON) == (
        "'next Tue 10am' read as Tue 1 Dec 2026, 10:00"
    )
    assert read_back("half two tomorrow", NOW, LONDON) == (
        "'half two tomorrow' read as Tue 24 Nov 2026, 14:30"
    )
    assert read_back("3/12 09:30", NOW, LONDON) == ""  # plain already: nothing to say
    assert read_back("a week on Fri", NOW, LONDON, with_time=False) == (
        "'a week on Fri' read as Fri 4 Dec 2026"
    )
