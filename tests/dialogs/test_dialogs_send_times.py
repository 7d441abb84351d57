"""Reminders and digests on working days in working hours (issue 23 item 2): never at 08:00 on a
Saturday or a bank holiday; moved to the next working morning."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from dialogs.reminders import QuietHours, WorkingHours, plan_for_person, send_time
from policy.facts import StaffFacts
from policy.frequencies import DueItem
from policy.packs import builtin_pack
from policy.packs.schema import WorkingTime
from scheduling.digests import digest_moment
from scoring.vocabulary import StaffRole

LONDON = ZoneInfo("Europe/London")
DERBYSHIRE = builtin_pack("derbyshire")
WORKING = WorkingHours.of(DERBYSHIRE)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(date(2026, 12, 2), 10), at(date(2026, 12, 2), 10)),  # a Wednesday morning: now
        (at(date(2026, 12, 2), 6, 30), at(date(2026, 12, 2), 8)),  # before hours: at 08:00
        (at(date(2026, 12, 4), 19), at(date(2026, 12, 7), 8)),  # Friday evening: Monday
        (at(date(2026, 12, 5), 8), at(date(2026, 12, 7), 8)),  # Saturday 08:00: Monday
        (at(date(2026, 12, 24), 18, 30), at(date(2026, 12, 29), 8)),  # Christmas to Tuesday
        (at(date(2026, 12, 31), 20), at(date(2027, 1, 4), 8)),  # New Year's Day off
        (at(date(2027, 3, 25), 12), at(date(2027, 3, 25), 12)),  # Maundy Thursday: now
        (at(date(2027, 3, 26), 12), at(date(2027, 3, 30), 8)),  # Good Friday, Easter Monday
    ],
)
def test_send_time_is_in_working_hours_on_a_working_day(now: datetime, expected: datetime) -> None:
    assert send_time(now, LONDON, QuietHours(), WORKING) == expected


def test_the_packs_hours_and_the_persons_quiet_hours_both_hold() -> None:
    later = WorkingHours.of(
        DERBYSHIRE.model_copy(
            update={"working_time": WorkingTime(basis="product", start="09:30", end="16:00")}
        )
    )
    wednesday = date(2026, 12, 2)
    assert send_time(at(wednesday, 8, 45), LONDON, QuietHours(), later) == at(wednesday, 9, 30)
    assert send_time(at(wednesday, 16), LONDON, QuietHours(), later) == at(date(2026, 12, 3), 9, 30)
    # Someone whose quiet hours run to 10:00 hears nothing before ten.
    assert send_time(at(wednesday, 9, 45), LONDON, QuietHours(20, 10), later) == at(wednesday, 10)


def test_nothing_is_planned_on_a_saturday_or_a_bank_holiday() -> None:
    person = StaffFacts(1, "Łukasz Żak", StaffRole.SOCIAL_WORKER, 10, 99, date(2020, 1, 1))
    item = DueItem("one_to_one", "1:1 supervision", 1, date(2026, 12, 1), 4, "000:300")

    def planned(day: date) -> list[str]:
        return [
            p.key
            for p in plan_for_person(
                person,
                [item],
                DERBYSHIRE,
                day,
                at(day, 8),
                zone=LONDON,
                quiet=QuietHours(),
                escalate_to=None,
                absent_today=False,
                snoozed={},
            )
        ]

    assert planned(date(2026, 12, 5)) == []  # Saturday
    assert planned(date(2026, 12, 28)) == []  # Boxing Day (observed), a Monday
    assert planned(date(2026, 12, 7)) == ["rem:1:one_to_one:-:2026-12-01:overdue:2026-12-07"]


def test_the_digest_moves_off_a_bank_holiday_monday_within_its_week() -> None:
    assert digest_moment(DERBYSHIRE, at(date(2026, 12, 30), 12)) == (
        date(2026, 12, 29),
        at(date(2026, 12, 29), 9),
    )
    assert digest_moment(DERBYSHIRE, at(date(2026, 12, 2), 12))[0] == date(2026, 11, 30)
    friday = DERBYSHIRE.model_copy(
        update={"digest": DERBYSHIRE.digest.model_copy(update={"day": "friday"})}
    )
    # Good Friday: the Thursday before, not the next week's Tuesday.
    assert digest_moment(friday, at(date(2027, 3, 24), 12))[0] == date(2027, 3, 25)
