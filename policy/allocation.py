"""Who may be allocated which work: a pack's allocation restrictions (issue 25 item 3).

CAP003 003:64: newly qualified social workers "should not lead child protection enquiries
independently during the ASYE", though they "may co-work or undertake specific tasks or parts of
child protection work", "agreed in supervision and recorded on their personal supervision
record". A pack lists such rules under `caseload.restrictions`; `allocation_check` says, for one
worker taking one case, whether to refuse it, flag it, or let it pass, with the clause.

CAP003 003:30: "Before independently undertaking child protection enquiries, social workers
should have completed the 'Good Practice in Undertaking Section 47 Enquiries' course (or an
equivalent ...)". A restriction with `unless_course` binds only those with no completion of
that course recorded on or before the day (`courses`: course id to the day completed).

The team manager's "who can take this case?" (issue 26) asks `restriction` of each worker for a
case not yet allocated (`CaseShape`): the same rules, for leading the case alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from policy.asye import asye_on
from policy.citations import cite
from policy.packs.schema import AllocationRestriction, Pack
from scoring.vocabulary import AllocationRole, CaseCategory, StaffRole


class Verdict(StrEnum):
    REFUSE = "refuse"
    FLAG = "flag"


@dataclass(frozen=True, slots=True)
class AllocationFinding:
    """A restriction an allocation meets: refused, or let through and flagged for agreement."""

    verdict: Verdict
    restriction: str  # the rule's id
    message: str  # in the pack's words, with the clause as people can look it up
    source: str | None  # the line citation, for the log and the tests


def restricted_work(restriction: AllocationRestriction, facts: Mapping[str, Any]) -> bool:
    """Whether a case with these weighting facts is the restricted work now (e.g. a Section 47
    enquiry runs from `s47_start` until `conference`, DCC 000:516)."""
    started = facts.get(restriction.while_fact) not in (None, False, "")
    ended = restriction.until_fact is not None and facts.get(restriction.until_fact) not in (
        None,
        False,
        "",
    )
    return started and not ended


def course_done(courses: Mapping[str, date], course_id: str, on: date) -> bool:
    """Whether a completion of the course is recorded on or before `on` (003:30)."""
    done = courses.get(course_id)
    return done is not None and done <= on


def restricted_person(
    restriction: AllocationRestriction,
    pack: Pack,
    role: StaffRole,
    asye_start: date | None,
    on: date,
    courses: Mapping[str, date] | None = None,
) -> bool:
    """Whether the restriction binds this worker on `on`: by role, or (where the restriction
    says so) while they are on the pack's early-career programme; a restriction `unless_course`
    not once they have completed that course (`courses`: course id to the day, CAP003 003:30)."""
    if restriction.unless_course is not None and course_done(
        courses or {}, restriction.unless_course, on
    ):
        return False
    if role in restriction.roles:
        return True
    return restriction.early_career and asye_on(pack.asye, asye_start, on)


def allocation_check(
    pack: Pack,
    *,
    role: StaffRole,
    asye_start: date | None,
    part: AllocationRole,
    co_worked: bool,
    facts: Mapping[str, Any],
    on: date,
    courses: Mapping[str, date] | None = None,
) -> list[AllocationFinding]:
    """What the pack's restrictions say about a worker taking a case on `on`. `part` is their
    part in it (lead or co-worker); `co_worked` whether someone else works it with them. Leading
    it alone is what 003:64 forbids ("lead ... independently"): refused or flagged as the pack
    says; co-working it passes or is flagged, with what the agreement needs. `courses`: the
    courses the worker has completed, by id, with the day (a rule `unless_course`, 003:30)."""
    found: list[AllocationFinding] = []
    for rule in pack.caseload.restrictions:
        if not restricted_work(rule, facts) or not restricted_person(
            rule, pack, role, asye_start, on, courses
        ):
            continue
        where = cite(pack, rule.source)
        clause = f" ({where})" if where else ""
        alone = part is AllocationRole.LEAD and not co_worked
        if alone:
            verdict = Verdict(rule.as_lead)
            message = (
                f"{rule.label}: {rule.who} must not lead it alone{clause}. Allocate it to "
                "someone else, or add an experienced co-worker"
            )
            course = pack.caseload.course(rule.unless_course) if rule.unless_course else None
            if course is not None:
                also = f" ({course.equivalent})" if course.equivalent else ""
                message = (
                    f"{rule.label}: {rule.who} must not lead it alone{clause}; no completion "
                    f"of '{course.label}'{also} is recorded for them. Allocate it to someone "
                    "else or add a co-worker who has it, or have their manager record the "
                    f"course (chat: 'course'; staff import: column course_{course.id})"
                )
        elif rule.co_working == "flag":
            verdict = Verdict.FLAG
            needs = rule.agreement or "agreed in supervision and recorded"
            message = f"{rule.label}, co-worked: {needs}{clause}"
        else:
            continue
        found.append(AllocationFinding(verdict, rule.id, message, rule.source))
    return found


def flag_notice(finding: AllocationFinding, reference: str, worker: str, part: str) -> str:
    """What the worker's supervisor is told, privately, of an allocation the pack lets through
    flagged (003:64: a co-worked Section 47 enquiry, "agreed in supervision and recorded on
    their personal supervision record"): the case reference only, never a child's details."""
    return f"Case {reference}, {worker} ({part}): {finding.message}."


@dataclass(frozen=True, slots=True)
class CaseShape:
    """A case not yet allocated, as a manager describes it: "a CIN sibling group of 3, in
    court, 20 miles away". `section_47`: an enquiry under Section 47 is part of the work."""

    category: CaseCategory
    children: int = 1
    court: bool = False
    miles: int | None = None
    section_47: bool = False


@dataclass(frozen=True, slots=True)
class Restriction:
    """Why someone may not be allocated the case: the policy's own words and where they are."""

    rule: str
    source: str  # "003:64"
    restriction: str = ""  # the rule's id: a conversation words it in the reader's language


def restriction(
    pack: Pack,
    role: StaffRole,
    asye_start: date | None,
    shape: CaseShape,
    on: date,
    courses: Mapping[str, date] | None = None,
) -> Restriction | None:
    """What stops this person leading the case alone under the council's pack, or None: the
    pack's restrictions (`allocation_check`) that refuse it. A Section 47 enquiry in the shape
    is the restricted work of every restriction that names one (003:64); `courses` as for
    `allocation_check` (003:30)."""
    if not shape.section_47:
        return None
    facts = {rule.while_fact: on for rule in pack.caseload.restrictions}
    found = allocation_check(
        pack,
        role=role,
        asye_start=asye_start,
        part=AllocationRole.LEAD,
        co_worked=False,
        facts=facts,
        on=on,
        courses=courses,
    )
    refused = next((f for f in found if f.verdict is Verdict.REFUSE), None)
    if refused is None:
        return None
    return Restriction(refused.message, refused.source or "", refused.restriction)
