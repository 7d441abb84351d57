"""What-if scoring of a case not yet allocated: each worker's score and count now and after.

Reads nothing new: a worker's open cases, approvals and personal elements (as the caseload score
does), with one more case added in memory. Nothing is written; the case reaches a caseload only
when the case system's next import (or a recorded allocation) shows it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from dialogs.flow import Turn
from dialogs.i18n import N_, WELSH, _, language, pack_word
from dialogs.scores import CaseloadResult, counted_children, score_person
from dialogs.views import AbsenceView, CaseView, HeldCase, StaffView
from policy.allocation import CaseShape, Restriction, restriction
from policy.asye import asye_on
from policy.calendar import months_between
from policy.citations import cite
from policy.packs import Pack
from scoring.caps import team_caseload
from scoring.model import OverCapApproval, PersonalElement
from scoring.scheme_model import Scheme
from scoring.vocabulary import AllocationRole, CaseCategory, StaffRole

LEAVE_AHEAD = timedelta(days=14)  # "leave in the next two weeks" (issue 26)
NEW_CASE = "(new case)"
# Roles that hold cases: managers allocate, admin and reviewing officers hold none.
_NOT_CASEWORKERS = frozenset(
    {StaffRole.ADMIN_SUPPORT, StaffRole.AUDITOR, StaffRole.IRO, StaffRole.OTHER}
)

_CATEGORY_WORDS: tuple[tuple[str, CaseCategory], ...] = (
    (r"\bs\.?\s?47s?\b|\bsection\s*47\b|\bcp\b|child protection", CaseCategory.CP),
    (r"\bcin\b|child in need", CaseCategory.CIN),
    (r"\bcla\b|\blac\b|\bcic\b|looked after|in care\b", CaseCategory.CLA),
    (r"early help", CaseCategory.EARLY_HELP),
    (r"16\s?\+|sixteen plus", CaseCategory.SIXTEEN_PLUS),
    (r"care leaver", CaseCategory.CARE_LEAVER),
    (r"private(?:ly)? foster", CaseCategory.PRIVATE_FOSTERING),
)
_WORD_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
_CHILDREN = re.compile(
    r"(?:sibling group|siblings?|family) of (\d{1,2}|two|three|four|five|six|seven|eight)\b"
    r"|\b(\d{1,2}|two|three|four|five|six|seven|eight) (?:children|kids|siblings|young people)",
    re.IGNORECASE,
)
_MILES = re.compile(r"\b(\d{1,3})\s*(?:miles?|mi)\b", re.IGNORECASE)
CATEGORY_NAMES = {
    CaseCategory.CP: "CP",
    CaseCategory.CIN: "CIN",
    CaseCategory.CLA: "CLA",
    CaseCategory.EARLY_HELP: "Early Help",
    CaseCategory.SIXTEEN_PLUS: "16+",
    CaseCategory.CARE_LEAVER: "care leaver",
    CaseCategory.PRIVATE_FOSTERING: "private fostering",
    CaseCategory.FOSTERING_HOUSEHOLD: "fostering household",
}


def read_shape(text: str) -> tuple[CaseShape, bool]:
    """The case a manager describes, and whether its kind was said (False: CIN assumed)."""
    lowered = text.lower()
    category = next((c for pattern, c in _CATEGORY_WORDS if re.search(pattern, lowered)), None)
    children = 1
    if found := _CHILDREN.search(text):
        typed = (found.group(1) or found.group(2)).lower()
        children = _WORD_NUMBERS.get(typed) or int(typed)
    elif "sibling group" in lowered or "siblings" in lowered:
        children = 2
    miles = _MILES.search(text)
    shape = CaseShape(
        category=category or CaseCategory.CIN,
        children=max(1, min(children, 12)),
        court=bool(re.search(r"\bcourt\b|proceedings|\bplo\b", lowered)),
        miles=int(miles.group(1)) if miles else None,
        section_47=bool(re.search(r"\bs\.?\s?47s?\b|section\s*47", lowered)),
    )
    return shape, category is not None


def describe_shape(shape: CaseShape) -> str:
    """ "a CIN sibling group of 3, in court, 20 miles away"."""
    name = "S47 (CP)" if shape.section_47 else CATEGORY_NAMES.get(shape.category, "new")
    text = (
        f"a {name} case" if shape.children == 1 else f"a {name} sibling group of {shape.children}"
    )
    if shape.court:
        text += ", in court"
    if shape.miles is not None:
        text += f", {shape.miles} miles away"
    return text


# The kinds of case in Welsh, where the English abbreviations (CP, CIN, CLA) are not used.
_CATEGORY_WELSH = {
    CaseCategory.CP: N_("child protection"),
    CaseCategory.CIN: N_("child in need"),
    CaseCategory.CLA: N_("looked after"),
    CaseCategory.EARLY_HELP: N_("early help"),
    CaseCategory.SIXTEEN_PLUS: N_("16+"),
    CaseCategory.CARE_LEAVER: N_("care leaver"),
    CaseCategory.PRIVATE_FOSTERING: N_("private fostering"),
    CaseCategory.FOSTERING_HOUSEHOLD: N_("fostering household"),
}


def kind_name(category: CaseCategory) -> str:
    """A kind of case as a form's option and a card name it: "CP" in English, in Welsh its
    Welsh name."""
    if language() != WELSH:
        return CATEGORY_NAMES.get(category, category.value)
    return _(_CATEGORY_WELSH.get(category, category.value))


def shape_words(shape: CaseShape, label: str = NEW_CASE) -> str:
    """The case asked about as people read it, in their language: its reference where it has
    one, else "a CIN sibling group of 3, in court, 20 miles away" (describe_shape's words in
    English, which the buttons carry and read_shape reads back)."""
    if label != NEW_CASE:
        return label
    if language() != WELSH:
        return describe_shape(shape)
    name = _("S47 (child protection)") if shape.section_47 else kind_name(shape.category)
    text = (
        _("a {kind} case").format(kind=name)
        if shape.children == 1
        else _("a {kind} sibling group of {count}").format(kind=name, count=shape.children)
    )
    if shape.court:
        text += _(", in court")
    if shape.miles is not None:
        text += _(", {miles} miles away").format(miles=shape.miles)
    return text


def stopped_text(pack: Pack, stopped: Restriction) -> str:
    """Why a rule of the pack stops someone leading the case, in the reader's language: the
    pack's rule (label, who, course) in the pack's Welsh where it gives it (003:30, 003:64)."""
    rule = next((r for r in pack.caseload.restrictions if r.id == stopped.restriction), None)
    if rule is None or language() != WELSH:
        return stopped.rule
    where = cite(pack, rule.source)
    course = pack.caseload.course(rule.unless_course) if rule.unless_course else None
    values = {
        "label": pack_word(pack, rule.label),
        "who": pack_word(pack, rule.who),
        "where": where,
    }
    if course is None:
        text = (
            _("{label}: {who} must not lead it alone ({where}).")
            if where
            else _("{label}: {who} must not lead it alone.")
        )
        return (
            text.format(**values)
            + " "
            + _("Allocate it to someone else, or add an experienced co-worker.")
        )
    text = (
        _(
            "{label}: {who} must not lead it alone ({where}); no completion of '{course}' is "
            "recorded for them."
        )
        if where
        else _(
            "{label}: {who} must not lead it alone; no completion of '{course}' is recorded "
            "for them."
        )
    )
    return (
        text.format(**values, course=pack_word(pack, course.label))
        + " "
        + _(
            "Allocate it to someone else or add a co-worker who has it, or have their manager "
            "record the course (chat: 'course')."
        )
    )


def hypothetical_case(
    shape: CaseShape, scheme: Scheme | None, on: date, reference: str = NEW_CASE
) -> tuple[CaseView, tuple[str, ...]]:
    """The case as the council's scheme would record it, and what the scheme cannot score
    ("distance: your scheme does not weight travel")."""
    facts: dict[str, object] = {}
    unscored: list[str] = []
    declared = scheme.facts if scheme is not None else None
    if shape.court:
        if declared is not None and "in_proceedings" in declared.flags:
            facts["in_proceedings"] = True
        elif declared is not None:
            unscored.append(_("court: your scheme has no court weighting for a new case"))
    if shape.section_47:
        if declared is not None and "s47_start" in declared.dates:
            facts["s47_start"] = on.isoformat()
        elif declared is not None and "s47_open_case" in declared.flags:
            facts["s47_open_case"] = True
    if shape.miles is not None and declared is not None:
        choice = _travel_choice(tuple(sorted(declared.choices.get("travel", ()))), shape.miles)
        if choice is not None:
            facts["travel"] = choice
        else:
            unscored.append(_("distance: your scheme does not weight it in miles"))
    case = CaseView(
        id=0,
        reference=reference,
        category=shape.category,
        children=shape.children,
        opened=on,
        closed=None,
        facts=facts,
        allocation=AllocationRole.LEAD,
    )
    return case, tuple(unscored)


def _travel_choice(choices: tuple[str, ...], miles: int) -> str | None:
    """A scheme's travel choice by miles ("within_15_miles" / "outside_15_miles", DCC 000:520)."""
    for choice in choices:
        found = re.fullmatch(r"(within|outside)_(\d+)_miles", choice)
        if found and (miles <= int(found.group(2))) == (found.group(1) == "within"):
            return choice
    return None


