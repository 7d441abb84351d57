"""The demo council's people, case mix and the words its records use (all invented)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from scoring.vocabulary import CaseCategory, StaffRole


@dataclass(frozen=True)
class MemberSpec:
    name: str
    role: StaffRole
    grade: str | None = "Grade 11"
    fte: str = "1"
    agency: bool = False
    asye_days: int = 0  # how far into the ASYE year an NQSW is


@dataclass(frozen=True)
class TeamSpec:
    name: str
    service: str
    manager: str
    members: tuple[MemberSpec, ...]


SW = StaffRole.SOCIAL_WORKER
TEAMS = (
    TeamSpec(
        "Safeguarding North",
        "Safeguarding and Specialist",
        "Priya Shah",
        (
            MemberSpec("Sam Taylor", SW),
            MemberSpec("Hannah Okafor", StaffRole.SENIOR_PRACTITIONER, "Grade 11"),
            MemberSpec("Tom Evans", SW, fte="0.6"),
            MemberSpec("Jo Bloggs", SW, "Agency", agency=True),
            MemberSpec("Aled Rhys", StaffRole.NQSW, "Grade 10", asye_days=45),
            MemberSpec("Chloe Martin", StaffRole.STUDENT, None),
            MemberSpec("Megan Price", SW, "Grade 10"),
        ),
    ),
    TeamSpec(
        "Children in Care",
        "Safeguarding and Specialist",
        "Daniel Hughes",
        (
            MemberSpec("Grace Lee", SW),
            MemberSpec("Oliver Bennett", StaffRole.SENIOR_PRACTITIONER),
            MemberSpec("Amira Khan", SW, "Grade 10"),
            MemberSpec("Ffion Davies", SW),
            MemberSpec("Kwame Mensah", StaffRole.NQSW, "Grade 10", asye_days=200),
            MemberSpec("Ruth Campbell", SW, fte="0.8"),
            MemberSpec("Joseph Adeyemi", SW, "Agency", agency=True),
        ),
    ),
    TeamSpec(
        "Assessment and Intervention",
        "Early Help and Assessment",
        "Sophie Turner",
        (
            MemberSpec("Liam Walsh", SW),
            MemberSpec("Nadia Rahman", StaffRole.SENIOR_PRACTITIONER),
            MemberSpec("Ben Carter", SW, "Grade 10"),
            MemberSpec("Zara Ahmed", StaffRole.NQSW, "Grade 10", asye_days=310),
            MemberSpec("Ellie Wright", StaffRole.CONSULTANT_SOCIAL_WORKER, "Grade 12"),
            MemberSpec("Harry Green", SW),
            MemberSpec("Lucy Patel", StaffRole.ADMIN_SUPPORT, "Grade 6"),
        ),
    ),
)

C = CaseCategory
CASE_MIX: dict[str, dict[CaseCategory, int]] = {
    "Safeguarding North": {C.CIN: 40, C.CP: 45, C.CLA: 15},
    "Children in Care": {C.CLA: 65, C.SIXTEEN_PLUS: 20, C.CARE_LEAVER: 15},
    "Assessment and Intervention": {C.EARLY_HELP: 25, C.CIN: 55, C.CP: 20},
}

DECISIONS = (
    ("Step down to Child in Need plan", "Risks reduced: core group agrees protective factors hold"),
    ("Convene strategy discussion", "New disclosure at school raises significant harm concerns"),
    ("Request legal planning meeting", "No progress against the plan after two reviews"),
    ("Increase visits to weekly", "Placement showing signs of strain; carer asked for support"),
    ("Close to social care, refer to Early Help", "Needs met; family agrees to Early Help offer"),
    ("Complete parenting assessment", "Needed to inform the care plan before the next review"),
)

ACTIONS = (
    "Update the chronology",
    "Complete the case summary on the child's record",
    "Book the core group meeting",
    "Send the pathway plan for sign-off",
    "Arrange joint visit with the health visitor",
    "Attend the Signs of Safety refresher",
    "Review travel time with the team manager",
    "Upload the assessment to the child's record",
)

_SECTION_TEXT = (
    "Discussed and agreed; see actions.",
    "Reviewed progress since the last meeting; all actions complete except one carried forward.",
    "Caseload discussed: manageable this month, two cases to close before new allocations.",
    "Training: booked onto court skills in the new year.",
    "Wellbeing check: feeling supported; raised travel time as a pressure.",
    "Nothing further this month.",
)


def case_facts(rng: random.Random, category: CaseCategory, today: date) -> dict[str, Any]:
    """Weighting facts in the Derbyshire WMS's terms (scoring/schemes/derbyshire_wms.yaml)."""
    facts: dict[str, Any] = {}

    def days_ago(low: int, high: int) -> str:
        return (today - timedelta(days=rng.randint(low, high))).isoformat()

    if category in (C.CP, C.CLA) and rng.random() < 0.25:
        facts["complex"] = True
    if category in (C.CP, C.CLA) and rng.random() < 0.12:
        facts["in_proceedings"] = True
        if rng.random() < 0.5:
            facts["court_papers_start"] = days_ago(0, 20)
    if category in (C.CIN, C.EARLY_HELP) and rng.random() < 0.2:
        facts["assessment_start"] = days_ago(0, 40)  # some still inside the 35 days
    if category is C.CP and rng.random() < 0.1:
        facts["s47_start"] = days_ago(0, 14)
    if category is C.CLA and rng.random() < 0.1:
        facts["placement_start"] = days_ago(0, 45)
    if rng.random() < 0.1:
        start = today - timedelta(days=rng.randint(5, 60))
        end = start + timedelta(days=rng.randint(30, 85))
        facts["tasks"] = [
            {"kind": "specific_task", "start": start.isoformat(), "end": end.isoformat()}
        ]
    facts["travel"] = rng.choices(
        ["within_15_miles", "outside_15_miles", "one_to_two_hours", "over_two_hours"],
        [60, 25, 12, 3],
    )[0]
    return facts


def record_sections(rng: random.Random, section_ids: list[str], cases: list[Any]) -> dict[str, str]:
    sections = {section: rng.choice(_SECTION_TEXT) for section in section_ids}
    if cases and section_ids:
        refs = ", ".join(case.reference for case in cases)
        for section in section_ids:
            if "case" in section:
                sections[section] = f"Cases discussed: {refs}. Decisions recorded on each."
    return sections


def case_discussion(rng: random.Random, headings: Sequence[str] = ()) -> dict[str, str]:
    """A case's notes in a record. `headings`: the per-case headings the pack's record asks for
    (dialogs.flows.record_plan), so the notes are read under the pack's own titles and never
    under an id of ours; without them, the demo's own keys (the benchmark's records)."""
    notes = {
        "update": rng.choice(["Stable this month.", "New concerns raised by school.", "Positive."]),
        "progress": rng.choice(["Plan on track.", "Assessment overdue by a week.", "Reviewed."]),
        "visiting": rng.choice(["Fortnightly visits.", "Weekly visits.", "Monthly visits."]),
        "actions": rng.choice(["See actions.", "Update chronology (worker, 2 weeks)."]),
    }
    if not headings:
        return notes
    return dict(zip(headings, notes.values(), strict=False))
