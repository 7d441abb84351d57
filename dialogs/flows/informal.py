"""Informal supervision: a corridor conversation, recorded, kept apart from formal figures.

DCC 000:60: informal or unplanned supervision supplements formal arrangements, and where
appropriate all decisions arising from it are recorded. It is supervision, so it is between a
supervisor and a supervisee as booking knows them (booking_checks.parties): a manager and the
people they manage, or a person and their own line manager. Either of the two may record it;
who did is the audit row's actor. It is checked on a card before it is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from dialogs.flow import Outcome, Turn
from dialogs.flows.booking_checks import parties
from dialogs.flows.common import LONG_TEXT, field, resolve_person, when_value
from dialogs.flows.form_flow import FormFlow
from dialogs.i18n import N_, _
from dialogs.inputs import LAST_YEAR, Window
from dialogs.messages import AskForm, Card, Fact, FieldKind, Option, Say, Tone
from dialogs.views import StaffView
from dialogs.when import describe


class InformalFlow(FormFlow):
    name = "informal"
    title = N_("Record informal supervision")
    summary = N_("note an informal supervision conversation and what was decided")
    usage = N_("informal [person]")
    windows: ClassVar[Mapping[str, Window]] = {"when": LAST_YEAR}

    def form(self, turn: Turn) -> AskForm:
        return AskForm(
            form_id=self.name,
            title=_(self.title),
            intro=_(
                "Kept on the staff member's supervision file; not counted as formal supervision."
            ),
            fields=(
                field("person", _("With whom"), help=_("Name or email of the staff member")),
                field(
                    "when",
                    _("When"),
                    FieldKind.DATETIME,
                    value=_("today"),
                    help=_("e.g. today 11:30, yesterday 4pm or Mon 11:30"),
                ),
                field(
                    "discussed",
                    _("What was discussed"),
                    FieldKind.TEXTAREA,
                    max_length=LONG_TEXT,
                ),
                field(
                    "decided",
                    _("What was decided"),
                    FieldKind.TEXTAREA,
                    required=False,
                    max_length=LONG_TEXT,
                ),
            ),
        )

    async def prefill(self, turn: Turn, argument: str) -> dict[str, str]:
        return {"person": argument} if argument else {}

    async def _pair(
        self, turn: Turn, typed: str
    ) -> tuple[tuple[StaffView, StaffView] | None, dict[str, str]]:
        """(supervisor, supervisee) for the person typed, or the problem with the field."""
        person, problem = await resolve_person(turn, typed)
        if person is None:
            return None, {"person": problem}
        if person.id == turn.actor.id:
            return None, {"person": _("Informal supervision is with someone else: name them.")}
        pair = await parties(turn, person, N_("record informal supervision"))
        if isinstance(pair, str):
            return None, {"person": pair}
        return pair, {}

    async def problems(self, turn: Turn, values: Mapping[str, str]) -> dict[str, str]:
        pair, refused = await self._pair(turn, values["person"])
        if pair is None:
            return refused
        occurred = when_value(values, "when", turn)
        if occurred > turn.now:
            return {"when": _("That has not happened yet: informal supervision is recorded after.")}
        supervisor, supervisee = pair
        if await turn.ports.notes.informal_at(
            supervisor_id=supervisor.id, supervisee_id=supervisee.id, occurred_at=occurred
        ):
            other = supervisee if supervisor.id == turn.actor.id else supervisor
            return {
                "when": _(
                    "Informal supervision with {name} on {when} is already on file. Change the "
                    "time if this was another conversation, or type cancel."
                ).format(name=other.name, when=describe(occurred, turn.zone))
            }
        return {}

    async def confirmation(self, turn: Turn, values: Mapping[str, str]) -> Card:
        pair, _unused = await self._pair(turn, values["person"])
        assert pair is not None
        supervisor, supervisee = pair
        facts = [
            Fact(_("Supervisor"), supervisor.name),
            Fact(_("Supervisee"), supervisee.name),
            Fact(_("When"), describe(when_value(values, "when", turn), turn.zone)),
            Fact(_("What was discussed"), values["discussed"]),
        ]
        if values.get("decided"):
            facts.append(Fact(_("What was decided"), values["decided"]))
        facts.append(Fact(_("Recorded by"), turn.actor.name))
        return Card(
            title=_("Informal supervision"),
            subtitle=_("Check, then confirm to keep it on the supervision file."),
            facts=tuple(facts),
            actions=(Option("confirm", _("Confirm")), Option("edit", _("Change"))),
        )

    async def save(self, turn: Turn, values: Mapping[str, str]) -> Outcome:
        pair, _unused = await self._pair(turn, values["person"])
        assert pair is not None  # problems() has just been asked again
        supervisor, supervisee = pair
        other = supervisee if supervisor.id == turn.actor.id else supervisor
        occurred = when_value(values, "when", turn)
        note_id = await turn.ports.notes.informal(
            supervisor_id=supervisor.id,
            supervisee_id=supervisee.id,
            occurred_at=occurred,
            discussed=values["discussed"],
            decided=values.get("decided", ""),
            recorded_by_id=turn.actor.id,
            recorded_at=turn.now,
        )
        # Who recorded it (the supervisor or the supervisee) is this write's actor: the audit
        # trail carries it, hash-chained, beside the note's two parties.
        await turn.ports.audit.record(
            actor_id=turn.actor.id,
            action="write",
            subject_type="informal_supervision",
            subject_id=str(note_id),
            target_staff_id=supervisee.id,
            detail={"supervisor_id": supervisor.id, "supervisee_id": supervisee.id},
        )
        recorded = _("informal supervision with {name}, {when}").format(
            name=other.name, when=describe(occurred, turn.zone)
        )
        said = _("Recorded {what}.").format(what=recorded)
        return Outcome(replies=[Say(said, Tone.SUCCESS)], recorded=recorded)
