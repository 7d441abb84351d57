"""Manager decision in one message: "decision C-1042 step down to CIN because risks reduced".

DCC 000:180-184: decisions taken outside supervision are recorded on the child's record with the
note type "Managers Decision"; LAM 004:292-294 calls it case management oversight and requires the
rationale. The pack's `terms.manager_decision` names it. Only the case worker's managers make and
record one (dialogs.access.may_decide): DCC 000:184 lets the worker record it "by agreement",
but nothing here records that agreement, so a worker is told which managers can.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from dialogs.access import may_decide
from dialogs.flow import FlowState, Outcome, Turn
from dialogs.flows.common import (
    LONG_TEXT,
    check_form,
    day_value,
    field,
    find_case_reference,
    prefilled,
    relation_to,
    resolve_case,
    with_error,
)
from dialogs.i18n import N_, _, pack_word
from dialogs.inputs import LAST_YEAR
from dialogs.messages import (
    AskForm,
    Card,
    Choice,
    Fact,
    FieldKind,
    FormSubmit,
    Option,
    Payload,
    Reply,
    Say,
    Text,
    Tone,
)
from dialogs.recipients import notice
from dialogs.when import describe_day

_BECAUSE = re.compile(r"\s+(?:because|as|since|rationale:?|reason:?)\s+", re.IGNORECASE)


def split_decision(text: str) -> dict[str, str]:
    """'C-1042 step down to CIN because risks reduced' -> case, decision and rationale."""
    values: dict[str, str] = {}
    reference = find_case_reference(text)
    rest = text
    if reference:
        values["case"] = reference
        rest = re.sub(re.escape(reference), "", text, count=1, flags=re.IGNORECASE)
    rest = rest.lstrip(" :-,.").rstrip()
    parts = _BECAUSE.split(rest, maxsplit=1)
    if parts and parts[0].strip():
        values["decision"] = parts[0].strip()
    if len(parts) > 1 and parts[1].strip():
        values["rationale"] = parts[1].strip()
    return values


def _names(names: Sequence[str]) -> str:
    if len(names) == 1:
        return names[0]
    return _("{names} or {last}").format(names=", ".join(names[:-1]), last=names[-1])


@dataclass(frozen=True)
class DecisionFlow:
    name: str = "decision"
    title: str = N_("Record a manager decision")
    summary: str = N_("record a decision on a case with its rationale, in one message")
    usage: str = N_("decision C-1042 <decision> because <rationale>")

    def form(self, turn: Turn) -> AskForm:
        term = pack_word(turn.pack, turn.pack.terms.manager_decision.value)
        return AskForm(
            form_id="decision",
            title=_("Record a {term}").format(term=term),
            intro=_("Case references only: never a child's name."),
            fields=(
                field(
                    "case",
                    _("Case reference"),
                    help=_("As in the case management system, e.g. C-1042"),
                ),
                field("decision", _("Decision"), FieldKind.TEXTAREA, max_length=2000),
                field(
                    "rationale",
                    _("Rationale"),
                    FieldKind.TEXTAREA,
                    max_length=LONG_TEXT,
                    help=_("Why: every decision needs its rationale (LAM 004:543)"),
                ),
                field("decided_on", _("Date of the decision"), FieldKind.DATE, value="today"),
            ),
            submit_label=_("Check and confirm"),
        )

    async def start(self, turn: Turn, argument: str) -> Outcome:
        values = split_decision(argument) if argument else {}
        values.setdefault("decided_on", "today")
        return await self._check(turn, values)

    async def _check(self, turn: Turn, values: dict[str, str]) -> Outcome:
        checked = check_form(self.form(turn), values, turn, windows={"decided_on": LAST_YEAR})
        form = checked.form
        state = FlowState(self.name, "form", {"values": checked.values})
        if not checked.ok:
            if not any(values.get(k) for k in ("case", "decision", "rationale")):
                form = prefilled(self.form(turn), checked.values)  # a fresh start shows no errors
            return Outcome(replies=[form], state=state)
        case, problem = await resolve_case(turn, checked.values["case"])
        if case is None:
            return Outcome(replies=[with_error(form, "case", problem)], state=state)
        workers = await turn.ports.cases.workers(case.id, turn.today)
        why = await self._not_yours(turn, case.reference, workers)
        if why:
            return Outcome(replies=[with_error(form, "case", why)], state=state)
        decided_on = day_value(checked.values, "decided_on", turn)
        when_wrong = ""
        if decided_on > turn.today:
            when_wrong = _("A decision cannot be dated in the future.")
        elif decided_on < case.opened:
            opened = describe_day(case.opened)
            when_wrong = _("{reference} was opened on {day}: date the decision from then.").format(
                reference=case.reference, day=opened
            )
        if when_wrong:
            return Outcome(replies=[with_error(form, "decided_on", when_wrong)], state=state)
        data: dict[str, Any] = {
            "values": checked.values,
            "case_id": case.id,
            "reference": case.reference,
            "decided_on": decided_on.isoformat(),
            "workers": list(workers),
        }
        term = pack_word(turn.pack, turn.pack.terms.manager_decision.value)
        card = Card(
            title=f"{term}: {case.reference}",
            subtitle=_("Check, then confirm to add it to the case record."),
            facts=(
                Fact(_("Decision"), checked.values["decision"]),
                Fact(_("Rationale"), checked.values["rationale"]),
                Fact(_("Date"), describe_day(decided_on)),
                Fact(_("Recorded by"), turn.actor.name),
            ),
            actions=(Option("confirm", _("Confirm")), Option("edit", _("Change"))),
        )
        return Outcome(replies=[card], state=FlowState(self.name, "confirm", data))

    async def _not_yours(self, turn: Turn, reference: str, workers: Sequence[int]) -> str:
        """Why the actor may not record a decision on the case, naming who may; "" if they may."""
        term = pack_word(turn.pack, turn.pack.terms.manager_decision.value)
        managers: dict[int, str] = {}
        for worker_id in workers:
            worker = await turn.ports.directory.staff(worker_id)
            if worker is None:
                continue
            if may_decide(await relation_to(turn, worker)):
                return ""
            team = await turn.ports.directory.team(worker.team_id) if worker.team_id else None
            for manager_id in (worker.line_manager_id, team.manager_id if team else None):
                manager = await turn.ports.directory.staff(manager_id) if manager_id else None
                if manager is not None and manager.id != worker.id:
                    managers.setdefault(manager.id, manager.name)
        if not managers:
            return _(
                "Nobody here manages the work on {reference} (it has no allocated worker with "
                "a manager), so no {term} can be recorded on it yet."
            ).format(reference=reference, term=term)
        return _(
            "A {term} on {reference} is made and recorded by its worker's managers: "
            "{names}. Ask them to record it."
        ).format(term=term, reference=reference, names=_names(list(managers.values())))

    async def resume(self, turn: Turn, state: FlowState, payload: Payload) -> Outcome:
        values: dict[str, str] = dict(state.data.get("values", {}))
        match payload:
            case FormSubmit(values=submitted):
                return await self._check(turn, dict(submitted))
            case Choice(value="edit"):
                return Outcome(
                    replies=[prefilled(self.form(turn), values)],
                    state=FlowState(self.name, "form", {"values": values}),
                )
            case Choice(value="confirm") if state.step == "confirm":
                return await self._save(turn, state)
            case Text(text=text) if state.step == "confirm" and text.strip().lower() in {
                "yes",
                "y",
                "confirm",
                "ie",
                "cadarnhau",
            }:
                return await self._save(turn, state)
        if state.step == "form":  # typed while the form is open: show it again, as filled
            hint = Say(_("Fill in the form below (or type cancel)."), Tone.WARNING)
            return Outcome(replies=[hint, prefilled(self.form(turn), values)], state=state)
        prompt = _("Use Confirm or Change on the card above, or type cancel.")
        return Outcome(replies=[Say(prompt, Tone.WARNING)], state=state)

    async def _save(self, turn: Turn, state: FlowState) -> Outcome:
        data = state.data
        values = data["values"]
        term = turn.pack.terms.manager_decision.value
        decided_on = date.fromisoformat(data["decided_on"])
        workers = [w for w in data["workers"] if w != turn.actor.id]
        decision_id = await turn.ports.notes.manager_decision(
            organisation_id=turn.actor.organisation_id,
            case_id=data["case_id"],
            decided_by_id=turn.actor.id,
            worker_id=workers[0] if workers else turn.actor.id,
            decision=values["decision"],
            rationale=values["rationale"],
            decided_on=decided_on,
            note_type=term,
            recorded_at=turn.now,
        )
        await turn.ports.audit.record(
            actor_id=turn.actor.id,
            action="write",
            subject_type="manager_decision",
            subject_id=str(decision_id),
            target_staff_id=workers[0] if workers else None,
        )
        shown = pack_word(turn.pack, term)

        def told() -> list[Reply]:  # issue 28 item 1: in the worker's language
            return [
                Say(
                    _("{name} recorded a {term} on {reference}.").format(
                        name=turn.actor.name,
                        term=pack_word(turn.pack, term),
                        reference=data["reference"],
                    )
                )
            ]

        notes = [
            await notice(turn, worker, f"decision:{decision_id}:{worker}", told)
            for worker in workers
        ]
        done = Say(
            _("Recorded: {term} on {reference}, ready to export to the case record.").format(
                term=shown, reference=data["reference"]
            ),
            Tone.SUCCESS,
        )
        recorded = _("{term} on {reference}").format(term=shown, reference=data["reference"])
        return Outcome(replies=[done], notifications=notes, recorded=recorded)
