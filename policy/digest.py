"""A team's weekly digest as a value: figures, who is overdue, records, caps and the trend."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from policy.asye import short_asye_sessions
from policy.calendar import WorkingCalendar, month_from_index, month_index
from policy.caps import CapBreach, RatioBreach, cap_breaches, ratio_breaches
from policy.compliance import (
    GROUPS,
    CaseCompliance,
    ComplianceReport,
    Figure,
    case_compliance,
    monthly_compliance,
)
from policy.facts import (
    AbsenceFacts,
    CaseFacts,
    CaseloadPeriod,
    MissedReasonFacts,
    OverCapApproval,
    SessionFacts,
    StaffFacts,
)
from policy.frequencies import DueItem
from policy.grouping import ByPerson
from policy.history import SessionIndex
from policy.obligations import due_items
from policy.packs.schema import Pack
from policy.recording import RecordStatus, record_statuses

RECORD_LOOKBACK = timedelta(weeks=12)
WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class PersonItem:
    """A due item with the person's name, for listing."""

    name: str
    item: DueItem


@dataclass(frozen=True, slots=True)
class TrendPoint:
    label: str  # "2024-03"; the current month "Mar so far"
    percent: Decimal | None  # None: no figure (no one due, or before the team's first session)
    so_far: date | None = None  # the current month (its label in another language: issue 28)


def trend_points(
    this_month: int,
    periods: int,
    percent_of: Callable[[int], Decimal | None],
    data_from: date | None,
) -> tuple[TrendPoint, ...]:
    """The last `periods` whole months and the current one, oldest first. A month before the
    first held session the team has is no figure, not 0%: there was nothing to count yet, and a
    new council would otherwise see a year of false failures. The current month is marked
    "so far" (issue 21 item 8)."""
    first = month_index(data_from) if data_from is not None else this_month + 1
    points = []
    for index in range(this_month - periods, this_month + 1):
        month = month_from_index(index)
        label = f"{month:%b} so far" if index == this_month else f"{month:%Y-%m}"
        current = month if index == this_month else None
        points.append(TrendPoint(label, percent_of(index) if index >= first else None, current))
    return tuple(points)


@dataclass(frozen=True, slots=True)
class ShortSession:
    """An ASYE supervision session shorter than the pack expects (LAM 004:317), held last week."""

    staff_id: int
    name: str
    day: date
    minutes: int


@dataclass(frozen=True, slots=True)
class GroupFigures:
    """A staff group's compliance in the team (POWYS 002:13,29: qualified, newly qualified and
    agency social workers), named in the pack's words."""

    group: str  # policy.compliance.GROUPS
    label: str
    month_to_date: Figure
    last_month: Figure


def group_figures(
    pack: Pack, team_id: int, this_month: ComplianceReport, last_month: ComplianceReport
) -> tuple[GroupFigures, ...]:
    """The team's figures per staff group (as the monthly summary gives the service's), in
    GROUPS order, for the groups someone in the team was counted in this month or last."""
    found = []
    for group in GROUPS:
        label = pack.compliance.staff_groups.label(group)
        now = this_month.by_team_group.get((team_id, group), Figure())
        before = last_month.by_team_group.get((team_id, group), Figure())
        if label is not None and (now.in_post or before.in_post):
            found.append(GroupFigures(group, label, now, before))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class TeamDigest:
    team_id: int
    week_start: date
    week_end: date
    target: Decimal
    month_to_date: Figure
    last_month: Figure
    case_supervision: CaseCompliance
    overdue: tuple[PersonItem, ...]  # most overdue first
    late_records: tuple[RecordStatus, ...]
    due_next_week: tuple[PersonItem, ...]  # falling due in week_start .. week_end
    cap_breaches: tuple[CapBreach, ...]
    ratio_breaches: tuple[RatioBreach, ...]
    trend: tuple[TrendPoint, ...]  # oldest first
    short_asye: tuple[ShortSession, ...] = ()  # held in the 7 days before week_start
    by_group: tuple[GroupFigures, ...] = ()  # qualified / newly qualified / agency (002:29)
    # Staff ids, in order, counted in last month's figure as not supervised: the month closed
    # and is missed (DCC 000:174-176: its reason and follow-up are to be recorded).
    missed_last_month: tuple[int, ...] = ()
    # Of those, whose missed month has its reason recorded (DCC 000:176).
    missed_reason_given: tuple[int, ...] = ()
    # Issue 27: the team's people with actions from signed records past their due date and not
    # closed, and how many each (staff id, count); counts only, never what the actions say.
    actions_overdue: tuple[tuple[int, int], ...] = ()
    # Issue 23 item 5: how many of the team's people the bot cannot reach (no chat: the app not
    # installed for them) and how many messages are held for them; counts only, no names.
    unreachable: int = 0
    held: int = 0


