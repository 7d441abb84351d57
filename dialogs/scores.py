"""A staff member's caseload score from what storage holds, under their council's scheme."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from dialogs.flow import Turn
from dialogs.views import CaseView, StaffView
from policy.packs import Pack
from scoring.engine import score
from scoring.model import CaseFacts, OverCapApproval, PersonalElement, Score, Workload
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


async def caseload_of(turn: Turn, person: StaffView) -> CaseloadResult:
    # Two reads, the person's open cases and their approvals: this answers the most-asked
    # question, so it reads nothing else (sessions and absences play no part in a score).
    cases = await turn.ports.cases.open_cases(person.id, turn.today)
    approvals = tuple(
        OverCapApproval(a.start, a.max_end, reason=a.reason)
        for a in await turn.ports.facts.approvals(person.id)
    )
    count = counted_children(cases)
    scheme_rule = turn.pack.caseload.weighting_scheme
    scheme = turn.ports.packs.scheme(scheme_rule.value) if scheme_rule else None
    personal: tuple[PersonalElement, ...] = ()
    if scheme is not None and scheme.personal:
        personal = (await turn.ports.facts.personal_elements([person.id], turn.today))[person.id]
    return score_person(
        person, cases, approvals, count, turn.pack, scheme, turn.today, personal=personal
    )


def counted_children(cases: Sequence[CaseView]) -> int:
    """Cases counted against a count cap: CAP003 003:24, a case is one child, so a sibling group
    counts each child; only the worker holding the case (lead) counts it."""
    return sum(c.children for c in cases if c.allocation is AllocationRole.LEAD)


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
) -> CaseloadResult:
    """The score under the council's scheme (pure): the chat, App Home and digests all use it."""
    cap_rule = pack.cap_for(person.role)
    cap = cap_rule.max if cap_rule is not None else None
    if scheme is None:
        return CaseloadResult(person, None, count, cap, ())
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
        over_cap_approvals=approvals,
        personal=personal,
    )
    result = score(workload, scheme, on, pack.count_caps())
    return CaseloadResult(person, result, count, cap, tuple(unused))
