"""The agenda for a booked supervision (issue 27): prepared for the supervisor and the supervisee.

Every seed template has the supervisor go through the worker's cases, children due case
supervision first and child protection before the others (LAM 004:257-262 set the interval by
the child's status), with the last decision and the actions agreed last time (DCC 000:155-160,
"Agreed actions and by whom"). The agenda lists them, from the same due items "What's due"
uses (policy.obligations), the caseload score (dialogs.scores), the last record's actions and
the pack's template headings. Case references only, never names; a private card, never posted
in a channel (the actions are record content).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from dialogs.flow import Turn
from dialogs.messages import Card, CardSection, Fact
from dialogs.scores import caseload_of
from dialogs.views import ActionView, CaseView, SessionView, StaffView
from dialogs.when import describe, describe_day
from policy.actions import ActionOutcome
from policy.obligations import due_items
from scoring.explain import points_text
from scoring.vocabulary import CaseCategory

# Child protection first, then children looked after, then children in need (LAM 004:257-262:
# the shortest intervals first); any other status the pack gives an interval comes after.
ORDER = {CaseCategory.CP: 0, CaseCategory.CLA: 1, CaseCategory.CIN: 2}
CASES_ON_AGENDA = 20
ACTIONS_ON_AGENDA = 12


def _rank(category: CaseCategory | None) -> int:
    return ORDER.get(category, len(ORDER)) if category is not None else len(ORDER)


def action_status(action: ActionView, on: date) -> str:
    if action.done:
        return "no longer needed" if action.closed_as == ActionOutcome.NOT_NEEDED else "done"
    late = (on - action.due_date).days
    if late > 0:
        return f"open, due {describe_day(action.due_date)} ({late} days overdue)"
    return f"open, due {describe_day(action.due_date)}"


async def agenda_card(turn: Turn, session: SessionView, supervisee: StaffView) -> Card:
    """The agenda of `session` for `supervisee`, as of the session's day: children whose case
    supervision is due by then, the caseload, the last record's actions, the template's
    headings. The same card for the supervisor and the supervisee."""
    on = session.start.astimezone(turn.zone).date()
    pack = turn.pack
    sections: list[CardSection] = []

    held = await turn.ports.cases.open_cases(supervisee.id, turn.today)
    if pack.case_supervision is None:
        # No per-child interval (DCC): the cases discussed in the 1:1 are named in its record
        # (000:153), so all the worker's open cases are listed, CP first.
        sections.append(await _cases_to_review(turn, held))
    else:
        sections.append(await _cases_due(turn, supervisee, held, on))

    result = await caseload_of(turn, supervisee)
    facts = [
        Fact("When", describe(session.start, turn.zone)),
        Fact("Supervisee", supervisee.name),
    ]
    if result.score is not None:
        band = f", {result.score.band.label}" if result.score.band is not None else ""
        facts.append(Fact("Caseload", f"{points_text(result.score.total)} points{band}"))
    facts.append(Fact("Cases (children)", str(result.case_count)))

    actions: dict[int, ActionView] = {}
    for action in await turn.ports.records.last_actions(supervisee.id):
        actions[action.id] = action
    for action in await turn.ports.records.open_actions(supervisee.id):
        actions.setdefault(action.id, action)
    ordered = sorted(actions.values(), key=lambda a: (a.done, a.due_date, a.id))
    sections.append(
        CardSection(
            "Actions from the last record",
            tuple(
                f"{a.description}: {action_status(a, turn.today)}"
                for a in ordered[:ACTIONS_ON_AGENDA]
            )
            or ("No actions recorded.",),
        )
    )

    if pack.reflection is not None:
        answer = await turn.ports.sessions.reflection(session.id, supervisee.id)
        sections.append(
            CardSection(
                f"{supervisee.first_name}'s reflection",
                (answer,) if answer else ("Not answered (optional).",),
            )
        )

    template = next((t for t in pack.templates if session.type in t.used_for), None)
    if template is not None:
        sections.append(
            CardSection(f"Headings ({template.title})", tuple(s.title for s in template.sections))
        )
    return Card(
        title="Agenda for your supervision",
        subtitle=f"Prepared {describe_day(turn.today)}; private to you",
        facts=tuple(facts),
        sections=tuple(sections),
    )


async def _cases_due(
    turn: Turn, supervisee: StaffView, held: Sequence[CaseView], on: date
) -> CardSection:
    """Children whose case supervision is due by the session's day (LAM 004:257-262), CP
    first, then CLA, CIN, each by due date, with the day of its last manager's decision."""
    inputs = await turn.ports.facts.for_staff([supervisee.id], turn.today)
    me = next((s for s in inputs.staff if s.id == supervisee.id), None)
    due = []
    if me is not None:
        items = due_items(me, turn.pack, inputs.sessions, inputs.absences, inputs.cases, turn.today)
        due = [
            i
            for i in items
            if i.kind == "case_supervision" and i.case_reference and i.due and i.due <= on
        ]
    by_reference = {c.reference: c for c in held}
    due.sort(
        key=lambda i: (
            _rank(
                by_reference[i.case_reference].category
                if i.case_reference in by_reference
                else None
            ),
            i.due,
            i.case_reference,
        )
    )
    cases = [by_reference[i.case_reference] for i in due if i.case_reference in by_reference]
    decided = await turn.ports.cases.last_decisions([c.id for c in cases])
    lines = []
    for item in due[:CASES_ON_AGENDA]:
        case = by_reference.get(item.case_reference or "")
        if case is None or item.due is None:
            continue
        when = (
            f"overdue since {describe_day(item.due)}"
            if item.due < turn.today
            else f"due {describe_day(item.due)}"
        )
        lines.append(f"{_label(case)}: {when}; {_decision(decided.get(case.id))}")
    if len(due) > CASES_ON_AGENDA:
        lines.append(f"and {len(due) - CASES_ON_AGENDA} more: 'due' lists them all")
    return CardSection(
        "Children due case supervision", tuple(lines) or ("None due by this session.",)
    )


async def _cases_to_review(turn: Turn, held: Sequence[CaseView]) -> CardSection:
    ordered = sorted(held, key=lambda c: (_rank(c.category), c.reference))
    decided = await turn.ports.cases.last_decisions([c.id for c in ordered[:CASES_ON_AGENDA]])
    lines = [f"{_label(c)}: {_decision(decided.get(c.id))}" for c in ordered[:CASES_ON_AGENDA]]
    if len(ordered) > CASES_ON_AGENDA:
        lines.append(f"and {len(ordered) - CASES_ON_AGENDA} more")
    return CardSection("Cases to review", tuple(lines) or ("No open cases.",))


def _label(case: CaseView) -> str:
    return f"{case.reference} ({case.category.value.replace('_', ' ').upper()})"


def _decision(day: date | None) -> str:
    if day is None:
        return "no manager's decision recorded here"
    return f"last manager's decision {describe_day(day)}"
