"""Where the record flow stands: show the current step again (prefilled) and move between steps.

Everything answered lives in FlowState.data (JSON-safe), saved by the engine after every answer,
so showing a step is always rebuilt from the data: a restarted bot continues where it stopped.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from dialogs.flow import FlowState, Outcome, Turn
from dialogs.flows.booking_checks import type_words
from dialogs.flows.record_caseload import caseload_choice, caseload_form, current_values, scheme_of
from dialogs.flows.record_content import content_from_draft, record_card
from dialogs.flows.record_forms import (
    action_form,
    case_form,
    cases_form,
    decision_form,
    next_form,
    sections_form,
)
from dialogs.flows.record_plan import RecordPlan, timing_text
from dialogs.i18n import N_, _, ngettext, pack_word
from dialogs.messages import AskChoice, Fact, Option, Reply, Say, Tone
from dialogs.views import SessionView
from dialogs.when import describe
from policy.vocabulary import SessionType

_ADD = frozenset({"add", "add another", "another", "yes", "y", "more"})
_DONE = frozenset({"done", "no", "n", "none", "finished", "no more", "next", "skip"})
_CONFIRM = frozenset({"confirm", "yes", "y", "save", "ok"})


def supervisee_names(data: dict[str, Any]) -> str:
    return " and ".join(data["names"][str(i)] for i in data["supervisee_ids"])


def record_word(turn: Turn, data: dict[str, Any]) -> str:
    """What this record is called: its kind's label where the pack keeps several kinds."""
    return pack_word(
        turn.pack, str(data.get("kind_label") or turn.pack.terms.supervision_record.value)
    )


def session_of(data: dict[str, Any]) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(data["start"]), datetime.fromisoformat(data["end"])


def next_step(plan: RecordPlan, data: dict[str, Any], step: str) -> str:
    cases = data["cases"]
    if step.startswith("sections:"):
        index = int(step.split(":")[1]) + 1
        return f"sections:{index}" if index < len(plan.groups) else "cases"
    if step == "cases":
        return "case:0" if cases else "decisions"
    if step.startswith("case:"):
        index = int(step.split(":")[1]) + 1
        return f"case:{index}" if index < len(cases) else "decisions"
    if step == "next":
        return "caseload" if plan.scored and cases else "review"
    if step.startswith("caseload:"):
        index = int(step.split(":")[1]) + 1
        return f"caseload:{index}" if index < len(cases) else "review"
    return "review"


_LIST_WORDS = {
    "decision": {
        "more": N_("No more decisions"),
        "none": N_("No decisions"),
        "another": N_("Add another decision"),
        "add": N_("Add a decision"),
        "remove": N_("Remove the last decision"),
        "yet": N_("No decisions yet."),
        "heading": N_("{step}: decisions."),
    },
    "action": {
        "more": N_("No more actions"),
        "none": N_("No actions"),
        "another": N_("Add another action"),
        "add": N_("Add an action"),
        "remove": N_("Remove the last action"),
        "yet": N_("No actions yet."),
        "heading": N_("{step}: actions."),
    },
}


def _list_choice(plan: RecordPlan, step: str, kind: str, count: int) -> AskChoice:
    words = {k: _(v) for k, v in _LIST_WORDS[kind].items()}
    done = words["more"] if count else words["none"]
    options = [Option("add", words["another"] if count else words["add"]), Option("done", done)]
    if count:
        options.append(Option("remove", words["remove"]))
    if kind == "decision":
        so_far = ngettext("{n} decision so far.", "{n} decisions so far.", count)
    else:
        so_far = ngettext("{n} action so far.", "{n} actions so far.", count)
    so_far = so_far.format(n=count) if count else words["yet"]
    return AskChoice(words["heading"].format(step=plan.label(step)) + " " + so_far, tuple(options))


def review_card(plan: RecordPlan, turn: Turn, data: dict[str, Any]) -> Reply:
    start, end = session_of(data)
    content = content_from_draft(plan, data, data["names"], turn.zone)
    return record_card(
        f"{record_word(turn, data)}: {supervisee_names(data)}",
        _("{template}. {step}: check it, then confirm and sign.").format(
            template=pack_word(turn.pack, plan.template.title), step=plan.label("review")
        ),
        (
            Fact(
                _("Session"),
                f"{describe(start, turn.zone)} ({type_words(SessionType(data['type']))})",
            ),
            Fact(_("Supervisor"), turn.actor.name),
            Fact(_("Supervisee"), supervisee_names(data)),
            Fact(_("Written"), timing_text(turn.pack, end, turn.now, data.get("kind"))),
            *(Fact(label, value) for label, value in data.get("flags", ())),
        ),
        content,
        (Option("confirm", _("Confirm and sign")), Option("edit", _("Go back and change"))),
        pack=turn.pack,
    )


