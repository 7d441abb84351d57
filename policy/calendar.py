"""Working days and dates: UK bank holidays per nation, calendar months and London dates."""

from __future__ import annotations

import calendar as _cal
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from policy.vocabulary import Nation

LONDON = ZoneInfo("Europe/London")

# The `holidays` package models the UK as GB with one subdivision per nation; each includes
# substitute ("observed") days when a holiday falls at a weekend.
_SUBDIVISIONS = {
    Nation.ENGLAND: "ENG",
    Nation.WALES: "WLS",
    Nation.SCOTLAND: "SCT",
    Nation.NORTHERN_IRELAND: "NIR",
}


@lru_cache(maxsize=256)
def _holidays_for(nation: Nation, year: int) -> frozenset[date]:
    return frozenset(_named_holidays(nation, year))


@lru_cache(maxsize=64)
def _named_holidays(nation: Nation, year: int) -> dict[date, str]:
    days = holidays.country_holidays("GB", subdiv=_SUBDIVISIONS[nation], years=year)
    return {day: str(name) for day, name in days.items()}


class WorkingCalendar:
    """Monday to Friday, less the bank holidays of one UK nation (holiday sets cached per year)."""

    __slots__ = ("nation",)

    def __init__(self, nation: Nation) -> None:
        self.nation = nation

    def holidays_in(self, year: int) -> frozenset[date]:
        return _holidays_for(self.nation, year)

    def holiday_name(self, day: date) -> str | None:
        """The bank holiday's name ("Christmas Day", "New Year's Day (observed)"), or None."""
        return _named_holidays(self.nation, day.year).get(day)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in _holidays_for(self.nation, day.year)

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (start itself is day 0, whatever it is)."""
        if days < 0:
            raise ValueError("days must not be negative")
        current = start
        remaining = days
        while remaining:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def previous_working_day(self, day: date) -> date:
        """`day` itself if it is a working day, else the last working day before it."""
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def next_working_day(self, day: date) -> date:
        """`day` itself if it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative if end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(
            1 for n in range(1, (end - start).days + 1) if self.is_working_day(start + timedelta(n))
        )


def local_date(moment: datetime, tz: ZoneInfo = LONDON) -> date:
    """The date a person in `tz` would give an aware moment (23:30 UTC on 31 Mar 2024 is 1 Apr)."""
    if moment.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    return moment.astimezone(tz).date()


def month_end(day: date) -> date:
    return day.replace(day=_cal.monthrange(day.year, day.month)[1])


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """Same day `months` later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = _cal.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def month_index(day: date) -> int:
    """Months since year 0: consecutive calendar months have consecutive indices."""
    return day.year * 12 + day.month - 1


def month_from_index(index: int) -> date:
    """First day of the month with this index."""
    year, month = divmod(index, 12)
    return date(year, month + 1, 1)


def months_between(start: date, end: date) -> int:
    """Whole months from start to end (1 Jan to 31 Mar is 2; to 1 Apr is 3)."""
    months = month_index(end) - month_index(start)
    if add_months(start, months) > end:
        months -= 1
    return months