@dataclass(frozen=True, slots=True)
class Candidate:
    """One worker, before and after taking the case."""

    person: StaffView
    before: CaseloadResult
    after: CaseloadResult
    leave: tuple[AbsenceView, ...]
    asye_month: int | None  # month of the ASYE they are in (1-based), None if not on it
    stopped_by: Restriction | None

    @property
    def points_before(self) -> Decimal | None:
        return self.before.score.total if self.before.score else None

    @property
    def points_after(self) -> Decimal | None:
        return self.after.score.total if self.after.score else None

    @property
    def capacity(self) -> Decimal | None:
        band = self.after.score.band if self.after.score else None
        return band.capacity if band is not None else None

    @property
    def headroom(self) -> Decimal | None:
        """Points left under the band's (FTE-prorated) capacity after taking it; for a council
        that counts cases, cases left under the cap."""
        if self.capacity is not None and self.points_after is not None:
            return self.capacity - self.points_after
        if self.after.cap is not None:
            return Decimal(self.after.cap - self.after.case_count)
        return None

    @property
    def over_after(self) -> bool:
        """Over the band's capacity or the count cap once the case is added."""
        over_band = self.headroom is not None and self.capacity is not None and self.headroom < 0
        over_cap = self.after.cap is not None and self.after.case_count > self.after.cap
        return over_band or over_cap

    @property
    def approved(self) -> bool:
        caps = self.after.caps
        return bool(caps and caps.approval_in_force)


