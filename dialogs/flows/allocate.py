""" "Who can take a new CP case?" and "what would Sam's score be with one?": what-if allocation.

Each worker's score (or count) now and with the case added, under the council's scheme and
caps, ranked by the room left after taking it. Nothing is written: the case joins a caseload
when the case system's next import shows it. Every answer is audited (who asked about whom), and
only a worker's managers may ask (a worker asking is told who can).
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

from dialogs.access import may_see_score
from dialogs.allocation import (
    NEW_CASE,
    Candidate,
    candidates,
    describe_shape,
    hypothetical_case,
    kind_name,
    needs_approval,
    ranked,
    read_shape,
    shape_words,
    stopped_text,
)
from dialogs.desk import audit_reads, desk_teams, members_of, who_to_ask
from dialogs.entities import extract
from dialogs.flow import FlowState, Outcome, Turn
from dialogs.flows.absence import kind_name as absence_name
from dialogs.flows.common import (
    check_form,
    field,
    relation_to,
    resolve_case,
    resolve_person,
    with_error,
)
from dialogs.i18n import N_, _, pack_word
from dialogs.messages import (
    AskForm,
    Card,
    CardSection,
    Fact,
    FieldKind,
    FormSubmit,
    Option,
    Payload,
    Say,
    Tone,
)
from dialogs.views import CaseView
from dialogs.when import describe_day
from policy.allocation import CaseShape
from policy.citations import cite
from scoring.explain import points_text
from scoring.vocabulary import CaseCategory

SHOWN = 12  # a team of twelve fits one card
_OTHER_KINDS = (  # the button's label (its kind) and what it asks, in read_shape's words
    (CaseCategory.CP, "a CP case"),
    (CaseCategory.CLA, "a CLA case"),
    (CaseCategory.CIN, "a CIN case"),
)
FORM = "(form)"  # the argument of the "Describe the case" button: the case as a form
_FORM_KINDS = (  # the kinds read_shape reads back from describe_shape's words
    CaseCategory.CP,
    CaseCategory.CIN,
    CaseCategory.CLA,
    CaseCategory.EARLY_HELP,
    CaseCategory.SIXTEEN_PLUS,
    CaseCategory.CARE_LEAVER,
    CaseCategory.PRIVATE_FOSTERING,
)
MOST_CHILDREN, MOST_MILES = 12, 500


def case_form(values: dict[str, str] | None = None) -> AskForm:
    """Issue 26: "who can take ...?" as a form, for a case easier to tick than to type."""
    values = values or {}
    kinds = tuple(Option(c.value, kind_name(c)) for c in _FORM_KINDS)
    form = AskForm(
        form_id="whocan",
        title=_("Who can take a case"),
        intro=_(
            "Describe the case: your team is ranked by the room left after taking it. "
            "Nothing is allocated or saved."
        ),
        fields=(
            field("kind", _("Kind of case"), FieldKind.SELECT, options=kinds, value="cp"),
            field(
                "children",
                _("Children"),
                FieldKind.NUMBER,
                value="1",
                help=_("A sibling group: 2 or more"),
            ),
            field("court", _("In court proceedings"), FieldKind.CHECKBOX, required=False),
            field("s47", _("A Section 47 enquiry"), FieldKind.CHECKBOX, required=False),
            field(
                "miles",
                _("Miles away"),
                FieldKind.NUMBER,
                required=False,
                help=_("Leave empty if not known"),
            ),
            field(
                "case",
                _("Or an existing case"),
                required=False,
                help=_("Its reference, e.g. C-1042: its worker is left out"),
                max_length=40,
            ),
        ),
        submit_label=_("Rank my team"),
    )
    fields = tuple(replace(f, value=values.get(f.name, f.value)) for f in form.fields)
    return replace(form, fields=fields)


def _form_problems(values: dict[str, str]) -> dict[str, str]:
    problems = {}
    if values.get("children") and not 1 <= int(values["children"]) <= MOST_CHILDREN:
        problems["children"] = _("Children: from 1 to {most}.").format(most=MOST_CHILDREN)
    if values.get("miles") and int(values["miles"]) > MOST_MILES:
        problems["miles"] = _("Miles away: up to {most}; leave it empty if not known.").format(
            most=MOST_MILES
        )
    return problems


def _described(values: dict[str, str]) -> str:
    """The form's answers in the words a manager would type, read as typing is (read_shape)."""
    miles = int(values["miles"]) if values.get("miles") else None
    court = values.get("court") == "true"
    if values.get("case"):
        return " ".join(
            [values["case"], *(["court"] if court else []), *([f"{miles} miles"] if miles else [])]
        )
    shape = CaseShape(
        category=CaseCategory(values["kind"]),
        children=int(values["children"]),
        court=court,
        miles=miles,
        section_47=values.get("s47") == "true",
    )
    return describe_shape(shape)


