"""A staff member's caseload score from what storage holds, under their council's scheme."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from dialogs.flow import Turn
from dialogs.views import CaseView, StaffView
from policy.caps import experience_cap, practice_start
from policy.packs import Pack
from scoring.caps import CountCapPolicy, check_count, team_caseload
from scoring.engine import score
from scoring.model import (
    CapCheck,
    CaseFacts,
    OverCapApproval,
    PersonalElement,
    Score,
    Workload,
)
from scoring.scheme_model import Scheme
from scoring.stored import StoredCase, case_facts
from scoring.vocabulary import AllocationRole


@dataclass(frozen=True, slots=True)
class CaseloadResult:
    person: StaffView
    score: Score | None  # None where the pack has no weighting scheme (count caps only)
    case_count: int
    cap: int | None
    unused_facts: tuple[str, ...]
    caps: CapCheck | None = None  # the count against the pack's count caps, share and ramp
    # What the council expects of the caseload where it depends on the team's (a share of it,
    # CAP003 003:36; the NQSW's rise over the ASYE, 003:54), in the caps' own words.
    guide: str | None = None


class ScoreCache:
    """People's scores kept between answers, in this process (issue 24).

    A kept score is used only for the same person row as read in this turn, which carries
    `caseload_version` (bumped by database triggers when an allocation, a case, an over-cap
    approval or a personal element of theirs changes, whoever changes it: this instance, another
    one on PostgreSQL, an import), on the same day under the same pack object. So checking it
    costs no query: the person was read anyway. A score that depends on the rest of the team
    (a cap that is a share of the team's caseload) is never kept."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._kept: OrderedDict[tuple[StaffView, date, int], tuple[Pack, CaseloadResult]] = (
            OrderedDict()
        )
        self.hits = 0

    def get(self, person: StaffView, on: date, pack: Pack) -> CaseloadResult | None:
        found = self._kept.get((person, on, id(pack)))
        if found is None or found[0] is not pack:
            return None
        self._kept.move_to_end((person, on, id(pack)))
        self.hits += 1
        return found[1]

    def keep(self, person: StaffView, on: date, pack: Pack, result: CaseloadResult) -> None:
        self._kept[(person, on, id(pack))] = (pack, result)
        self._kept.move_to_end((person, on, id(pack)))
        while len(self._kept) > self._size:
            self._kept.popitem(last=False)


async def caseload_of(turn: Turn, person: StaffView) -> CaseloadResult:
    kept = turn.ports.scores.get(person, turn.today, turn.pack)
    if kept is not None:
        return kept
    result, keepable = await _caseload_of(turn, person)
    if keepable:
        turn.ports.scores.keep(person, turn.today, turn.pack, result)
    return result


async def _caseload_of(turn: Turn, person: StaffView) -> tuple[CaseloadResult, bool]:
    # Two reads, the person's open cases and their approvals: this answers the most-asked
    # question, so it reads nothing else (sessions and absences play no part in a score)
    # unless the role's cap is a share of the team's caseload (then the team's counts too).
    cases = await turn.ports.cases.open_cases(person.id, turn.today)
    approvals = tuple(
        OverCapApproval(a.start, a.max_end, reason=a.reason)
        for a in await turn.ports.facts.approvals(person.id)
    )
    policy = turn.pack.count_caps()
    count = counted_children(cases, policy)
    team: Decimal | None = None
    role_cap = policy.roles.get(person.role) if policy is not None else None
    if policy is not None and role_cap is not None and role_cap.uses_team and person.team_id:
        members = await turn.ports.directory.team_members(person.team_id)
        held = await turn.ports.cases.open_cases_of([m.id for m in members], turn.today)
        pairs = [(m.role, counted_children(held.get(m.id, ()), policy)) for m in members]
        team = team_caseload(policy, pairs)
    scheme_rule = turn.pack.caseload.weighting_scheme
    scheme = turn.ports.packs.scheme(scheme_rule.value) if scheme_rule else None
    personal: tuple[PersonalElement, ...] = ()
    if scheme is not None and scheme.personal:
        personal = (await turn.ports.facts.personal_elements([person.id], turn.today))[person.id]
    result = score_person(
        person, cases, approvals, count, turn.pack, scheme, turn.today, personal=personal, team=team
    )
    return result, team is None and not _uses_team(policy, person)