def is_caseworker(person: StaffView, on: date) -> bool:
    if person.role.is_manager or person.role in _NOT_CASEWORKERS:
        return False
    started = person.start_date is None or person.start_date <= on
    return started and (person.leaving_date is None or person.leaving_date >= on)


async def scored_team(
    turn: Turn, members: list[StaffView], case: CaseView | None = None
) -> list[tuple[StaffView, CaseloadResult, CaseloadResult]]:
    """Each caseworker's score now, and with `case` added (the same when None), in one read of
    the team's cases (as the team view does), their approvals and personal elements."""
    on = turn.today
    pack = turn.pack
    policy = pack.count_caps()
    scheme_rule = pack.caseload.weighting_scheme
    scheme = turn.ports.packs.scheme(scheme_rule.value) if scheme_rule else None
    ids = [m.id for m in members]
    held = await turn.ports.cases.open_cases_of(ids, on)
    personal = (
        await turn.ports.facts.personal_elements(ids, on)
        if scheme is not None and scheme.personal
        else {}
    )
    team: Decimal | None = None
    if policy is not None and any(r.uses_team for r in policy.roles.values()):
        pairs = [(m.role, counted_children(held.get(m.id, ()), policy)) for m in members]
        team = team_caseload(policy, pairs)
    found = []
    for person in members:
        if not is_caseworker(person, on):
            continue
        approvals = tuple(
            OverCapApproval(a.start, a.max_end, reason=a.reason)
            for a in await turn.ports.facts.approvals(person.id)
        )
        elements = personal.get(person.id, ())

        mine = list(held.get(person.id, ()))
        scored: list[CaseloadResult] = []
        for cases in (mine, [*mine, case] if case is not None else None):
            if cases is None:
                scored.append(scored[0])
                continue
            count = counted_children(cases, policy)
            scored.append(
                score_person(
                    person, cases, approvals, count, pack, scheme, on, personal=elements, team=team
                )
            )
        found.append((person, scored[0], scored[1]))
    return found


async def candidates(
    turn: Turn, members: list[StaffView], shape: CaseShape, case: CaseView
) -> list[Candidate]:
    """Each worker with their score now and with `case` added, their leave in the next two
    weeks, ASYE month, and any rule of the pack that stops them taking it."""
    on = turn.today
    pack = turn.pack
    found = []
    # CAP003 003:30: the courses done, where a rule of the pack asks for one (the S47 course).
    courses: Mapping[int, Mapping[str, date]] = {}
    if shape.section_47 and any(r.unless_course for r in pack.caseload.restrictions):
        courses = await turn.ports.notes.courses_of([m.id for m in members])
    for person, before, after in await scored_team(turn, members, case):
        leave = await turn.ports.notes.absences_overlapping(person.id, on, on + LEAVE_AHEAD)
        stage = None
        if asye_on(pack.asye, person.asye_start, on) and person.asye_start is not None:
            stage = months_between(person.asye_start, on) + 1
        stopped = restriction(
            pack, person.role, person.asye_start, shape, on, courses.get(person.id, {})
        )
        found.append(Candidate(person, before, after, tuple(leave), stage, stopped))
    return found


