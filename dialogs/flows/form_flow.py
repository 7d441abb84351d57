"""The shape shared by one-form flows: ask, validate (keeping every answer), save."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from dialogs.access import Relation
from dialogs.flow import FlowState, Outcome, Turn
from dialogs.flows.common import (
    Checked,
    check_form,
    prefilled,
    relation_to,
    resolve_person,
    with_error,
)
from dialogs.i18n import _
from dialogs.inputs import Window
from dialogs.messages import (
    AskForm,
    Card,
    CardSection,
    Choice,
    FieldKind,
    FormSubmit,
    Option,
    Payload,
    Say,
    Text,
    Tone,
)
from dialogs.views import StaffView
from dialogs.when import parse_day, parse_when, read_back


class FormFlow:
    """Subclasses give the form, extra checks and what saving does."""

    name: str
    title: str
    summary: str
    usage: str
    future_only: tuple[str, ...] = ()
    windows: ClassVar[Mapping[str, Window]] = {}  # date fields narrower than ANY_DATE

    def form(self, turn: Turn) -> AskForm:
        raise NotImplementedError

    async def prefill(self, turn: Turn, argument: str) -> dict[str, str]:
        return {}

    async def problems(self, turn: Turn, values: Mapping[str, str]) -> dict[str, str]:
        """Field name -> what is wrong, beyond what the field kinds check."""
        return {}

    async def save(self, turn: Turn, values: Mapping[str, str]) -> Outcome:
        raise NotImplementedError

    async def confirmation(self, turn: Turn, values: Mapping[str, str]) -> Card | None:
        """A card to check before saving (its actions: confirm and edit), or None to save on
        the form's submission."""
        return None

    async def start(self, turn: Turn, argument: str) -> Outcome:
        values = await self.prefill(turn, argument)
        form = prefilled(self.form(turn), values)
        return Outcome(replies=[form], state=FlowState(self.name, "form", {"values": values}))

    async def resume(self, turn: Turn, state: FlowState, payload: Payload) -> Outcome:
        if state.step == "confirm" and not isinstance(payload, FormSubmit):
            return await self._confirming(turn, state, payload)
        if isinstance(payload, Text) and len(self.form(turn).fields) == 1:
            payload = FormSubmit(self.name, {self.form(turn).fields[0].name: payload.text})
        if not isinstance(payload, FormSubmit):
            form = prefilled(self.form(turn), state.data.get("values", {}))
            hint = Say(_("Fill in the form below (or type cancel)."), Tone.WARNING)
            return Outcome(replies=[hint, form], state=state)
        checked = check_form(
            self.form(turn),
            payload.values,
            turn,
            future_only=self.future_only,
            windows=self.windows,
        )
        kept = FlowState(self.name, "form", {"values": checked.values})
        if not checked.ok:
            return Outcome(replies=[checked.form], state=kept)
        form = checked.form
        problems = await self.problems(turn, checked.values)
        if problems:
            for name, error in problems.items():
                form = with_error(form, name, error)
            return Outcome(replies=[form], state=kept)
        card = await self.confirmation(turn, checked.values)
        data: dict[str, Any] = dict(kept.data)
        if card is None and (read := self._read_back(turn, checked)) is not None:
            card, data["read"] = read  # saved as read back, even if confirmed after midnight
        if card is not None:
            return Outcome(replies=[card], state=FlowState(self.name, "confirm", data))
        return await self.save(turn, checked.values)

    def _read_back(self, turn: Turn, checked: Checked) -> tuple[Card, dict[str, str]] | None:
        """Issue 22: a date typed as a phrase ("a week on Friday", "end of the month") is read
        back on a card to confirm before anything is saved; plain dates (3/12) save at once.
        Also the dates as read, written out day first, which are what is saved."""
        said = []
        read: dict[str, str] = {}
        for found in checked.form.fields:
            typed = checked.values.get(found.name, "")
            if found.kind in (FieldKind.DATE, FieldKind.DATETIME):
                timed = found.kind is FieldKind.DATETIME
                text = read_back(typed, turn.now, turn.zone, with_time=timed)
                if text:
                    said.append(f"{found.label}: {text}")
                    if timed:
                        moment = parse_when(typed, turn.now, turn.zone)
                        read[found.name] = f"{moment:%d/%m/%Y %H:%M}"
                    else:
                        read[found.name] = f"{parse_day(typed, turn.today):%d/%m/%Y}"
        if not said:
            return None
        return Card(
            title=_("{title}: check the dates").format(title=_(self.title)),
            subtitle=_("Confirm to save, or Change to correct them."),
            sections=(CardSection(_("Check the date"), tuple(said)),),
            actions=(Option("confirm", _("Confirm")), Option("edit", _("Change"))),
        ), read

    async def _confirming(self, turn: Turn, state: FlowState, payload: Payload) -> Outcome:
        """At the card: confirm saves (checked again: things may have changed since), change
        reopens the form as filled in."""
        values: dict[str, str] = dict(state.data.get("values", {}))
        said = payload.text.strip().lower() if isinstance(payload, Text) else ""
        if payload == Choice("confirm") or said in {"yes", "y", "confirm", "ie", "cadarnhau"}:
            read = state.data.get("read", {})
            saved = (
                values | {k: str(v) for k, v in read.items()} if isinstance(read, dict) else values
            )
            problems = await self.problems(turn, saved)
            if not problems:
                return await self.save(turn, saved)
            form = prefilled(self.form(turn), values)
            for name, error in problems.items():
                form = with_error(form, name, error)
            return Outcome(replies=[form], state=FlowState(self.name, "form", state.data))
        if payload == Choice("edit"):
            form = prefilled(self.form(turn), values)
            return Outcome(replies=[form], state=FlowState(self.name, "form", state.data))
        prompt = _("Use Confirm or Change on the card above, or type cancel.")
        return Outcome(replies=[Say(prompt, Tone.WARNING)], state=state)


