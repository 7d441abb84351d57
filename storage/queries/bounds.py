"""Date bounds computed in Python and bound into SQL, so both dialects compare plain values.

The policy reads London calendar dates; sessions are stored as UTC instants. Rather than date
functions that differ between SQLite and PostgreSQL, each London day becomes the UTC instant it
starts at, and "held on a London date in [lo, hi]" becomes "starts in [day_start(lo),
day_start(hi + 1))". Rules whose date arithmetic needs the calendar (months, working days) are
turned into thresholds here: a monotone rule "f(x) < on" is "x < the least x with f(x) >= on".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from policy.calendar import WorkingCalendar, add_months, month_end, month_from_index, month_index
from policy.frequencies import adjust
from policy.packs.schema import DueDateAdjustment, Pack


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant the local `day` starts at (a skipped local midnight gives the first
    instant that exists, as zoneinfo resolves it)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def least_at_least(f: Callable[[date], date], on: date, start: date | None = None) -> date:
    """The least day x with f(x) >= on, for f non-decreasing and unbounded both ways (searched
    from `start`, or a month before `on`, stepping back a month while f is still >= on)."""
    day = start or on - timedelta(days=31)
    while f(day) >= on:
        day -= timedelta(days=31)
    while f(day) < on:
        day += timedelta(days=1)
    return day


def asye_from(hi: date, duration_months: int) -> date:
    """The earliest ASYE start still in the ASYE on `hi` (policy.asye.in_asye: `hi` before
    add_months(start, duration)); add_months is non-decreasing, so the rest is a range."""
    start = add_months(hi, -duration_months) - timedelta(days=7)
    return least_at_least(lambda s: add_months(s, duration_months), hi + timedelta(days=1), start)


def first_not_overdue(on: date, rule: DueDateAdjustment, calendar: WorkingCalendar) -> date:
    """The least due date that is not overdue on `on` once adjusted to a working day:
    adjust() is non-decreasing, so a due date is overdue exactly when it is before this."""
    return least_at_least(lambda d: adjust(d, rule, calendar), on)


def month_firsts(first: date, last: date) -> tuple[date, ...]:
    """First days of the months from `first`'s to `last`'s, inclusive, oldest first."""
    return tuple(month_from_index(i) for i in range(month_index(first), month_index(last) + 1))


def digest_months(pack: Pack, on: date) -> tuple[date, ...]:
    """The months a weekly digest on `on` shows: the trend periods, last month and this month
    (policy.digest.team_digest)."""
    this = month_index(on)
    return tuple(month_from_index(i) for i in range(this - pack.digest.trend_periods, this + 1))


def month_bounds(first: date, zone: ZoneInfo) -> tuple[date, date, datetime, datetime]:
    """A month's first and last London dates and the UTC instants that bound its sessions."""
    last = month_end(first)
    return first, last, day_start(first, zone), day_start(last + timedelta(days=1), zone)