async def suggested_next(turn: Turn, data: dict[str, Any]) -> tuple[dict[str, str], str]:
    """Prefill the next meeting with one already booked, if there is one."""
    if data.get("next"):
        at = datetime.fromisoformat(data["next"]["at"]).astimezone(turn.zone)
        return {
            "next_at": f"{at:%d/%m/%Y %H:%M}",
            "book": "true" if data["next"]["book"] else "",
        }, ""
    for staff_id in data["supervisee_ids"]:
        for upcoming in await turn.ports.sessions.upcoming(staff_id, turn.now):
            if upcoming.supervisor_id == turn.actor.id:
                at = upcoming.start.astimezone(turn.zone)
                already = _("Already booked: {when}").format(
                    when=describe(upcoming.start, turn.zone)
                )
                return {"next_at": f"{at:%d/%m/%Y %H:%M}"}, already
    return {}, ""


async def clash(turn: Turn, data: dict[str, Any], at: datetime) -> SessionView | None:
    """A booked or held session of either party overlapping the proposed next meeting."""
    start, end = session_of(data)
    until = at + max(end - start, timedelta(minutes=30))
    for staff_id in [turn.actor.id, *data["supervisee_ids"]]:
        found = await turn.ports.sessions.between(staff_id, at, until)
        if found:
            return found[0]
    return None


async def show(turn: Turn, plan: RecordPlan, state: FlowState, *before: Reply) -> Outcome:
    data, step = state.data, state.step
    typed: dict[str, dict[str, str]] = data["typed"]
    who = supervisee_names(data)
    reply: Reply
    if step.startswith("sections:"):
        index = int(step.split(":")[1])
        start, _end = session_of(data)
        several = len(turn.pack.recording.record_kinds) > 1
        intro = _(
            "Supervision with {who} on {when}. Use case references only: never a child's name."
        ).format(who=who, when=describe(start, turn.zone))
        if several:
            intro = f"{record_word(turn, data)}: {intro}"
        reply = sections_form(plan, index, turn, typed.get(step, data["sections"]), intro)
    elif step == "cases":
        value = typed.get("cases", {}).get("cases", ",".join(data["cases"]))
        options = [(ref, label) for ref, _case, label in data["case_options"]]
        reply = cases_form(plan, options, value, who)
        if plan.first_step == "cases" and len(turn.pack.recording.record_kinds) > 1:
            # No general sections before: the record's first form says which record it is.
            reply = replace(reply, intro=f"{record_word(turn, data)}: {reply.intro}")
    elif step.startswith("case:"):
        index = int(step.split(":")[1])
        ref = data["cases"][index]
        values = typed.get(f"case:{ref}", data["case_notes"].get(ref, {}))
        reply = case_form(plan, turn, ref, index + 1, len(data["cases"]), values)
    elif step in ("decisions", "actions"):
        reply = _list_choice(plan, step, step[:-1], len(data[step]))
    elif step == "decision":
        reply = decision_form(plan, data["cases"], typed.get("decision", {}))
    elif step == "action":
        reply = action_form(plan, who, typed.get("action", {}))
    elif step == "next":
        values, help = await suggested_next(turn, data)
        reply = next_form(plan, typed.get("next", values), help)
    elif step == "caseload":
        scheme = scheme_of(turn)
        reply = caseload_choice(plan, scheme.name if scheme else "weighting")
    elif step.startswith("caseload:"):
        scheme = scheme_of(turn)
        ref = data["cases"][int(step.split(":")[1])]
        case = await turn.ports.cases.by_reference(turn.actor.organisation_id, ref)
        if scheme is None or case is None:
            state.step = "review"
            return await show(turn, plan, state, *before)
        reply = caseload_form(plan, scheme, case, typed.get(step, current_values(scheme, case)))
    else:
        state.step = "review"
        reply = review_card(plan, turn, data)
    return Outcome(replies=[*before, reply], state=state)


async def choose(turn: Turn, plan: RecordPlan, state: FlowState, value: str) -> Outcome | None:
    """A button (or its word typed) at a choice step; None when it means nothing here."""
    data, step = state.data, state.step
    word = value.strip().lower()
    if step in ("decisions", "decision", "actions", "action"):
        kind = step.rstrip("s")
        if word in _ADD:
            state.step = kind
        elif word in _DONE:
            state.step = "actions" if kind == "decision" else "next"
        elif word == "remove" and data[kind + "s"]:
            data[kind + "s"].pop()
            state.step = kind + "s"
            return await show(turn, plan, state, Say(_(_LIST_WORDS[kind]["remove"]) + "."))
        else:
            return None
        return await show(turn, plan, state)
    if step == "caseload":
        if word in ("update", "yes", "y"):
            state.step = "caseload:0"
        elif word in _DONE:
            state.step = "review"
        else:
            return None
        return await show(turn, plan, state)
    if step == "review" and word == "edit":
        state.step = plan.first_step
        note = Say(_("Change anything, then go through the steps again: every answer is kept."))
        return await show(turn, plan, state, note)
    return None


def confirm_word(step: str, value: str) -> bool:
    return step == "review" and value.strip().lower() in _CONFIRM


def keep_going(turn: Turn, plan: RecordPlan, state: FlowState) -> Say:
    return Say(
        _(
            "You are writing up the supervision with {who} ({step}). Everything you entered is "
            "kept: carry on below, or type cancel to stop."
        ).format(who=supervisee_names(state.data), step=plan.label(state.step)),
        Tone.INFO,
    )
