"""A worker's workload as the engine reads it, and the explained score it returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from scoring.vocabulary import AllocationRole, CaseCategory, StaffRole

_NO_DATES: Mapping[str, date] = MappingProxyType({})
_NO_CHOICES: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Task:
    """A piece of case work that scores while it runs (life story work, a report, contact)."""

    kind: str
    start: date
    end: date | None = None  # last day of the task, inclusive
    points: Decimal | None = None  # the agreed value for "up to" items; None: the maximum


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """One allocated case, by reference only (never a child's name), with its weighting facts.

    `flags`, `dates` and `choices` hold the facts a scheme declares (its `facts:` section), e.g.
    flags {"complex"}, dates {"assessment_start": ...}, choices {"travel": "over_two_hours"};
    the same keys are stored in `storage.models.cases.Case.facts`.
    """

    reference: str
    category: CaseCategory
    children: int = 1
    allocation: AllocationRole = AllocationRole.LEAD
    co_worked: bool = False  # the lead's case is also worked by someone else (NOTTS 001:2007)
    share: Decimal | None = None  # agreed proportion of the points, overriding the scheme default
    flags: frozenset[str] = frozenset()
    dates: Mapping[str, date] = field(default_factory=lambda: _NO_DATES)
    choices: Mapping[str, str] = field(default_factory=lambda: _NO_CHOICES)
    tasks: tuple[Task, ...] = ()


@dataclass(frozen=True, slots=True)
class PersonalElement:
    """A worker-level element: `quantity` is days, hours, sessions or commitments."""

    id: str
    quantity: Decimal = Decimal(1)
    points: Decimal | None = None  # agreed value for "up to" elements; None: the maximum


@dataclass(frozen=True, slots=True)
class OverCapApproval:
    """policy_rules §10: agreement to hold more cases than the cap, until `end` (inclusive)."""

    start: date
    end: date
    approver: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Workload:
    role: StaffRole
    grade: str | None = None
    fte: Decimal = Decimal(1)
    personal: tuple[PersonalElement, ...] = ()
    cases: tuple[CaseFacts, ...] = ()
    asye_start: date | None = None  # CAP003 NQSW benchmark rises over the ASYE year (003:54)
    team_caseload: Decimal | None = None  # average cases of the team's social workers (003:36,54)
    over_cap_approvals: tuple[OverCapApproval, ...] = ()


@dataclass(frozen=True, slots=True)
class ScoreLine:
    """One traced award: which rule, from which source clause, how many points, until when."""

    case_reference: str | None
    item_id: str
    name: str
    rule: str
    source: str
    points: Decimal
    detail: str
    expires_on: date | None = None  # first day on which these points no longer count


@dataclass(frozen=True, slots=True)
class CaseScore:
    reference: str
    category: CaseCategory
    children: int
    allocation: AllocationRole
    factor: Decimal
    points: Decimal
    lines: tuple[ScoreLine, ...]


@dataclass(frozen=True, slots=True)
class BandResult:
    profile: str
    name: str
    label: str
    lower: Decimal | None  # after FTE proration
    lower_inclusive: bool
    upper: Decimal | None
    capacity: Decimal | None
    source: str


@dataclass(frozen=True, slots=True)
class Change:
    on: date
    case_reference: str | None
    item_id: str
    text: str
    # What changes, for a sentence in another language (issue 28): "end", "start" or "close",
    # and the item's short name ("assessment"); `text` is the English sentence.
    kind: str = ""
    item: str = ""


@dataclass(frozen=True, slots=True)
class CapCheck:
    policy: str
    unit: str
    count: int
    cap: int | None
    benchmark: str
    over_cap: bool
    approval_in_force: bool
    rule: str
    source: str


@dataclass(frozen=True, slots=True)
class Score:
    scheme_id: str
    scheme_name: str
    on: date
    role: StaffRole
    grade: str | None
    fte: Decimal
    total: Decimal
    case_points: Decimal
    personal_points: Decimal
    band: BandResult | None
    percent_of_capacity: Decimal | None
    cases: tuple[CaseScore, ...]
    personal: tuple[ScoreLine, ...]
    changes: tuple[Change, ...]
    caps: CapCheck | None
    notes: tuple[str, ...]
