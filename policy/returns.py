"""Workload returns owed on a day of the month (issue 25 item 2), as values.

NOTTS 001:1285,1487: the team manager's quarterly team pro-forma, checked by the Children's
Service Manager and sent to SWPSS "by 28th of March, June, September and December". WARR 001:5809:
"the previous month's performance for each worker and their total team performance" to the
Service Manager and the Assistant Director by the 15th of each month. The pack says when, what it
covers and who receives it (`returns`); these functions say on which day it is produced, the CSV
(one row per worker) and the counts only a channel may show.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from policy.calendar import WorkingCalendar, add_months
from policy.packs.schema import WorkloadReturn


@dataclass(frozen=True, slots=True)
class ReturnPeriod:
    """One return owed: what it covers, when it is due and when it is produced."""

    return_id: str
    label: str  # "January to March 2027", "February 2027"
    start: date
    end: date
    due: date  # the working day it must be in by
    send: date  # the working day it is produced


def due_date(rule: WorkloadReturn, calendar: WorkingCalendar, year: int, month: int) -> date:
    """The due day in a month; "by the 28th" on a weekend or bank holiday is the working day
    before it."""
    day = date(year, month, rule.due_day)
    return day if calendar.is_working_day(day) else calendar.previous_working_day(day)


def send_date(rule: WorkloadReturn, calendar: WorkingCalendar, due: date) -> date:
    """`send_working_days_before` working days before the due day."""
    day = due
    for _ in range(rule.send_working_days_before):
        day = calendar.previous_working_day(day - timedelta(days=1))
    return day


def period_of(rule: WorkloadReturn, year: int, month: int) -> tuple[date, date, str]:
    """What the return due in (year, month) covers: the quarter ending that month (NOTTS
    001:1487), or the month before (WARR 001:5809 "the previous month's")."""
    if rule.covers == "quarter":
        start = add_months(date(year, month, 1), -2)
        end = add_months(date(year, month, 1), 1).replace(day=1)
        label = f"{start:%B} to {date(year, month, 1):%B %Y}"
    else:
        start = add_months(date(year, month, 1), -1)
        end = date(year, month, 1)
        label = f"{start:%B %Y}"
    return start, end.fromordinal(end.toordinal() - 1), label


def current_return(
    rule: WorkloadReturn, calendar: WorkingCalendar, on: date
) -> ReturnPeriod | None:
    """The return to produce on `on`: one whose production day has come and whose due day has
    not passed (so a tick on any day of that window produces it once, by its key)."""
    for offset in (0, 1):
        first = add_months(on.replace(day=1), offset)
        if first.month not in rule.months:
            continue
        due = due_date(rule, calendar, first.year, first.month)
        send = send_date(rule, calendar, due)
        if send <= on <= due:
            start, end, label = period_of(rule, first.year, first.month)
            return ReturnPeriod(rule.id, label, start, end, due, send)
    return None


@dataclass(frozen=True, slots=True)
class ReturnRow:
    """One worker in a return: names of staff and teams, counts and points; never a child."""

    team: str
    worker: str
    role: str
    fte: Decimal
    children: int
    cases: int
    points: Decimal | None = None
    band: str | None = None


HEADER = ("Team", "Worker", "Position held", "FTE", "Children", "Cases", "Points", "Band")


def return_csv(rows: Sequence[ReturnRow]) -> bytes:
    """The return as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read it): the
    NOTTS team pro-forma's columns (001:370-398: position, WTE, total points, children, cases)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in sorted(rows, key=lambda r: (r.team, r.worker)):
        writer.writerow(
            (
                row.team,
                row.worker,
                row.role,
                f"{row.fte.normalize():f}",
                row.children,
                row.cases,
                "" if row.points is None else f"{row.points.normalize():f}",
                row.band or "",
            )
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@dataclass(frozen=True, slots=True)
class TeamCounts:
    """What a channel may show of a team's return: counts only, no one named."""

    team: str
    workers: int
    children: int
    cases: int
    bands: tuple[tuple[str, int], ...]


def return_counts(rows: Sequence[ReturnRow]) -> tuple[TeamCounts, ...]:
    by_team: dict[str, list[ReturnRow]] = {}
    for row in rows:
        by_team.setdefault(row.team, []).append(row)
    found = []
    for team in sorted(by_team):
        members = by_team[team]
        bands = Counter(row.band for row in members if row.band)
        found.append(
            TeamCounts(
                team,
                len(members),
                sum(row.children for row in members),
                sum(row.cases for row in members),
                tuple(sorted(bands.items())),
            )
        )
    return tuple(found)
