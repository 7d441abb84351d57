"""A form submitted in the record flow: check it, keep what was typed, move on when it is right."""

from __future__ import annotations

from typing import Any

from dialogs.flow import FlowState, Outcome, Turn
from dialogs.flows.common import (
    Checked,
    check_form,
    day_value,
    resolve_case,
    resolve_person,
    when_value,
    with_error,
)
from dialogs.flows.record_caseload import apply_facts, caseload_form, scheme_of, score_cards
from dialogs.flows.record_forms import (
    action_form,
    case_form,
    cases_form,
    check_decision,
    check_sections,
    next_form,
    parse_cases,
    ticked,
)
from dialogs.flows.record_plan import RecordPlan
from dialogs.flows.record_steps import clash, next_step, show, supervisee_names
from dialogs.i18n import _
from dialogs.inputs import NEXT_YEAR
from dialogs.messages import FormSubmit, Reply, Say, Tone
from dialogs.views import StaffView
from dialogs.when import describe, describe_day

_ME = frozenset({"me", "myself", "i", "supervisor"})

EXPECTED = {
    "cases": "record_cases",
    "decision": "record_decision",
    "action": "record_action",
    "next": "record_next",
}


def expected_form(step: str) -> str:
    if step.startswith("sections:"):
        return f"record_sections_{step.split(':')[1]}"
    if step.startswith("case:"):
        return "record_case"
    if step.startswith("caseload:"):
        return "record_caseload"
    return EXPECTED.get(step, "")


def _again(state: FlowState, checked: Checked) -> Outcome:
    return Outcome(replies=[checked.form], state=state)


async def submit(turn: Turn, plan: RecordPlan, state: FlowState, form: FormSubmit) -> Outcome:
    data, step = state.data, state.step
    if form.form_id != expected_form(step):
        note = Say(_("That form belongs to another step; here is where you are."), Tone.WARNING)
        return await show(turn, plan, state, note)
    typed: dict[str, dict[str, str]] = data["typed"]
    who = supervisee_names(data)
    before: list[Reply] = []
    if step.startswith("sections:"):
        checked = check_sections(plan, int(step.split(":")[1]), form.values, turn)
        typed[step] = checked.values
        if not checked.ok:
            return _again(state, checked)
        data["sections"].update(checked.values)
    elif step == "cases":
        options = [(ref, label) for ref, _, label in data["case_options"]]
        checked = check_form(cases_form(plan, options, "", who), form.values, turn)
        typed[step] = checked.values
        chosen, problem = parse_cases(checked.values["cases"], [r for r, _ in options], who)
        if problem:
            return _again(state, Checked(with_error(checked.form, "cases", problem), {}))
        if not checked.ok:
            return _again(state, checked)
        data["cases"] = chosen
    elif step.startswith("case:"):
        index = int(step.split(":")[1])
        ref = data["cases"][index]
        blank = case_form(plan, turn, ref, index + 1, len(data["cases"]), {})
        checked = check_form(blank, form.values, turn)
        typed[f"case:{ref}"] = checked.values
        if not checked.ok:
            return _again(state, checked)
        data["case_notes"][ref] = checked.values
    elif step == "decision":
        return await _decision(turn, plan, state, form)
    elif step == "action":
        return await _action(turn, plan, state, form)
    elif step == "next":
        checked = check_form(
            next_form(plan, {}),
            form.values,
            turn,
            future_only=("next_at",),
            windows={"next_at": NEXT_YEAR},
        )
        typed[step] = checked.values
        if not checked.ok:
            return _again(state, checked)
        at = when_value(checked.values, "next_at", turn)
        book = ticked(checked.values.get("book", ""))
        found = await clash(turn, data, at) if book else None
        if found is not None:
            error = _(
                "That clashes with a session at {when}. Choose another time, or untick 'Book it "
                "now' if that session is the next meeting."
            ).format(when=describe(found.start, turn.zone))
            return _again(state, Checked(with_error(checked.form, "next_at", error), {}))
        data["next"] = {"at": at.isoformat(), "book": book}
    elif step.startswith("caseload:"):
        scheme = scheme_of(turn)
        ref = data["cases"][int(step.split(":")[1])]
        case = await turn.ports.cases.by_reference(turn.actor.organisation_id, ref)
        if scheme is not None and case is not None:
            checked = check_form(caseload_form(plan, scheme, case, {}), form.values, turn)
            typed[step] = checked.values
            if not checked.ok:
                return _again(state, checked)
            await apply_facts(turn, scheme, case, checked.values, data["supervisee_ids"][0])
            data["caseload"].append(ref)
    state.step = next_step(plan, data, step)
    if step.startswith("caseload:") and state.step == "review":
        before = [Say(_("Weighting facts saved to the cases."), Tone.SUCCESS)]
        before += await score_cards(turn, data["supervisee_ids"])
    return await show(turn, plan, state, *before)


