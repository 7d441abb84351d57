"""A weighting scheme as values: items, their conditions, awards, time limits, caps and bands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from scoring.vocabulary import CaseCategory, StaffRole


class Unit(StrEnum):
    """What one award of points attaches to (weighting_schemes.yaml `unit`)."""

    PER_CASE = "per_case"  # one case row: a CIN family, a household group, a fostering household
    PER_CHILD = "per_child"
    HOUSEHOLD = "household"  # NOTTS: first child column A, each other child column B (001:1741)
    BY_CHILDREN = "by_children"  # WARR: CIN family banded by size (001:5705-5713)
    PER_TASK = "per_task"  # each recorded task of a kind, while it runs
    CHOICE = "choice"  # one option of a case fact, e.g. a travel band


class PersonalUnit(StrEnum):
    PER_WORKER = "per_worker"
    PER_COMMITMENT = "per_commitment"
    PER_DAY = "per_day"
    PER_HOUR = "per_hour"
    PER_SESSION = "per_session"
    PER_CASE = "per_case"


@dataclass(frozen=True, slots=True)
class Window:
    """When a time-limited award counts; `start` names the date fact that opens it."""

    start: str | None = None
    days: int | None = None
    months: int | None = None
    until: str | None = None  # date fact whose date ends the window (points stop on that day)
    month_of: bool = False  # only in the calendar month of the start date


@dataclass(frozen=True, slots=True)
class Trigger:
    """One way an item becomes active: a flag on the case, or a running window."""

    flag: str | None = None
    window: Window | None = None


@dataclass(frozen=True, slots=True)
class Tier:
    max_children: int | None  # None: any larger family
    points: Decimal


@dataclass(frozen=True, slots=True)
class Award:
    """How many points one case earns from an item, for the categories it covers."""

    unit: Unit
    categories: frozenset[CaseCategory] | None = None  # None: every category the item covers
    points: Decimal = Decimal(0)  # per_case, per_child, per_task (the maximum when up_to)
    first: Decimal = Decimal(0)  # household: first child
    additional: Decimal = Decimal(0)  # household: each other child
    tiers: tuple[Tier, ...] = ()
    choice: str | None = None  # choice: the case fact whose value picks the option
    options: Mapping[str, Decimal] = field(default_factory=dict)
    labels: Mapping[str, str] = field(
        default_factory=dict
    )  # choice: each option in the scheme's words
    task: str | None = None  # per_task: the task kind
    up_to: bool = False  # discretionary: the agreed value, at most `points`


@dataclass(frozen=True, slots=True)
class Cap:
    """A ceiling on one item's points for one case, e.g. the sibling-group cap (000:480)."""

    max_points: Decimal
    min_children: int  # applies to groups of more than this many children ...
    flags: frozenset[str]  # ... when the case has all these flags
    rule: str
    source: str


@dataclass(frozen=True, slots=True)
class Item:
    """One rule of a scheme that awards points to a case."""

    id: str
    name: str  # short noun for sentences: "assessment points for C-1042 end on 5 Dec"
    rule: str
    source: str
    awards: tuple[Award, ...]
    categories: frozenset[CaseCategory]
    group: str | None = None
    flags: frozenset[str] = frozenset()
    unless_flags: frozenset[str] = frozenset()
    choices: Mapping[str, frozenset[str]] = field(default_factory=dict)
    min_children: int | None = None
    max_children: int | None = None
    active_if: tuple[Trigger, ...] = ()  # empty: always active when the conditions hold
    task_limit: Window | None = None  # per_task: limit counted from each task's start
    cap: Cap | None = None
    closure: bool = False  # counts in the month a case closes, replacing other points
    choice_note: str | None = None


@dataclass(frozen=True, slots=True)
class PersonalItem:
    """A worker-level element: personal capacity, extra duties, responsibilities, duty days."""

    id: str
    name: str
    rule: str
    source: str
    unit: PersonalUnit
    points: Decimal
    up_to: bool = False
    fixed: bool = False  # always added, e.g. WARR 15 stable points (001:5672)
    group: str | None = None
    choice_note: str | None = None


@dataclass(frozen=True, slots=True)
class GroupLimit:
    """At most `max_items` items of a group count (the highest first)."""

    group: str
    max_items: int
    rule: str
    source: str


@dataclass(frozen=True, slots=True)
class JointWorking:
    lead: Decimal  # factor for the lead worker when the case is co-worked
    co_worker: Decimal
    rule: str
    source: str
    choice_note: str | None = None


@dataclass(frozen=True, slots=True)
class Derived:
    """Points earned from the case total, e.g. WARR 1 point per 10 case points (001:5749)."""

    id: str
    name: str
    rule: str
    source: str
    per_points: Decimal
    points: Decimal


@dataclass(frozen=True, slots=True)
class Closure:
    """What happens around a case's closing date (`date` fact)."""

    id: str
    date: str
    replace: bool  # WARR: in the closing month only closure items count (001:5731)
    rule: str
    source: str


@dataclass(frozen=True, slots=True)
class Band:
    """A capacity band; the lower edge is `min` (inclusive) or `above` (exclusive), full-time."""

    name: str
    label: str
    min: Decimal | None = None
    above: Decimal | None = None
    max: Decimal | None = None


@dataclass(frozen=True, slots=True)
class CapacityProfile:
    id: str
    label: str
    roles: frozenset[StaffRole]
    grades: frozenset[str]  # lower-case
    capacity: Decimal | None  # full-time points that count as 100%
    bands: tuple[Band, ...]
    source: str


@dataclass(frozen=True, slots=True)
class Facts:
    """The case facts a scheme reads, declared so that typos in a workload are caught."""

    flags: Mapping[str, str]
    dates: Mapping[str, str]
    choices: Mapping[str, frozenset[str]]
    tasks: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Scheme:
    id: str
    name: str
    council: str
    source: str
    categories: frozenset[CaseCategory]
    facts: Facts
    items: tuple[Item, ...]
    personal: tuple[PersonalItem, ...]
    group_limits: Mapping[str, GroupLimit]
    personal_limits: Mapping[str, GroupLimit]
    joint_working: JointWorking
    derived: tuple[Derived, ...]
    closure: Closure | None
    profiles: tuple[CapacityProfile, ...]
    prorate_by_fte: bool
    proration_note: str
    path: str = ""
    # Who approved this version of the weightings and when (`approved: {by, on}`): SWIN 001:4514
    # asks for "the express approval of the Head of Service" before changes are made.
    approved_by: str | None = None
    approved_on: date | None = None
