"""Cancelling or rearranging a supervision session: what must be given, and what to warn about.

DCC 000:93: "If dates have to be changed, an early alternative date must be set. The reason for
any interruption to or cancellation of the supervision session must be recorded, e.g. sickness,
annual leave, an urgent work or personal matter." POWYS 002:45: a session "rescheduled by just a
few days ... misses the cut off point for reporting". Values only: the chat flows
(dialogs/flows/rearrange.py and book.py), a digest and a reviewer call the same rules and say
them in their own words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from policy.facts import AbsenceFacts, CaseFacts, SessionFacts, StaffFacts
from policy.frequencies import DueItem, merge_spans
from policy.obligations import due_items, periodic_rules
from policy.packs.schema import Pack
from policy.vocabulary import CancelReason, SessionStatus, SessionType

# No early alternative date can be set for someone away this long from tomorrow (a product
# choice: 000:93 names sickness and annual leave as reasons, and sets no date for their return).
AWAY_DAYS = 14


class ChangeProblem(StrEnum):
    """Why a cancellation or a move cannot be saved as it stands."""

    NO_REASON = "no_reason"  # DCC 000:93: the reason must be recorded
    REASON_NOT_SAID = "reason_not_said"  # "other" says nothing until its details are given
    NO_NEW_DATE = "no_new_date"  # DCC 000:93: an early alternative date must be set
    NO_FOLLOW_UP = "no_follow_up"  # DCC 000:176: a month left unsupervised needs its follow-up


def month_left_unsupervised(
    session_day: date, new_day: date | None, other_days: Iterable[date]
) -> bool:
    """Whether cancelling the session of `session_day` (moving it to `new_day`, if any) leaves
    its calendar month with no supervision, given the days of the supervisee's other sessions
    held or booked: then "monthly supervision ... has not been complied with" and its reason
    and follow-up action are recorded (DCC 000:176)."""
    first = session_day.replace(day=1)
    days = [*other_days, *([new_day] if new_day is not None else [])]
    return not any(day.replace(day=1) == first for day in days)


def away_throughout(
    absences: Iterable[AbsenceFacts], staff_ids: Sequence[int], first: date, last: date
) -> bool:
    """Every one of them has absence recorded on every day from `first` to `last`."""
    if not staff_ids:
        return False
    mine = list(absences)
    for staff_id in staff_ids:
        spans = merge_spans([(a.start, a.end) for a in mine if a.staff_id == staff_id])
        if not any(lo <= first and hi >= last for lo, hi in spans):
            return False
    return True


def change_problems(
    reason: CancelReason | None,
    note: str,
    new_day: date | None,
    supervisee_ids: Sequence[int],
    absences: Iterable[AbsenceFacts],
    today: date,
    follow_up: str | None = None,
) -> tuple[ChangeProblem, ...]:
    """What is missing from cancelling a session (`new_day` None) or moving it to `new_day`:
    a reason always (000:93), its details when it is "other", and a new date unless the
    supervisee is leaving or every supervisee is away for the next AWAY_DAYS days, when no
    early date can be set. `follow_up` is given (blank or not) when the change leaves a month
    without supervision and the council asks for its follow-up action (000:176): blank is a
    problem unless the supervisee is leaving (nothing follows)."""
    problems: list[ChangeProblem] = []
    if reason is None:
        problems.append(ChangeProblem.NO_REASON)
    elif reason is CancelReason.OTHER and not note.strip():
        problems.append(ChangeProblem.REASON_NOT_SAID)
    if new_day is None and reason is not CancelReason.LEAVING:
        first, last = today + timedelta(days=1), today + timedelta(days=AWAY_DAYS)
        if not away_throughout(absences, supervisee_ids, first, last):
            problems.append(ChangeProblem.NO_NEW_DATE)
    if follow_up is not None and not follow_up.strip() and reason is not CancelReason.LEAVING:
        problems.append(ChangeProblem.NO_FOLLOW_UP)
    return tuple(problems)


@dataclass(frozen=True, slots=True)
class TimingWarning:
    """A session on `day` is later than `item` is due: by `days_late`, and for a calendar-month
    rule past the month's cut-off, so it will not count for `misses_month` (POWYS 002:45)."""

    item: DueItem
    day: date
    days_late: int
    misses_month: date | None  # the first day of the month whose figures it misses


def timing_warnings(day: date, items: Iterable[tuple[DueItem, bool]]) -> tuple[TimingWarning, ...]:
    """Warnings for a session on `day` against due items, each flagged True when its period
    is a calendar month (where the month's figures are what count)."""
    found: list[TimingWarning] = []
    for item, monthly in items:
        if item.due is None or day <= item.due:
            continue
        crossed = monthly and (day.year, day.month) > (item.due.year, item.due.month)
        cut_off = item.due.replace(day=1) if crossed else None
        found.append(TimingWarning(item, day, (day - item.due).days, cut_off))
    return tuple(found)


def session_timing(
    staff: StaffFacts,
    pack: Pack,
    sessions: Iterable[SessionFacts],
    absences: Iterable[AbsenceFacts],
    cases: Sequence[CaseFacts],
    kind: SessionType,
    start: datetime,
    ignore: int | None = None,
) -> tuple[TimingWarning, ...]:
    """Would a session of `kind` for `staff` at `start` (booked, or moved there from session
    `ignore`) be later than what it meets is due? Sessions booked before it count as held: the
    question is whether this one is in time if those go ahead. Each staff-level rule it meets
    is asked, a month already missed included (due_items(close_months=False))."""
    day = start.astimezone(pack.zone).date()
    assumed = [
        replace(s, status=SessionStatus.HELD)
        if s.status is SessionStatus.BOOKED and s.start < start
        else s
        for s in sessions
        if s.id != ignore
    ]
    rules = [r for r in periodic_rules(pack) if kind in r.satisfied_by]
    monthly = {
        r.obligation: r.period == "calendar_month"
        for r in rules
        if r.roles is None or staff.role in r.roles
    }
    if pack.asye is not None and kind in pack.asye.satisfied_by:
        monthly["asye_supervision"] = False
    items = due_items(staff, pack, assumed, absences, cases, day, close_months=False)
    relevant = [(i, monthly[i.kind]) for i in items if i.kind in monthly and not i.case_reference]
    return timing_warnings(day, relevant)