async def _decision(turn: Turn, plan: RecordPlan, state: FlowState, form: FormSubmit) -> Outcome:
    data = state.data
    checked = check_decision(plan, data["cases"], form.values, turn)
    data["typed"]["decision"] = checked.values
    reference = checked.values.get("case", "").strip().upper()
    known = [ref for ref, _, _ in data["case_options"]]
    if reference and reference not in known:
        case, problem = await resolve_case(turn, reference)
        if case is not None:
            problem = _("{reference} is not one of {name}'s open cases.").format(
                reference=reference, name=supervisee_names(data)
            )
        checked = Checked(with_error(checked.form, "case", problem), checked.values)
    if not checked.ok:
        return _again(state, checked)
    entry = {k: checked.values[k] for k in ("decision", "rationale")}
    data["decisions"].append({"case": reference, **entry})
    del data["typed"]["decision"]
    state.step = "decisions"
    return await show(turn, plan, state, Say(_("Decision added."), Tone.SUCCESS))


async def _owner(turn: Turn, data: dict[str, Any], typed: str) -> tuple[StaffView | None, str]:
    """Who will do an action planned in this supervision (DCC 000:103: "by whom"): its two
    parties, or a colleague in the supervisee's team or a team the supervisor manages. Someone
    in another team is not given work from a supervision they were not in."""
    text = typed.strip()
    if text.lower() in _ME:
        return turn.actor, ""
    if text.lower() == "supervisee" and len(data["supervisee_ids"]) == 1:
        return await turn.ports.directory.staff(data["supervisee_ids"][0]), ""
    person, problem = await resolve_person(turn, text)
    if person is None or person.id == turn.actor.id or person.id in data["supervisee_ids"]:
        return person, problem
    directory = turn.ports.directory
    teams = {t.id: t.name for t in await directory.teams_managed_by(turn.actor.id)}
    for staff_id in data["supervisee_ids"]:
        supervisee = await directory.staff(staff_id)
        team = (
            await directory.team(supervisee.team_id) if supervisee and supervisee.team_id else None
        )
        if team is not None:
            teams[team.id] = team.name
    if person.team_id in teams:
        return person, ""
    where = _(" or ").join(sorted(teams.values())) or _("your team")
    return None, (
        _(
            "{name} is not in this supervision or its team. Give the action to you, {supervisee} "
            "or a colleague in {where}."
        ).format(name=person.name, supervisee=supervisee_names(data), where=where)
    )


async def _action(turn: Turn, plan: RecordPlan, state: FlowState, form: FormSubmit) -> Outcome:
    data = state.data
    checked = check_form(
        action_form(plan, supervisee_names(data), {}),
        form.values,
        turn,
        windows={"due": NEXT_YEAR, "review": NEXT_YEAR},
    )
    data["typed"]["action"] = checked.values
    if not checked.ok:
        return _again(state, checked)
    values, result = checked.values, checked.form
    owner, problem = await _owner(turn, data, values["owner"])
    if owner is None:
        result = with_error(result, "owner", problem or "Who will do it? Name one person.")
    due = day_value(values, "due", turn)
    if due < turn.today:
        result = with_error(result, "due", "Done by: that date has passed. Choose today or later.")
    review = day_value(values, "review", turn) if values.get("review") else None
    if review is not None and review < due:
        error = _("Reviewed on must be on or after the date it is done by ({day}).").format(
            day=describe_day(due)
        )
        result = with_error(result, "review", error)
    if result.has_errors or owner is None:
        return Outcome(replies=[result], state=state)
    data["names"][str(owner.id)] = owner.name
    data["actions"].append(
        {
            "description": values["description"],
            "owner_id": owner.id,
            "due": due.isoformat(),
            "review": review.isoformat() if review else None,
            "success": values.get("success") or None,
        }
    )
    del data["typed"]["action"]
    state.step = "actions"
    added = Say(_("Action added for {name}.").format(name=owner.name), Tone.SUCCESS)
    return await show(turn, plan, state, added)
