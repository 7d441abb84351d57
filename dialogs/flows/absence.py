"""Absence: leave or sickness recorded so compliance excludes it correctly (POWYS 002:33)."""

from __future__ import annotations

from collections.abc import Mapping

from dialogs.access import may_act_for
from dialogs.flow import Outcome, Turn
from dialogs.flows.common import day_value, field, relation_to, resolve_person
from dialogs.flows.form_flow import FormFlow
from dialogs.messages import AskForm, FieldKind, Option, Say, Tone
from dialogs.when import describe_day
from policy.vocabulary import AbsenceKind

KINDS = (
    Option(AbsenceKind.ANNUAL_LEAVE.value, "Annual leave"),
    Option(AbsenceKind.SICKNESS.value, "Sickness"),
    Option(AbsenceKind.MATERNITY.value, "Maternity or parental leave"),
    Option(AbsenceKind.OTHER.value, "Other"),
)


class AbsenceFlow(FormFlow):
    name = "absence"
    title = "Record an absence"
    summary = "record leave or sickness so supervision due dates and figures allow for it"
    usage = "absence [person]"

    def form(self, turn: Turn) -> AskForm:
        return AskForm(
            form_id=self.name,
            title=self.title,
            intro=(
                "Absences of two weeks or more in a month take supervision out of that month's "
                "figures."
            ),
            fields=(
                field("person", "Who", value="me", help="'me', or a name or email"),
                field("kind", "Kind", FieldKind.SELECT, options=KINDS),
                field("start", "First day", FieldKind.DATE),
                field("end", "Last day", FieldKind.DATE),
                field("note", "Note", required=False, help="Optional; no medical detail"),
            ),
        )

    async def prefill(self, turn: Turn, argument: str) -> dict[str, str]:
        return {"person": argument or "me"}

    async def _person(self, turn: Turn, typed: str):  # type: ignore[no-untyped-def]
        if typed.strip().lower() in {"me", "myself", turn.actor.email}:
            return turn.actor, ""
        return await resolve_person(turn, typed)

    async def problems(self, turn: Turn, values: Mapping[str, str]) -> dict[str, str]:
        person, problem = await self._person(turn, values["person"])
        if person is None:
            return {"person": problem}
        if not may_act_for(await relation_to(turn, person)):
            return {"person": f"Only {person.first_name} or their managers can record this."}
        start, end = day_value(values, "start", turn), day_value(values, "end", turn)
        if end < start:
            return {"end": "The last day is before the first day."}
        if (end - start).days > 400:
            return {"end": "That is more than a year: record it in parts or check the dates."}
        return {}

    async def save(self, turn: Turn, values: Mapping[str, str]) -> Outcome:
        person, _ = await self._person(turn, values["person"])
        start, end = day_value(values, "start", turn), day_value(values, "end", turn)
        absence_id = await turn.ports.notes.absence(
            staff_id=person.id,
            kind=AbsenceKind(values["kind"]),
            start=start,
            end=end,
            note=values.get("note", ""),
        )
        await turn.ports.audit.record(
            actor_id=turn.actor.id,
            action="write",
            subject_type="absence",
            subject_id=str(absence_id),
            target_staff_id=person.id,
        )
        who = "your" if person.id == turn.actor.id else f"{person.name}'s"
        text = f"Recorded {who} absence from {describe_day(start)} to {describe_day(end)}."
        return Outcome(replies=[Say(text, Tone.SUCCESS)])
