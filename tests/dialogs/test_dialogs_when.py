"""UK day-first dates and times as people type them, with errors that say how to write them."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogs.when import WhenError, describe, parse_day, parse_when

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
        ("sometime soon 10am", "is not a date I can read"),
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
