"""Caseload caps per role, over-cap approvals and escalation, and supervisor ratios."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, Protocol

from policy.calendar import add_months, months_between
from policy.citations import cite
from policy.facts import CaseloadPeriod, OverCapApproval, StaffFacts
from policy.packs.schema import CapRule, Pack
from scoring.caps import role_limit, team_caseload
from scoring.vocabulary import StaffRole


@dataclass(frozen=True, slots=True)
class CapBreach:
    staff_id: int
    count: int
    cap: int
    kind: Literal["hard", "benchmark"]
    source: str | None
    approval: OverCapApproval | None
    approval_status: Literal["none", "active", "expired"]
    over_since: date | None
    months_over: int | None
    escalate_to: str | None  # who, in the pack's words, once over for too long (001:92)


Kind = Literal["hard", "benchmark"]


def practice_start(asye_start: date | None, start_date: date | None) -> date | None:
    """Where years of practice count from (experience_cap): the ASYE where it is recorded (a
    newly qualified social worker's first year), else the day they started in post (the only
    other date the council holds: someone qualified before joining has had more practice)."""
    return asye_start or start_date


def experience_cap(
    rule: CapRule, start: date | None, on: date
) -> tuple[int, str | None, str | None]:
    """A cap by years of practice (RBWM 001:5062-5070): the last step whose `after_years` the
    practice from `start` to `on` is longer than, with its words and source. No steps, or no
    start known: the rule's own `max`."""
    if not rule.experience or start is None:
        return rule.max, rule.note, rule.source
    chosen = rule.experience[0]
    for step in rule.experience[1:]:
        if on > add_months(start, 12 * step.after_years):
            chosen = step
    return chosen.max, chosen.label, chosen.source or rule.source


def effective_cap(
    staff: StaffFacts, pack: Pack, team: Decimal | None = None, on: date | None = None
) -> tuple[int, Kind, str | None] | None:
    """The person's cap: their role's in the pack's count caps, or the role's share of the
    team's caseload `team` where lower (CAP003 003:36, students: half the team's social workers);
    on `on`, by their years of practice where the pack's cap has steps (RBWM 001:5062-5070)."""
    policy = pack.count_caps()
    role_cap = policy.roles.get(staff.role) if policy is not None else None
    cap = role_limit(role_cap, team) if role_cap is not None else None
    if role_cap is None or cap is None:
        return None
    own = pack.cap_for(staff.role)
    if own is not None and own.experience and on is not None:
        start = practice_start(staff.asye_start, staff.start_date)
        cap, _, source = experience_cap(own, start, on)
        if pack.caseload.prorate_caps_by_fte:
            cap = int(cap * staff.fte)
        return cap, role_cap.kind, source
    if pack.caseload.prorate_caps_by_fte:
        cap = int(cap * staff.fte)
    return cap, role_cap.kind, role_cap.source or None


def team_caseloads(
    counts: Iterable[tuple[int, int]], staff: Mapping[int, StaffFacts], pack: Pack
) -> dict[int, Decimal]:
    """Each team's caseload (scoring.caps.team_caseload) from these counts, for the packs whose
    caps take a share of it (CAP003 003:36 students, 003:54 the NQSW ramp)."""
    policy = pack.count_caps()
    if policy is None or not policy.needs_team_caseload:
        return {}
    by_team: dict[int, list[tuple[StaffRole, int]]] = {}
    for staff_id, count in counts:
        person = staff.get(staff_id)
        if person is not None:
            by_team.setdefault(person.team_id, []).append((person.role, count))
    found = {team: team_caseload(policy, pairs) for team, pairs in by_team.items()}
    return {team: value for team, value in found.items() if value is not None}


@dataclass(frozen=True, slots=True)
class TeamOverAverage:
    """A team whose average caseload is above the level its council set (WSX/LUT 001:93)."""

    team_id: int
    workers: int
    children: int
    average: Decimal  # to one decimal place
    level: Decimal


class TeamMember(Protocol):
    """What the team average reads of a person (StaffFacts has it; so does a two-column row)."""

    @property
    def team_id(self) -> int | None: ...

    @property
    def role(self) -> StaffRole: ...


def teams_over_average(
    counts: Iterable[tuple[int, int]], staff: Mapping[int, TeamMember], pack: Pack
) -> list[TeamOverAverage]:
    """Teams whose children per case-holding worker of the pack's roles are above its level
    (WSX/LUT 001:93: such a team's caseload needs the Service Lead's agreement, a maximum
    timescale and regular review). `counts`: (staff id, children held) for everyone in post."""
    rule = pack.caseload.team_average
    if rule is None:
        return []
    by_team: dict[int, list[int]] = defaultdict(list)
    for staff_id, count in counts:
        person = staff.get(staff_id)
        if person is None or person.team_id is None or person.role not in rule.roles:
            continue
        if count > 0:
            by_team[person.team_id].append(count)
    found = []
    for team_id, held in sorted(by_team.items()):
        average = (Decimal(sum(held)) / len(held)).quantize(Decimal("0.1"), ROUND_HALF_UP)
        if Decimal(sum(held)) > rule.max_average * len(held):
            found.append(TeamOverAverage(team_id, len(held), sum(held), average, rule.max_average))
    return found