async def caseloads_of_team(
    turn: Turn, members: Sequence[StaffView], shown: Sequence[StaffView]
) -> dict[int, CaseloadResult]:
    """The caseloads of `shown`, all of them in `members` (a team), from one read of the team's
    cases, one of its approvals and (where the scheme has them) one of its personal elements,
    not those reads for each person (issue 24); the team's caseload a share or ramp needs comes
    from the same cases."""
    policy = turn.pack.count_caps()
    found: dict[int, CaseloadResult] = {}
    for person in shown:  # kept scores first: a repeated team view reads no cases at all
        kept = (
            None
            if _uses_team(policy, person)
            else turn.ports.scores.get(person, turn.today, turn.pack)
        )
        if kept is not None:
            found[person.id] = kept
    if len(found) == len(shown):
        return found
    ids = [m.id for m in members]
    wanted = [p.id for p in shown if p.id not in found]
    held = await turn.ports.cases.open_cases_of(ids, turn.today)
    approvals = await turn.ports.facts.approvals_of(wanted)
    team: Decimal | None = None
    if policy is not None:
        team = team_caseload(
            policy, [(m.role, counted_children(held[m.id], policy)) for m in members]
        )
    scheme_rule = turn.pack.caseload.weighting_scheme
    scheme = turn.ports.packs.scheme(scheme_rule.value) if scheme_rule else None
    personal: Mapping[int, tuple[PersonalElement, ...]] = {}
    if scheme is not None and scheme.personal:
        personal = await turn.ports.facts.personal_elements(wanted, turn.today)
    for person in shown:
        if person.id in found:
            continue
        role_cap = policy.roles.get(person.role) if policy is not None else None
        uses_team = role_cap is not None and role_cap.uses_team and person.team_id
        found[person.id] = score_person(
            person,
            held[person.id],
            tuple(
                OverCapApproval(a.start, a.max_end, reason=a.reason)
                for a in approvals.get(person.id, ())
            ),
            counted_children(held[person.id], policy),
            turn.pack,
            scheme,
            turn.today,
            personal=personal.get(person.id, ()),
            team=team if uses_team else None,
        )
        if not _uses_team(policy, person):  # as caseload_of keeps it: the same reads and sums
            turn.ports.scores.keep(person, turn.today, turn.pack, found[person.id])
    return found


def _uses_team(policy: CountCapPolicy | None, person: StaffView) -> bool:
    """Whether the person's cap is a share of the team's caseload (never kept: it moves with
    the rest of the team's cases, which the person's caseload_version does not follow)."""
    role_cap = policy.roles.get(person.role) if policy is not None else None
    return role_cap is not None and role_cap.uses_team


def counted_children(cases: Sequence[CaseView], policy: CountCapPolicy | None = None) -> int:
    """Cases counted against a count cap: CAP003 003:24, a case is one child, so a sibling group
    counts each child; only the worker holding the case (lead) counts it, unless the council's
    caps count co-worked cases too (WSX/LUT 001:59-61: students always co-work)."""
    co_worked = policy is not None and policy.count_co_worked
    return sum(c.children for c in cases if co_worked or c.allocation is AllocationRole.LEAD)


def score_person(
    person: StaffView,
    cases: Sequence[CaseView],
    approvals: tuple[OverCapApproval, ...],
    count: int,
    pack: Pack,
    scheme: Scheme | None,
    on: date,
    *,
    personal: tuple[PersonalElement, ...] = (),
    team: Decimal | None = None,
) -> CaseloadResult:
    """The score under the council's scheme (pure): the chat, App Home and digests all use it.
    `team` is the team's caseload (scoring.caps.team_caseload) where a share or ramp needs it."""
    policy = pack.count_caps()
    caps = None
    if policy is not None:
        caps = check_count(
            policy,
            person.role,
            count,
            on,
            team=team,
            asye_start=person.asye_start,
            approvals=approvals,
        )
    own = pack.cap_for(person.role)
    if caps is not None and own is not None and own.experience:
        # RBWM 001:5062-5070: the benchmark by years of practice (policy.caps.experience_cap).
        start = practice_start(person.asye_start, person.start_date)
        limit, words, source = experience_cap(own, start, on)
        caps = replace(
            caps,
            cap=limit,
            benchmark=words or caps.benchmark,
            over_cap=count > limit,
            source=source or caps.source,
        )
    cap = caps.cap if caps is not None else None
    if cap is not None and pack.caseload.prorate_caps_by_fte:
        cap = int(cap * person.fte)  # as the digest does (policy.caps.effective_cap)
    role_cap = policy.roles.get(person.role) if policy is not None else None
    uses_team = role_cap is not None and role_cap.uses_team and team is not None
    guide = caps.benchmark if caps is not None and uses_team else None
    if scheme is None:
        return CaseloadResult(person, None, count, cap, (), caps, guide)
    facts: list[CaseFacts] = []
    unused: list[str] = []
    for case in cases:
        stored = StoredCase(
            case.reference, case.category, case.children, case.allocation, case.facts
        )
        one, problems = case_facts(stored, scheme)
        facts.append(one)
        unused.extend(problems)
    workload = Workload(
        role=person.role,
        grade=person.grade,
        fte=person.fte,
        cases=tuple(facts),
        asye_start=person.asye_start,
        team_caseload=team,
        over_cap_approvals=approvals,
        personal=personal,
    )
    result = score(workload, scheme, on, policy)
    return CaseloadResult(person, result, count, cap, tuple(unused), caps, guide)