def short_asye_last_week(
    people: Iterable[StaffFacts], pack: Pack, history: SessionIndex, on: date
) -> tuple[ShortSession, ...]:
    """LAM 004:317: a shorter ASYE session counts, and the digest flags it once: the week after
    (sessions held in the seven days before `on`), by day then name."""
    short: list[ShortSession] = []
    if pack.asye is None:
        return ()
    for person in people:
        week = [h for h in history.by_supervisee.get(person.id, ()) if on - WEEK <= h.day < on]
        found = set(short_asye_sessions(person, pack.asye, week))
        short += [
            ShortSession(person.id, person.name, h.day, h.session.minutes)
            for h in week
            if h.session.id in found
        ]
    return tuple(sorted(short, key=lambda s: (s.day, s.name)))


def team_digest(
    team_id: int,
    pack: Pack,
    staff: Sequence[StaffFacts],
    sessions: Iterable[SessionFacts] | SessionIndex,
    absences: Sequence[AbsenceFacts],
    cases: Sequence[CaseFacts],
    caseload_counts: Iterable[tuple[int, int]],
    approvals: Iterable[OverCapApproval],
    week_start: date,
    caseload_history: Iterable[CaseloadPeriod] = (),
    grouped: ByPerson | None = None,
    reasons: Sequence[MissedReasonFacts] = (),
) -> TeamDigest:
    """Everything the weekly digest shows for one team, as of the morning of `week_start`.
    `caseload_history` (its members' allocations, at least of those over a cap) dates each
    cap breach and its escalation (policy.caps.cap_breaches, WSX/LUT 001:92).
    Digests for many teams of one organisation pass the same `grouped` (ByPerson.of once).
    `reasons`: recorded reasons for months without supervision (DCC 000:176)."""
    on = week_start
    week_end = week_start + timedelta(days=6)
    history = sessions if isinstance(sessions, SessionIndex) else SessionIndex(sessions, pack.zone)
    calendar = WorkingCalendar(pack.nation)
    grouped = grouped or ByPerson.of(staff, cases, absences)
    members = list(grouped.team(team_id))
    team = [s for s in members if s.in_post(on)]
    team_ids = {s.id for s in team}
    by_id = {s.id: s for s in team}
    team_absences = [a for s in members for a in grouped.absences_of(s.id)]
    team_cases = [c for s in team for c in grouped.cases_of(s.id)]

    overdue: list[PersonItem] = []
    upcoming: list[PersonItem] = []
    for person in team:
        mine = grouped.cases_of(person.id)
        away = grouped.absences_of(person.id)
        for item in due_items(person, pack, history, away, mine, on, calendar):
            if item.overdue_days > 0:
                overdue.append(PersonItem(person.name, item))
            elif item.due is not None and on <= item.due <= week_end:
                upcoming.append(PersonItem(person.name, item))
    overdue.sort(key=lambda p: (-p.item.overdue_days, p.name))
    upcoming.sort(key=lambda p: (p.item.due or date.max, p.name))

    seen: set[int] = set()
    late: list[RecordStatus] = []
    for person_id in sorted(team_ids):
        for held in history.by_supervisor.get(person_id, ()):
            if held.session.id in seen or held.day < on - RECORD_LOOKBACK:
                continue
            seen.add(held.session.id)
            # Each record of the session apart (LAM 004:350,356).
            for status in record_statuses(held.session, pack, calendar, on):
                if status.late or _unsigned_past_due(status, on):
                    late.append(status)

    short = short_asye_last_week(team, pack, history, on)

    this_month = month_index(on)

    @cache
    def report(index: int) -> ComplianceReport:
        first = month_from_index(index)
        return monthly_compliance(
            members, history, team_absences, pack, first.year, first.month, reasons
        )

    def figure(index: int) -> Figure:
        return report(index).by_team.get(team_id, Figure())

    firsts = [history.by_supervisee.get(s.id) for s in members]
    started = min((held[0].day for held in firsts if held), default=None)
    trend = trend_points(
        this_month,
        pack.digest.trend_periods,
        lambda i: figure(i).percent,
        started,
    )
    team_counts = [(sid, n) for sid, n in caseload_counts if sid in team_ids]
    return TeamDigest(
        team_id,
        week_start,
        week_end,
        pack.compliance.target.percent,
        figure(this_month),
        figure(this_month - 1),
        case_compliance(team_cases, by_id, pack, history, on),
        tuple(overdue),
        tuple(late),
        tuple(upcoming),
        tuple(cap_breaches(team_counts, by_id, approvals, pack, on, caseload_history)),
        tuple(r for r in ratio_breaches(staff, pack, on) if r.supervisor_id in team_ids),
        trend,
        tuple(short),
        group_figures(pack, team_id, report(this_month), report(this_month - 1)),
        tuple(sorted(report(this_month - 1).not_supervised)),
        tuple(sorted(report(this_month - 1).reason_given)),
    )


def _unsigned_past_due(status: RecordStatus, on: date) -> bool:
    return bool(status.unsigned_by) and status.due is not None and on > status.due