def _points(c: Candidate) -> str:
    if c.points_before is None or c.points_after is None:
        return _("cases {before} → {after}").format(
            before=c.before.case_count, after=c.after.case_count
        )
    return _("{before} → {after} points").format(
        before=points_text(c.points_before), after=points_text(c.points_after)
    )


def _room(c: Candidate) -> str:
    """ "3 points left", "1 case over": the room after taking it."""
    headroom = c.headroom if c.headroom is not None else Decimal(0)
    room = points_text(abs(headroom))
    if c.capacity is not None:
        text = _("{room} points over") if headroom < 0 else _("{room} points left")
    else:
        text = _("{room} cases over") if headroom < 0 else _("{room} cases left")
    return text.format(room=room)


def _line(c: Candidate, turn: Turn) -> str:
    parts = [f"{c.person.name}: {_points(c)}"]
    band = c.after.score.band if c.after.score else None
    if band is not None:
        parts.append(band.label)
    elif c.after.score is not None and c.after.cap is None:
        parts.append(_("no band for this role or grade in your scheme"))
    if c.headroom is not None:
        parts.append(_room(c))
    if c.after.cap is not None:
        parts.append(_("{count} of {cap} cases").format(count=c.after.case_count, cap=c.after.cap))
    if c.person.fte != 1:
        parts.append(_("FTE {fte}").format(fte=c.person.fte.normalize()))
    if c.asye_month is not None:
        parts.append(_("ASYE month {month}").format(month=c.asye_month))
    for away in c.leave[:2]:
        parts.append(
            f"{absence_name(away.kind)} {describe_day(away.start)}–{describe_day(away.end)}"
        )
    return "; ".join(parts)


def _approval(turn: Turn, best: Candidate, everyone: bool = True) -> tuple[str, Option]:
    """The pack's rule for allocating over the cap and whose agreement it needs (WSX/LUT
    001:85, CAP003 003:70-71), with the over-cap approval conversation offered."""
    rule = turn.pack.caseload.over_cap
    where = cite(turn.pack, rule.source)
    over = (
        _("Everyone with a capacity under your scheme would go over it with this case.")
        if everyone
        else _("{name} would go over it with this case.").format(name=best.person.first_name)
    )
    if rule.before_allocation:
        needs = _("Your policy needs the {approver}'s agreement before the case is allocated.")
    else:
        needs = _("Your policy needs the {approver}'s agreement when it is allocated.")
    needs = needs.format(approver=pack_word(turn.pack, rule.approver_label))
    text = f"{over} {needs}" if not where else f"{over} {needs[:-1]} ({where})."
    option = Option(
        f"start:overcap:{best.person.name}",
        _("Record approval for {name}").format(name=best.person.first_name),
    )
    return text, option


Asked = tuple[CaseShape, bool, str, set[int], CaseView, tuple[str, ...]]


async def _asked(turn: Turn, argument: str) -> Asked | Say:
    """The case asked about: described ("a CIN sibling group of 3, court") or an existing case
    by reference (whose current workers are left out). Returns the shape, whether its kind was
    said, its label, who to leave out, the case as the scheme records it and what it cannot
    score; or why not."""
    shape, said = read_shape(argument)
    reference = extract(argument).case
    exclude: set[int] = set()
    label = NEW_CASE
    if reference:
        case, problem = await resolve_case(turn, reference)
        if case is None:
            return Say(problem, Tone.WARNING)
        shape = CaseShape(case.category, case.children, shape.court, shape.miles)
        said, label = True, case.reference
        exclude = set(await turn.ports.cases.workers(case.id, turn.today))
    scheme_rule = turn.pack.caseload.weighting_scheme
    scheme = turn.ports.packs.scheme(scheme_rule.value) if scheme_rule else None
    case_view, unscored = hypothetical_case(shape, scheme, turn.today, label)
    return shape, said, label, exclude, case_view, unscored