class ManagerRecordFlow(FormFlow):
    """A form a manager fills in about one of their workers (an over-cap approval, a personal
    element of the score): the worker typed in `person`, from today unless changed. Someone who
    manages nobody is told who does before any form (a form they could not complete is not
    offered); a worker named who is not theirs is refused on the form's first sight."""

    what: str  # what the flow records, in the plural: "over-cap allocations" (marked with N_)

    async def prefill(self, turn: Turn, argument: str) -> dict[str, str]:
        today = _("today")
        return {"person": argument, "start": today} if argument else {"start": today}

    async def start(self, turn: Turn, argument: str) -> Outcome:
        directory = turn.ports.directory
        manages = await directory.supervisees(turn.actor.id) or await directory.teams_managed_by(
            turn.actor.id
        )
        if not manages:
            return Outcome(replies=[Say(await self._whose(turn), Tone.WARNING)])
        values = await self.prefill(turn, argument)
        form = prefilled(self.form(turn), values)
        if values.get("person"):
            _worker, refused = await self.managed_worker(turn, values["person"])
            for name, error in refused.items():
                form = with_error(form, name, error)
        return Outcome(replies=[form], state=FlowState(self.name, "form", {"values": values}))

    async def _whose(self, turn: Turn) -> str:
        """Who records these for the actor: their line manager and their team's manager."""
        directory = turn.ports.directory
        team = await directory.team(turn.actor.team_id) if turn.actor.team_id else None
        names: list[str] = []
        for manager_id in (turn.actor.line_manager_id, team.manager_id if team else None):
            manager = await directory.staff(manager_id) if manager_id else None
            if manager is not None and manager.id != turn.actor.id and manager.name not in names:
                names.append(manager.name)
        text = _("Only a worker's managers record {what}, and nobody here reports to you.").format(
            what=_(self.what)
        )
        if names:
            text += " " + _("Ask {names}.").format(names=_(" or ").join(names))
        return text

    async def managed_worker(
        self, turn: Turn, typed: str
    ) -> tuple[StaffView | None, dict[str, str]]:
        """The worker typed (a name, an email or a staff id), or the problem with the Worker
        field: unknown, or not managed by you."""
        worker, problem = await resolve_person(turn, typed)
        if worker is None:
            return None, {"person": problem}
        if await relation_to(turn, worker) not in (Relation.LINE_MANAGER, Relation.TEAM_MANAGER):
            return None, {
                "person": _("Only {name}'s managers can record this.").format(
                    name=worker.first_name
                )
            }
        return worker, {}
