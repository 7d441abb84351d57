"""The record's optional caseload step: update the weighting facts of the cases discussed.

DCC 000:427: where the Workload Management Scheme is used it is part of supervision; the new score
is shown at once with dialogs.scores, as the caseload flow shows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dialogs.flow import Turn
from dialogs.flows.caseload import summary_card
from dialogs.flows.common import field, prefilled
from dialogs.flows.record_forms import ticked
from dialogs.flows.record_plan import RecordPlan
from dialogs.messages import AskChoice, AskForm, FieldKind, FormField, Option, Reply
from dialogs.scores import caseload_of
from dialogs.views import CaseView
from scoring.scheme_model import Scheme


def scheme_of(turn: Turn) -> Scheme | None:
    rule = turn.pack.caseload.weighting_scheme
    return turn.ports.packs.scheme(rule.value) if rule is not None else None


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def caseload_choice(plan: RecordPlan, scheme_name: str) -> AskChoice:
    return AskChoice(
        f"{plan.label('caseload')}: caseload (optional). Update the {scheme_name} facts of the "
        "cases discussed and see the new score?",
        (Option("update", "Update the cases' facts"), Option("skip", "Skip")),
    )


def caseload_form(
    plan: RecordPlan, scheme: Scheme, case: CaseView, values: Mapping[str, str]
) -> AskForm:
    fields: list[FormField] = []
    for name, options in sorted(scheme.facts.choices.items()):
        fields.append(
            field(
                name,
                _label(name),
                FieldKind.SELECT,
                required=False,
                options=tuple(Option(v, _label(v)) for v in sorted(options)),
                help="Leave empty if it does not apply",
            )
        )
    for name, meaning in scheme.facts.flags.items():
        fields.append(field(name, _label(name), FieldKind.CHECKBOX, required=False, help=meaning))
    form = AskForm(
        form_id="record_caseload",
        title=f"Weighting facts: {case.reference}",
        intro=f"{scheme.name}: tick what applies to {case.reference} now.",
        fields=tuple(fields),
        submit_label="Save facts",
        step=plan.label("caseload"),
    )
    return prefilled(form, values)


def current_values(scheme: Scheme, case: CaseView) -> dict[str, str]:
    values = {name: str(case.facts.get(name, "")) for name in scheme.facts.choices}
    values.update({name: "true" for name in scheme.facts.flags if case.facts.get(name) is True})
    return values


async def apply_facts(
    turn: Turn, scheme: Scheme, case: CaseView, values: Mapping[str, str], worker_id: int
) -> None:
    """Keep facts this form does not ask about (dates, tasks); set or clear those it does."""
    facts: dict[str, Any] = dict(case.facts)
    for name in scheme.facts.choices:
        if values.get(name):
            facts[name] = values[name]
        else:
            facts.pop(name, None)
    for name in scheme.facts.flags:
        if ticked(values.get(name, "")):
            facts[name] = True
        else:
            facts.pop(name, None)
    await turn.ports.cases.update_facts(case.id, facts)
    await turn.ports.audit.record(
        actor_id=turn.actor.id,
        action="write",
        subject_type="case_facts",
        subject_id=str(case.id),
        target_staff_id=worker_id,
        reason="updated in supervision",
    )


async def score_cards(turn: Turn, supervisee_ids: list[int]) -> list[Reply]:
    cards: list[Reply] = []
    for staff_id in supervisee_ids:
        person = await turn.ports.directory.staff(staff_id)
        if person is not None:
            cards.append(summary_card(await caseload_of(turn, person), own=False))
            await turn.ports.audit.record(
                actor_id=turn.actor.id,
                action="read",
                subject_type="caseload_score",
                subject_id=str(person.id),
                target_staff_id=person.id,
            )
    return cards
