"""Compliance figures: staff supervised in the month (POWYS KPI) and per-child case supervision."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from policy.asye import in_asye
from policy.calendar import WorkingCalendar, month_end, month_index
from policy.case_supervision import case_items
from policy.facts import AbsenceFacts, CaseFacts, MissedReasonFacts, SessionFacts, StaffFacts
from policy.frequencies import Absences, DueItem
from policy.history import SessionIndex
from policy.packs.schema import Pack
from policy.vocabulary import SessionStatus
from scoring.vocabulary import StaffRole

GROUPS = ("qualified", "newly_qualified", "agency", "other")


def percent(part: int, whole: int) -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(part * 100) / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Figure:
    """POWYS 002:20-33: supervised / (in post - absent 2 weeks or more), per person not FTE."""

    supervised: int = 0
    in_post: int = 0
    excluded: int = 0
    # DCC 000:176: of those counted and not supervised, how many have their reason recorded.
    reason_given: int = 0

    @property
    def denominator(self) -> int:
        return max(0, self.in_post - self.excluded)

    @property
    def missed(self) -> int:
        """Counted and not supervised, with a reason recorded or not."""
        return self.denominator - self.supervised

    @property
    def missed_no_reason(self) -> int:
        return self.missed - self.reason_given

    @property
    def percent(self) -> Decimal | None:
        """For showing, rounded to 0.1; never compare it with the target (use `meets`)."""
        return percent(self.supervised, self.denominator)

    def meets(self, target: Decimal) -> bool | None:
        """Whether the exact fraction reaches the target percentage (POWYS 002:24, 90%): 1,799
        of 2,000 is shown as 90.0% but is 89.95%, short of 90%. None when no one is due."""
        if self.denominator <= 0:
            return None
        return Decimal(self.supervised * 100) >= target * self.denominator


@dataclass(slots=True)
class _Tally:
    supervised: int = 0
    in_post: int = 0
    excluded: int = 0
    reason_given: int = 0

    def add(self, excluded: bool, supervised: bool, reasoned: bool = False) -> None:
        self.in_post += 1
        self.excluded += excluded
        # POWYS 002:33: excluded staff are "not included in these reports" - either side.
        self.supervised += supervised and not excluded
        # DCC 000:176: a missed month with its reason recorded.
        self.reason_given += reasoned and not (supervised or excluded)

    def freeze(self) -> Figure:
        return Figure(self.supervised, self.in_post, self.excluded, self.reason_given)


@dataclass(frozen=True, slots=True)
class ComplianceReport:
    period: str  # "2024-03"
    target: Decimal
    organisation: Figure
    by_team: Mapping[int, Figure] = field(default_factory=dict)
    by_service: Mapping[int, Figure] = field(default_factory=dict)
    by_group: Mapping[str, Figure] = field(default_factory=dict)
    not_supervised: tuple[int, ...] = ()
    excluded: tuple[int, ...] = ()
    # Each team's staff groups (POWYS 002:29), for the weekly digest: (team id, group) -> figure.
    by_team_group: Mapping[tuple[int, str], Figure] = field(default_factory=dict)
    # Of `not_supervised`, those whose missed month has its reason recorded (DCC 000:176).
    reason_given: tuple[int, ...] = ()

    def meets_target(self, figure: Figure | None = None) -> bool | None:
        return (figure or self.organisation).meets(self.target)


def staff_group(staff: StaffFacts, pack: Pack, on: date) -> str:
    """POWYS 002:13,29: qualified, newly qualified and agency social workers (agency first)."""
    if staff.agency:
        return "agency"
    if staff.role is StaffRole.NQSW or in_asye(staff, pack.asye, on):
        return "newly_qualified"
    return "qualified" if staff.role.is_qualified_social_worker else "other"


def supervised_in_month(
    sessions: Iterable[SessionFacts] | SessionIndex, pack: Pack, year: int, month: int
) -> set[int]:
    """Who had a counting session held on a London date in the month (POWYS 002:45 cut-off)."""
    types = set(pack.compliance.session_types)
    lo = date(year, month, 1)
    hi = month_end(lo)
    if isinstance(sessions, SessionIndex):
        return sessions.supervised_in_month(month_index(lo), types)
    zone = pack.zone
    found: set[int] = set()
    for session in sessions:
        if (
            session.status is SessionStatus.HELD
            and session.type in types
            and lo <= session.start.astimezone(zone).date() <= hi
        ):
            found.update(session.supervisee_ids)
    return found


def monthly_compliance(
    staff: Iterable[StaffFacts],
    sessions: Iterable[SessionFacts] | SessionIndex,
    absences: Iterable[AbsenceFacts],
    pack: Pack,
    year: int,
    month: int,
    reasons: Iterable[MissedReasonFacts] = (),
) -> ComplianceReport:
    """The pack's monthly KPI for the organisation, each team, each service and each staff group.
    `reasons`: recorded reasons for months without supervision; a person not supervised in the
    month whose month has one counts as "missed, reason given" (DCC 000:176)."""
    lo = date(year, month, 1)
    hi = month_end(lo)
    supervised = supervised_in_month(sessions, pack, year, month)
    by_staff: dict[int, list[AbsenceFacts]] = defaultdict(list)
    for absence in absences:
        if absence.start <= hi and absence.end >= lo:
            by_staff[absence.staff_id].append(absence)
    exclusion = pack.compliance.absence_exclusion
    threshold = exclusion.days if exclusion else None
    roles = set(pack.compliance.roles)
    org = _Tally()
    teams: dict[int, _Tally] = defaultdict(_Tally)
    services: dict[int, _Tally] = defaultdict(_Tally)
    groups = {name: _Tally() for name in GROUPS}
    team_groups: dict[tuple[int, str], _Tally] = defaultdict(_Tally)
    missing: list[int] = []
    excluded_ids: list[int] = []
    explained = {r.staff_id for r in reasons if r.month.replace(day=1) == lo}
    reasoned_ids: list[int] = []
    index = month_index(lo)
    for person in staff:
        if person.role not in roles or person.start_date > hi:
            continue
        if person.leaving_date is not None and person.leaving_date < lo:
            continue
        if person.known_from is not None and hi < person.known_from:
            continue  # a month before go-live is unknown, not a 0% (issue 23 item 1)
        mine = by_staff.get(person.id)
        whole_month = person.start_date <= lo and (
            person.leaving_date is None or person.leaving_date >= hi
        )
        excluded = (not whole_month or bool(mine)) and Absences(
            person, mine or (), threshold
        ).excluded_month(index)
        done = person.id in supervised
        reasoned = person.id in explained
        group = staff_group(person, pack, hi)
        for tally in (
            org,
            teams[person.team_id],
            groups[group],
            team_groups[person.team_id, group],
        ):
            tally.add(excluded, done, reasoned)
        if person.service_id is not None:
            services[person.service_id].add(excluded, done, reasoned)
        if excluded:
            excluded_ids.append(person.id)
        elif not done:
            missing.append(person.id)
            if reasoned:
                reasoned_ids.append(person.id)
    return ComplianceReport(
        f"{year:04d}-{month:02d}",
        pack.compliance.target.percent,
        org.freeze(),
        {k: v.freeze() for k, v in teams.items()},
        {k: v.freeze() for k, v in services.items()},
        {k: v.freeze() for k, v in groups.items()},
        tuple(missing),
        tuple(excluded_ids),
        {k: v.freeze() for k, v in team_groups.items()},
        tuple(reasoned_ids),
    )


@dataclass(frozen=True, slots=True)
class CaseCompliance:
    """Open cases whose case supervision is not overdue on a date (LAM 004:352 tracking)."""

    open_cases: int
    in_time: int
    overdue: tuple[DueItem, ...]

    @property
    def percent(self) -> Decimal | None:
        return percent(self.in_time, self.open_cases)


def case_compliance(
    cases: Iterable[CaseFacts],
    staff: Mapping[int, StaffFacts],
    pack: Pack,
    history: SessionIndex,
    on: date,
) -> CaseCompliance:
    rules = pack.case_supervision
    if rules is None:
        return CaseCompliance(0, 0, ())
    calendar = WorkingCalendar(pack.nation)
    by_worker: dict[int, list[CaseFacts]] = defaultdict(list)
    for case in cases:
        if case.open_on(on) and case.worker_id in staff:
            by_worker[case.worker_id].append(case)
    items: list[DueItem] = []
    for worker_id, mine in by_worker.items():
        worker = staff[worker_id]
        items += case_items(
            worker,
            rules,
            mine,
            history,
            on,
            in_asye(worker, pack.asye, on),
            pack.supervision.due_date_adjustment,
            calendar,
        )
    overdue = tuple(i for i in items if i.overdue_days > 0)
    return CaseCompliance(len(items), len(items) - len(overdue), overdue)