class WhoCanFlow:
    name = "whocan"
    title = N_("Who can take a case")
    summary = N_("your team ranked by room left if they took a new case (nothing is allocated)")
    usage = N_("whocan [CP | CIN | CLA] [sibling group of N] [court] [N miles] [case ref]")
    captures_text = False
    menu = False

    async def start(self, turn: Turn, argument: str) -> Outcome:
        teams = await desk_teams(turn)
        if teams and argument == FORM:
            return Outcome(replies=[case_form()], state=FlowState(self.name, "form"))
        if not teams:
            ask = await who_to_ask(turn)
            return Outcome(
                replies=[
                    Say(
                        _(
                            "Finding who can take a case is for team managers: ask {ask}. For "
                            'your own room, ask "what\'s my caseload score".'
                        ).format(ask=ask),
                        Tone.WARNING,
                    )
                ]
            )
        asked = await _asked(turn, argument)
        if isinstance(asked, Say):
            return Outcome(replies=[asked])
        shape, said, label, exclude, case_view, unscored = asked
        members = [m for m in await members_of(turn, teams) if m.id not in exclude]
        found = await candidates(turn, members, shape, case_view)
        people = [c.person for c in found]
        await audit_reads(turn, "allocation_what_if", people, describe_shape(shape))
        able, stopped = ranked(found)
        what = label if label != NEW_CASE else describe_shape(shape)  # read back by a button
        sections = [
            CardSection(
                _("Most room after taking it"),
                tuple(f"{n}. {_line(c, turn)}" for n, c in enumerate(able[:SHOWN], 1))
                or (_("Nobody in the team holds cases."),),
            )
        ]
        if stopped:
            sections.append(
                CardSection(
                    _("Cannot take it"),
                    tuple(
                        f"{c.person.name}: {stopped_text(turn.pack, c.stopped_by)} "
                        f"({cite(turn.pack, c.stopped_by.source) or c.stopped_by.source})"
                        for c in stopped
                        if c.stopped_by is not None
                    ),
                )
            )
        notes = list(unscored)
        if not said:
            notes.append(_("No case type was given: scored as a CIN case. Pick another below."))
        actions = [
            Option(
                f"start:whatif:{c.person.name} {what}",
                _("Details: {name}").format(name=c.person.first_name),
            )
            for c in able[:2]
        ]
        replies: list[Card | Say] = []
        over = needs_approval(able)
        approval = _approval(turn, over) if over is not None else None
        if approval is not None:
            notes.append(approval[0])
            actions.append(approval[1])
        if not said:
            actions += [Option(f"start:whocan:{text}", kind_name(k)) for k, text in _OTHER_KINDS]
            actions.append(Option(f"start:whocan:{FORM}", _("Describe the case")))
        if notes:
            sections.append(CardSection(_("Please note"), tuple(notes)))
        replies.append(
            Card(
                title=_("Who can take {what}: {teams}").format(
                    what=shape_words(shape, label), teams=", ".join(t.name for t in teams)
                ),
                subtitle=_(
                    "Scores now → after, on {day}. Nothing is allocated or saved: allocate in "
                    "the case system as usual."
                ).format(day=describe_day(turn.today)),
                facts=(Fact(_("People compared"), str(len(found))),),
                sections=tuple(sections),
                actions=tuple(actions),
            )
        )
        return Outcome(replies=list(replies))

    async def resume(self, turn: Turn, state: FlowState, payload: Payload) -> Outcome:
        if state.step != "form":
            return Outcome(replies=[Say(_("Ask me again, or type help."))])
        if not isinstance(payload, FormSubmit):
            return Outcome(
                replies=[
                    Say(_("Fill in the form above, or type cancel."), Tone.WARNING),
                    case_form(),
                ],
                state=state,
            )
        checked = check_form(case_form(), payload.values, turn)
        problems = _form_problems(checked.values) if checked.ok else {}
        if checked.ok and checked.values.get("case"):
            case, problem = await resolve_case(turn, checked.values["case"])
            if case is None:
                problems["case"] = problem
        if not checked.ok or problems:
            form = checked.form
            for name, problem in problems.items():
                form = with_error(form, name, problem)
            return Outcome(replies=[form], state=state)
        return await self.start(turn, _described(checked.values))