def team_average_notice(pack: Pack, team: str, found: TeamOverAverage) -> str | None:
    """What the team's manager is told, privately, of their team above the pack's average
    caseload (WSX/LUT 001:93): counts only, and who must agree it. None without the rule."""
    rule = pack.caseload.team_average
    if rule is None:
        return None
    where = cite(pack, rule.source)
    return (
        f"{team} holds {found.children} children across {found.workers} case-holding workers: "
        f"{found.average} per worker, above the {found.level.normalize():f} your council's "
        "policy sets"
        + (f" ({where})" if where else "")
        + f". A team caseload above it has to be agreed by the {rule.approver}, with a clear "
        "maximum timescale and regular review."
    )


def over_cap_since(periods: Iterable[CaseloadPeriod], cap: int, on: date) -> date | None:
    """The first day of the unbroken stretch, up to and including `on`, in which the children
    held on these periods were more than `cap`; None when not over on `on`. WSX/LUT 001:92 asks
    how long a caseload "continues to exceed" the maximum: a day back at or under it ends the
    stretch, and an approval to go over (001:85) changes nothing about when it began."""
    changes: dict[date, int] = defaultdict(int)
    for period in periods:
        if period.start > on or (period.end is not None and period.end <= period.start):
            continue
        changes[period.start] += period.children
        if period.end is not None and period.end <= on:
            changes[period.end] -= period.children
    held = 0
    since: date | None = None
    for day in sorted(changes):
        held += changes[day]
        if held <= cap:
            since = None
        elif since is None:
            since = day
    return since


def cap_breaches(
    counts: Iterable[tuple[int, int]],
    staff: Mapping[int, StaffFacts],
    approvals: Iterable[OverCapApproval],
    pack: Pack,
    on: date,
    history: Iterable[CaseloadPeriod] = (),
) -> list[CapBreach]:
    """Who holds more open cases than their role's cap, with approval and escalation state.

    When each worker went over, and so whether to escalate (WSX/LUT 001:92), comes from their
    caseload `history` (over_cap_since against the cap they have on `on`), approval or not;
    a worker with no history given has no over-since date and is not escalated. A share of
    the team's caseload is taken of the team's counts given here, so `counts` holds every
    team member's count where the pack's caps use one."""
    counts = list(counts)
    teams = team_caseloads(counts, staff, pack)
    by_staff: dict[int, list[OverCapApproval]] = {}
    for item in approvals:
        by_staff.setdefault(item.staff_id, []).append(item)
    policy = pack.count_caps()
    co_worked = policy is not None and policy.count_co_worked
    held: dict[int, list[CaseloadPeriod]] = defaultdict(list)
    for period in history:
        if period.lead or co_worked:  # counted as the caseload count counts (WSX/LUT 001:59-61)
            held[period.staff_id].append(period)
    escalation = pack.caseload.escalation
    breaches = []
    for staff_id, count in counts:
        person = staff.get(staff_id)
        found = effective_cap(person, pack, teams.get(person.team_id), on) if person else None
        if found is None or count <= found[0]:
            continue
        mine = sorted(by_staff.get(staff_id, ()), key=lambda a: a.start)
        active: OverCapApproval | None = next((a for a in reversed(mine) if a.active_on(on)), None)
        # CAP003 003:70-71 / WSX/LUT 001:85: over-cap work needs agreement and a maximum timescale.
        chosen = active or (mine[-1] if mine else None)
        status: Literal["none", "active", "expired"] = (
            "active" if active else ("expired" if mine else "none")
        )
        since = over_cap_since(held.get(staff_id, ()), found[0], on)
        months = months_between(since, on) if since else None
        # WSX/LUT 001:92: "continues to exceed the maximum average level for any longer than a
        # three-month period" -> inform the Group Manager; from the caseload, approved or not.
        escalate = since is not None and on > add_months(since, escalation.after_months)
        breaches.append(
            CapBreach(
                staff_id,
                count,
                found[0],
                found[1],
                found[2],
                chosen,
                status,
                since,
                months,
                escalation.to_label if escalate else None,
            )
        )
    return breaches


@dataclass(frozen=True, slots=True)
class RatioBreach:
    supervisor_id: int
    supervisees: int
    max: int
    source: str | None


def ratio_breaches(staff: Iterable[StaffFacts], pack: Pack, on: date) -> list[RatioBreach]:
    """LAM 3.2 (004:304): recommended maximum of 8 supervisees per supervisor."""
    rule = pack.supervision.ratio_max
    if rule is None:
        return []
    load = Counter(s.supervisor_id for s in staff if s.supervisor_id is not None and s.in_post(on))
    return [
        RatioBreach(supervisor, n, rule.value, rule.source)
        for supervisor, n in sorted(load.items())
        if n > rule.value
    ]
