"""A staff member's caseload score from what storage holds, under their council's scheme."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from dialogs.flow import Turn
from dialogs.views import CaseView, StaffView
from policy.packs import Pack
from scoring.caps import builtin_count_caps
from scoring.engine import score
from scoring.model import CaseFacts, OverCapApproval, Score, Workload
from scoring.scheme_model import Scheme
from scoring.stored import StoredCase, case_facts


@dataclass(frozen=True, slots=True)
class CaseloadResult:
    person: StaffView
    score: Score | None  # None where the pack has no weighting scheme (count caps only)
    case_count: int
    cap: int | None
    unused_facts: tuple[str, ...]


async def caseload_of(turn: Turn, person: StaffView) -> CaseloadResult:
    cases = await turn.ports.cases.open_cases(person.id, turn.today)
    inputs = await turn.ports.facts.for_staff([person.id], turn.today)
    approvals = tuple(
        OverCapApproval(a.start, a.max_end, reason=a.reason)
        for a in inputs.approvals
        if a.staff_id == person.id
    )
    count = dict(inputs.caseload_counts).get(person.id, 0)
    scheme_rule = turn.pack.caseload.weighting_scheme
    scheme = turn.ports.packs.scheme(scheme_rule.value) if scheme_rule else None
    return score_person(person, cases, approvals, count, turn.pack, scheme, turn.today)


def score_person(
    person: StaffView,
    cases: Sequence[CaseView],
    approvals: tuple[OverCapApproval, ...],
    count: int,
    pack: Pack,
    scheme: Scheme | None,
    on: date,
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
    )
    caps = builtin_count_caps(pack.caseload.caps_preset) if pack.caseload.caps_preset else None
    result = score(workload, scheme, on, caps)
    return CaseloadResult(person, result, count, cap, tuple(unused))