def over_band(result: CaseloadResult) -> bool:
    """Over the (FTE-prorated) capacity of the band the scheme gives the person."""
    band = result.score.band if result.score else None
    return bool(
        band and band.capacity is not None and result.score and result.score.total > band.capacity
    )


def over_since(
    held: Sequence[HeldCase], over_on: Callable[[list[CaseView], date], bool], on: date
) -> date | None:
    """The first day of the unbroken stretch, up to `on`, in which the cases held were over
    (`over_on(cases held that day, the day)`); None when not over on the last day the caseload
    changed. As policy.caps.over_cap_since does for a count (WSX/LUT 001:92: how long a
    caseload "continues to exceed"), from the allocation history: a caseload changes only on
    the days an allocation or its case starts or ends, so those days are the ones looked at,
    latest first, back to the last day it was not over."""
    changes = {h.start for h in held if h.start <= on}
    changes |= {h.end for h in held if h.end is not None and h.end <= on}
    since: date | None = None
    for day in sorted(changes, reverse=True):
        cases = held_on(held, day)
        if not over_on(cases, day):
            break
        since = day
    return since


def held_on(held: Sequence[HeldCase], day: date) -> list[CaseView]:
    """The cases of an allocation history held on `day`."""
    return [h.case for h in held if h.start <= day and (h.end is None or day < h.end)]


async def score_on(turn: Turn, person: StaffView, day: date) -> CaseloadResult | None:
    """Their caseload score on a past `day`, from the allocation history, with the same
    assumptions as over_band_since (each case as recorded now; present FTE, grade and personal
    elements; the day's own date-dependent weights). None without a weighting scheme."""
    scheme_rule = turn.pack.caseload.weighting_scheme
    if scheme_rule is None:
        return None
    scheme = turn.ports.packs.scheme(scheme_rule.value)
    history = await turn.ports.cases.allocation_history([person.id])
    personal = await turn.ports.facts.personal_elements([person.id], day) if scheme.personal else {}
    cases = held_on(history.get(person.id, ()), day)
    count = counted_children(cases, turn.pack.count_caps())
    elements = personal.get(person.id, ())
    return score_person(person, cases, (), count, turn.pack, scheme, day, personal=elements)


async def over_band_since(
    turn: Turn, over: Sequence[tuple[StaffView, CaseloadResult]]
) -> dict[int, date]:
    """Since when each of these people (over their band's capacity today) has been over it:
    their caseload score on each day their allocations changed, from the allocation history
    (over_since), each case weighted as the case system records it now and the person's
    present FTE, grade and personal elements (no history is kept of those); the day's own
    date-dependent weights (an ASYE month, a recent S47) as of that day."""
    scheme_rule = turn.pack.caseload.weighting_scheme
    if not over or scheme_rule is None:
        return {}
    pack = turn.pack
    policy = pack.count_caps()
    scheme = turn.ports.packs.scheme(scheme_rule.value)
    ids = [person.id for person, _result in over]
    history = await turn.ports.cases.allocation_history(ids)
    personal = await turn.ports.facts.personal_elements(ids, turn.today) if scheme.personal else {}
    found: dict[int, date] = {}
    for person, _result in over:
        elements = personal.get(person.id, ())

        def over_on(
            cases: list[CaseView],
            day: date,
            person: StaffView = person,
            elements: tuple[PersonalElement, ...] = elements,
        ) -> bool:
            count = counted_children(cases, policy)
            result = score_person(person, cases, (), count, pack, scheme, day, personal=elements)
            return over_band(result)

        since = over_since(history.get(person.id, ()), over_on, turn.today)
        if since is not None:
            found[person.id] = since
    return found


def ranked(found: list[Candidate]) -> tuple[list[Candidate], list[Candidate]]:
    """Those who can take it: first those with room left after it, most room first; then those
    whose capacity the scheme does not say (no band for their role or grade); then those it
    would put over, least over first. And those a rule stops, by name."""
    able = [c for c in found if c.stopped_by is None]
    stopped = sorted((c for c in found if c.stopped_by is not None), key=lambda c: c.person.name)

    def key(c: Candidate) -> tuple[int, Decimal, str]:
        if c.headroom is None:
            return (1, Decimal(0), c.person.name)
        return (2 if c.over_after else 0, -c.headroom, c.person.name)

    return sorted(able, key=key), stopped


def needs_approval(able: list[Candidate]) -> Candidate | None:
    """The best choice when everyone whose capacity is known would go over it (and nobody has
    room): the one least over, whose allocation needs the pack's approval."""
    known = [c for c in able if c.headroom is not None]
    if not known or any(not c.over_after for c in known):
        return None
    best = min(known, key=lambda c: (-(c.headroom or Decimal(0)), c.person.name))
    return None if best.approved else best
