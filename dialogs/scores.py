"""A staff member's caseload score from what storage holds, under their council's scheme."""

from __future__ import annotations

from dataclasses import dataclass

from dialogs.flow import Turn
from dialogs.views import StaffView
from scoring.caps import builtin_count_caps
from scoring.engine import score
from scoring.model import CaseFacts, OverCapApproval, Score, Workload
from scoring.stored import StoredCase, case_facts


@dataclass(frozen=True, slots=True)
class CaseloadResult:
    person: StaffView
    score: Score | None  # None where the pack has no weighting scheme (count caps only)
    case_count: int
    cap: int | None
    unused_facts: tuple[str, ...]


async def caseload_of(turn: Turn, person: StaffView) -> CaseloadResult:
    pack = turn.pack
    cases = await turn.ports.cases.open_cases(person.id, turn.today)
    inputs = await turn.ports.facts.for_staff([person.id], turn.today)
    approvals = tuple(
        OverCapApproval(a.start, a.max_end, reason=a.reason)
        for a in inputs.approvals
        if a.staff_id == person.id
    )
    count = dict(inputs.caseload_counts).get(person.id, 0)
    cap_rule = pack.cap_for(person.role)
    cap = cap_rule.max if cap_rule is not None else None
    scheme_rule = pack.caseload.weighting_scheme
    if scheme_rule is None:
        return CaseloadResult(person, None, count, cap, ())
    scheme = turn.ports.packs.scheme(scheme_rule.value)
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
    )
    caps = builtin_count_caps(pack.caseload.caps_preset) if pack.caseload.caps_preset else None
    result = score(workload, scheme, turn.today, caps)
    return CaseloadResult(person, result, count, cap, tuple(unused))