class WhatIfFlow:
    name = "whatif"
    title = N_("What-if score")
    summary = N_("one worker's score and band if they took a new case, and what changes")
    usage = N_("whatif [person] [CP | CIN | CLA] [sibling group of N] [court] [N miles]")
    captures_text = False
    menu = False

    async def start(self, turn: Turn, argument: str) -> Outcome:
        person = turn.actor
        typed = extract(argument).person
        if typed and typed.lower() not in {"me", "my", "i"}:
            named, problem = await resolve_person(turn, typed)
            if named is None:
                return Outcome(replies=[Say(problem, Tone.WARNING)])
            person = named
        rel = await relation_to(turn, person)
        if not may_see_score(rel):
            ask = await who_to_ask(turn)
            return Outcome(
                replies=[
                    Say(
                        _(
                            "Only {name} and their managers can see their score; for "
                            "allocation, ask {ask}."
                        ).format(name=person.first_name, ask=ask),
                        Tone.WARNING,
                    )
                ]
            )
        if re.search(r"\bclos(e|ed|ing)\b", argument, re.IGNORECASE):
            return Outcome(
                replies=[
                    Say(
                        _(
                            "I model a case being added. What drops off a score, and when, is in "
                            '"Changes coming" on the caseload card: ask "caseload".'
                        )
                    )
                ]
            )
        asked = await _asked(turn, argument)
        if isinstance(asked, Say):
            return Outcome(replies=[asked])
        shape, said, label, exclude, case_view, unscored = asked
        if person.id in exclude:
            said_already = _("{name} already holds {case}.").format(name=person.name, case=label)
            return Outcome(replies=[Say(said_already)])
        found = await candidates(turn, [person], shape, case_view)
        if not found:
            text = _("{name} does not hold cases in your council's scheme.").format(
                name=person.name
            )
            return Outcome(replies=[Say(text)])
        one = found[0]
        await audit_reads(turn, "allocation_what_if", [person], describe_shape(shape))
        return Outcome(replies=[_what_if_card(turn, one, shape, label, said, unscored)])

    async def resume(self, turn: Turn, state: FlowState, payload: Payload) -> Outcome:
        return Outcome(replies=[Say(_("Ask me again, or type help."))])


def _what_if_card(
    turn: Turn, c: Candidate, shape: CaseShape, label: str, said: bool, unscored: tuple[str, ...]
) -> Card:
    own = c.person.id == turn.actor.id
    facts = [Fact(_("Now → with it"), _points(c))]
    before_band = c.before.score.band if c.before.score else None
    after_band = c.after.score.band if c.after.score else None
    if after_band is not None:
        was = before_band.label if before_band else _("no band")
        facts.append(
            Fact(
                _("Band"),
                after_band.label if was == after_band.label else f"{was} → {after_band.label}",
            )
        )
    if c.headroom is not None:
        facts.append(Fact(_("Room after"), _room(c)))
    if c.after.cap is not None:
        facts.append(
            Fact(
                _("Cases (children)"),
                _("{before} → {after} of {cap}").format(
                    before=c.before.case_count, after=c.after.case_count, cap=c.after.cap
                ),
            )
        )
    sections = []
    new = next(
        (s for s in (c.after.score.cases if c.after.score else ()) if s.reference == label), None
    )
    if new is not None:
        sections.append(
            CardSection(
                _("What the new case adds: {points} points").format(points=points_text(new.points)),
                tuple(f"{points_text(line.points)} — {line.name}" for line in new.lines),
            )
        )
    notes = list(unscored)
    if c.stopped_by is not None:
        where = cite(turn.pack, c.stopped_by.source) or c.stopped_by.source
        notes.append(
            _("Cannot take it: {why} ({where})").format(
                why=stopped_text(turn.pack, c.stopped_by), where=where
            )
        )
    actions = []
    if c.over_after and not c.approved:
        text, option = _approval(turn, c, everyone=False)
        notes.append(text)
        if not own:
            actions.append(option)
    if not said:
        notes.append(_("No case type was given: scored as a CIN case."))
    if notes:
        sections.append(CardSection(_("Please note"), tuple(notes)))
    what = shape_words(shape, label)
    return Card(
        title=(
            _("What if you took {what}").format(what=what)
            if own
            else _("What if {name} took {what}").format(name=c.person.name, what=what)
        ),
        subtitle=_("On {day}. Nothing is allocated or saved.").format(day=describe_day(turn.today)),
        facts=tuple(facts),
        sections=tuple(sections),
        actions=tuple(actions),
    )
