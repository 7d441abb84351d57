"""Recurring obligations: the next due date for a rule from the last session that met it."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from policy.calendar import (
    WorkingCalendar,
    add_months,
    month_end,
    month_from_index,
    month_index,
)
from policy.facts import AbsenceFacts, StaffFacts
from policy.packs.rules import PeriodKind
from policy.packs.schema import DueDateAdjustment

_MAX_SKIPPED_MONTHS = 240


@dataclass(frozen=True, slots=True)
class DueItem:
    """Something a person owes under the pack, when it is due and how late it is on a date."""

    kind: str
    description: str
    staff_id: int
    due: date | None  # None: "as soon as possible", no fixed date (DCC 000:103)
    overdue_days: int
    source: str | None
    case_reference: str | None = None
    session_id: int | None = None
    record_kind: str | None = None  # which of a session's records, where a pack has several


def overdue_days(due: date | None, on: date) -> int:
    return max(0, (on - due).days) if due is not None else 0


def merge_spans(spans: Sequence[tuple[date, date]]) -> tuple[tuple[date, date], ...]:
    """Sorted, non-overlapping inclusive spans (overlapping or touching ones joined)."""
    merged: list[tuple[date, date]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def days_within(spans: Sequence[tuple[date, date]], lo: date, hi: date) -> int:
    """Days of the merged spans falling in [lo, hi]."""
    return sum(
        (min(end, hi) - max(start, lo)).days + 1
        for start, end in spans
        if start <= hi and end >= lo
    )


class Absences:
    """One person's absences and time out of post, for suspending and excluding (POWYS 002:33)."""

    __slots__ = ("spans", "staff", "suspending", "threshold")

    def __init__(
        self, staff: StaffFacts, absences: Sequence[AbsenceFacts], threshold: int | None
    ) -> None:
        self.staff = staff
        self.threshold = threshold
        self.spans = merge_spans([(a.start, a.end) for a in absences])
        # POWYS 002:33: absences of less than 2 weeks do not suspend what is due.
        self.suspending = tuple(
            s for s in self.spans if threshold is not None and (s[1] - s[0]).days + 1 >= threshold
        )

    def excluded_month(self, index: int) -> bool:
        """Absent, or not yet or no longer in post, for `threshold` days or more of the month."""
        if self.threshold is None:
            return False
        lo = month_from_index(index)
        hi = month_end(lo)
        spans = list(self.spans)
        if self.staff.start_date > lo:
            spans.append((lo, self.staff.start_date - timedelta(days=1)))
        leaving = self.staff.leaving_date
        if leaving is not None and leaving < hi:
            spans.append((leaving + timedelta(days=1), hi))
        return days_within(merge_spans(spans), lo, hi) >= self.threshold

    def extend(self, anchor: date, due: date) -> date:
        """Push `due` back by the suspended days after `anchor`, until the count is stable."""
        if not self.suspending:
            return due
        extended = due
        while True:
            suspended = days_within(self.suspending, anchor + timedelta(days=1), extended)
            candidate = due + timedelta(days=suspended)
            if candidate == extended:
                return extended
            extended = candidate


def adjust(due: date, rule: DueDateAdjustment, calendar: WorkingCalendar) -> date:
    if rule.value == "previous_working_day":
        return calendar.previous_working_day(due)
    if rule.value == "next_working_day":
        return calendar.next_working_day(due)
    return due


def next_due(
    period: PeriodKind,
    interval: int,
    anchor: date,
    held: bool,
    absences: Absences,
    on: date | None = None,
) -> date:
    """Due date after `anchor` (a held session's date, or the start date when none was held).
    With `on`, a calendar month that ended before `on`'s month with nothing held has closed:
    it is missed (missed_months) and the due date is the next month's that is still open."""
    match period:
        case "weeks":
            return absences.extend(anchor, anchor + timedelta(weeks=interval))
        case "months":
            return absences.extend(anchor, add_months(anchor, interval))
        case "quarter":
            quarter = month_index(anchor) // 3 + interval - (0 if held else 1)
            return month_end(month_from_index(quarter * 3 + 2))
        case "calendar_month":
            index = _first_month_due(interval, anchor, held, absences)
            if on is not None and index < month_index(on):
                # DCC 000:174-176: each month's supervision is in that month, and a month
                # without it is a miss to explain, not a debt carried on; POWYS 002:45: a
                # session a few days late misses the month's cut-off. So the month closes.
                behind = month_index(on) - index
                index = _open_month(index + -(-behind // interval) * interval, absences)
            return month_end(month_from_index(index))
    raise ValueError(f"unknown period {period!r}")


def missed_months(
    period: PeriodKind, interval: int, anchor: date, held: bool, absences: Absences, on: date
) -> tuple[date, ...]:
    """The calendar months (their first days) that were due after `anchor` and closed before
    `on`'s month with nothing held (DCC 000:174-176, missed: the reason is to be recorded);
    months not due (POWYS 002:33 absence) are not missed. Empty for other periods."""
    if period != "calendar_month":
        return ()
    index = _first_month_due(interval, anchor, held, absences)
    found: list[date] = []
    while index < month_index(on):
        found.append(month_from_index(index))
        index = _open_month(index + interval, absences)
    return tuple(found)


def _first_month_due(interval: int, anchor: date, held: bool, absences: Absences) -> int:
    return _open_month(month_index(anchor) + interval - (0 if held else 1), absences)


def _open_month(index: int, absences: Absences) -> int:
    """`index`, or the first month after it that is due at all."""
    for _ in range(_MAX_SKIPPED_MONTHS):
        if not absences.excluded_month(index):
            break
        index += 1  # POWYS 002:33: supervision is not due in a month of 2+ weeks' absence
    return index


def last_on_or_before(days: Sequence[date], on: date) -> date | None:
    """Latest of the sorted `days` not after `on`."""
    position = bisect_right(days, on)
    return days[position - 1] if position else None
