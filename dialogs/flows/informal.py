"""Informal supervision: a corridor conversation, recorded, kept apart from formal figures.

DCC 000:60: informal or unplanned supervision supplements formal arrangements, and where
appropriate all decisions arising from it are recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from dialogs.access import may_act_for
from dialogs.flow import Outcome, Turn
from dialogs.flows.common import LONG_TEXT, field, relation_to, resolve_person, when_value
from dialogs.flows.form_flow import FormFlow
from dialogs.inputs import LAST_YEAR, Window
from dialogs.messages import AskForm, FieldKind, Say, Tone
from dialogs.when import describe


class InformalFlow(FormFlow):
    name = "informal"
    title = "Record informal supervision"
    summary = "note an informal supervision conversation and what was decided"
    usage = "informal [person]"
    windows: ClassVar[Mapping[str, Window]] = {"when": LAST_YEAR}

    def form(self, turn: Turn) -> AskForm:
        return AskForm(
            form_id=self.name,
            title=self.title,
            intro="Kept on the staff member's supervision file; not counted as formal supervision.",
            fields=(
                field("person", "With whom", help="Name or email of the staff member"),
                field(
                    "when",
                    "When",
                    FieldKind.DATETIME,
                    value="today",
                    help="e.g. today 11:30, yesterday 4pm or Mon 11:30",
                ),
                field("discussed", "What was discussed", FieldKind.TEXTAREA, max_length=LONG_TEXT),
                field(
                    "decided",
                    "What was decided",
                    FieldKind.TEXTAREA,
                    required=False,
                    max_length=LONG_TEXT,
                ),
            ),
        )

    async def prefill(self, turn: Turn, argument: str) -> dict[str, str]:
        return {"person": argument} if argument else {}

    async def problems(self, turn: Turn, values: Mapping[str, str]) -> dict[str, str]:
        person, problem = await resolve_person(turn, values["person"])
        if person is None:
            return {"person": problem}
        if person.id == turn.actor.id:
            return {"person": "Informal supervision is with someone else: name them."}
        if when_value(values, "when", turn) > turn.now:
            return {"when": "That has not happened yet: informal supervision is recorded after."}
        return {}

    async def save(self, turn: Turn, values: Mapping[str, str]) -> Outcome:
        person, _ = await resolve_person(turn, values["person"])
        assert person is not None
        supervisor, supervisee = turn.actor, person
        if not may_act_for(await relation_to(turn, person)):
            # The worker recorded a discussion with their manager: the manager supervised them.
            supervisor, supervisee = person, turn.actor
        occurred = when_value(values, "when", turn)
        note_id = await turn.ports.notes.informal(
            supervisor_id=supervisor.id,
            supervisee_id=supervisee.id,
            occurred_at=occurred,
            discussed=values["discussed"],
            decided=values.get("decided", ""),
        )
        await turn.ports.audit.record(
            actor_id=turn.actor.id,
            action="write",
            subject_type="informal_supervision",
            subject_id=str(note_id),
            target_staff_id=supervisee.id,
        )
        recorded = f"informal supervision with {person.name}, {describe(occurred, turn.zone)}"
        return Outcome(replies=[Say(f"Recorded {recorded}.", Tone.SUCCESS)], recorded=recorded)
