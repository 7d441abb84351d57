"""Working days per UK nation, month arithmetic and London dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policy.calendar import WorkingCalendar, add_months, local_date, months_between
from policy.vocabulary import Nation

E, W, S, N = Nation.ENGLAND, Nation.WALES, Nation.SCOTLAND, Nation.NORTHERN_IRELAND


@pytest.mark.parametrize(
    ("nation", "start", "days", "expected", "why"),
    [
        # LAM 4 (004:350): record within 2 working days of the discussion.
        (E, date(2024, 3, 6), 2, date(2024, 3, 8), "Wed + 2 = Fri"),
        (E, date(2024, 3, 8), 2, date(2024, 3, 12), "Fri + 2 skips the weekend"),
        (E, date(2024, 3, 28), 2, date(2024, 4, 3), "Good Friday and Easter Monday"),
        (E, date(2022, 12, 23), 2, date(2022, 12, 29), "Christmas on Sunday: 26 + 27 (substitute)"),
        (E, date(2021, 12, 24), 1, date(2021, 12, 29), "Christmas 2021 substitutes on 27 and 28"),
        (E, date(2022, 6, 1), 1, date(2022, 6, 6), "Platinum Jubilee: 2 and 3 June 2022"),
        (W, date(2024, 12, 31), 1, date(2025, 1, 2), "Wales: New Year's Day"),
        (S, date(2024, 12, 31), 1, date(2025, 1, 3), "Scotland: 1 and 2 January"),
        (E, date(2024, 12, 31), 1, date(2025, 1, 2), "England: only 1 January"),
        (
            S,
            date(2024, 11, 29),
            1,
            date(2024, 12, 3),
            "Scotland: St Andrew's Day substitute Mon 2 Dec",
        ),
        (N, date(2025, 3, 14), 1, date(2025, 3, 18), "Northern Ireland: St Patrick's Day"),
        (E, date(2025, 3, 14), 1, date(2025, 3, 17), "England: 17 March is a working day"),
        (E, date(2024, 3, 9), 2, date(2024, 3, 12), "from a Saturday: Monday is day 1"),
        (E, date(2024, 3, 6), 0, date(2024, 3, 6), "zero days"),
    ],
)
def test_add_working_days(nation: Nation, start: date, days: int, expected: date, why: str) -> None:
    assert WorkingCalendar(nation).add_working_days(start, days) == expected, why


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # 29 February in a leap year
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 8, 31), 6, date(2025, 2, 28)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),
    ],
)
def test_add_months_clamps_to_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_months_between() -> None:
    assert months_between(date(2024, 1, 1), date(2024, 3, 31)) == 2
    assert months_between(date(2024, 1, 1), date(2024, 4, 1)) == 3
    assert months_between(date(2024, 1, 31), date(2024, 2, 29)) == 1


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # After the clocks go forward (31 Mar 2024, BST): 23:30 UTC is 00:30 on 1 April.
        (datetime(2024, 3, 31, 23, 30, tzinfo=UTC), date(2024, 4, 1)),
        # Before they change (GMT): 23:30 UTC on 30 March is still 30 March.
        (datetime(2024, 3, 30, 23, 30, tzinfo=UTC), date(2024, 3, 30)),
        # After the clocks go back (27 Oct 2024, GMT): 23:30 UTC stays on the same day.
        (datetime(2024, 10, 31, 23, 30, tzinfo=UTC), date(2024, 10, 31)),
        (datetime(2024, 10, 26, 23, 30, tzinfo=UTC), date(2024, 10, 27)),
    ],
)
def test_local_date_follows_london_clock(moment: datetime, expected: date) -> None:
    assert local_date(moment) == expected


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        local_date(datetime(2024, 1, 1, 12))


@given(
    st.sampled_from(list(Nation)),
    st.dates(min_value=date(2019, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=1, max_value=30),
)
def test_working_day_deadlines_never_land_on_non_working_days(
    nation: Nation, start: date, days: int
) -> None:
    calendar = WorkingCalendar(nation)
    due = calendar.add_working_days(start, days)
    assert calendar.is_working_day(due)
    assert due > start
    assert calendar.working_days_between(start, due) == days
