"""Calendar arithmetic for time-limited points: day counts, calendar months and month-of-event."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date, timedelta

from scoring.model import Task
from scoring.scheme_model import Window

# (first day the points count, first day they no longer count; None: no end known)
Span = tuple[date, date | None]


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def first_of_next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def month_name(day: date) -> str:
    return f"{day:%B} {day.year}"


def _end(window: Window, start: date, until: date | None) -> date | None:
    ends: list[date] = []
    if window.days is not None:
        # "for the 35 days in which the assessment is taking" (000:512): day 1 is the start date
        ends.append(start + timedelta(days=window.days))
    if window.months is not None:
        ends.append(add_months(start, window.months))
    if window.month_of:
        ends.append(first_of_next_month(start))
    if until is not None:
        ends.append(until)
    return min(ends) if ends else None


def item_span(window: Window, dates: Mapping[str, date]) -> Span | None:
    """When a case's window runs; None when the date that opens it is not recorded."""
    until = dates.get(window.until) if window.until is not None else None
    if window.start is None:
        return date.min, until
    start = dates.get(window.start)
    if start is None:
        return None
    end = _end(window, start, until)
    # "in the month that a case is allocated" (001:5720): the whole calendar month counts
    return (start.replace(day=1) if window.month_of else start), end


def task_span(limit: Window | None, task: Task) -> Span:
    """A task runs from its start to its end (inclusive), cut short by the item's time limit."""
    end = task.end + timedelta(days=1) if task.end is not None else None
    if limit is None:
        return task.start, end
    start = task.start.replace(day=1) if limit.month_of else task.start
    return start, _end(limit, task.start, end)
