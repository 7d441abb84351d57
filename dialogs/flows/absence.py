"""Absence: leave or sickness recorded so due dates and figures allow for it as the pack says."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from dialogs.access import may_act_for
from dialogs.flow import FlowState, Outcome, Turn
from dialogs.flows.common import day_value, field, joined_problem, relation_to, resolve_person
from dialogs.flows.form_flow import FormFlow
from dialogs.i18n import N_, _
from dialogs.inputs import parse_id
from dialogs.messages import (
    AskForm,
    Card,
    CardSection,
    FieldKind,
    Option,
    Payload,
    Say,
    Text,
    Tone,
)
from dialogs.views import AbsenceView, StaffView
from dialogs.when import describe_day
from policy.packs import Pack
from policy.vocabulary import AbsenceKind

KINDS = (
    Option(AbsenceKind.ANNUAL_LEAVE.value, N_("Annual leave")),
    Option(AbsenceKind.SICKNESS.value, N_("Sickness")),
    Option(AbsenceKind.MATERNITY.value, N_("Maternity or parental leave")),
    Option(AbsenceKind.OTHER.value, N_("Other")),
)
_KIND_NAMES = {
    AbsenceKind.ANNUAL_LEAVE: N_("annual leave"),
    AbsenceKind.SICKNESS: N_("sickness absence"),
    AbsenceKind.MATERNITY: N_("maternity or parental leave"),
    AbsenceKind.OTHER: N_("absence (other)"),
}
_CANCEL_WORDS = {"cancel", "remove", "delete"}
LISTED_BACK = timedelta(days=90)  # absences ended this long ago can still be cancelled


def kind_name(kind: AbsenceKind) -> str:
    """ "annual leave", in the reader's language."""
    return _(_KIND_NAMES[kind])


def describe_absence(absence: AbsenceView) -> str:
    """'annual leave from Tue 1 Dec 2026 to Sat 5 Dec 2026'."""
    return _("{kind} from {start} to {end}").format(
        kind=_(_KIND_NAMES[absence.kind]),
        start=describe_day(absence.start),
        end=describe_day(absence.end),
    )


def absence_intro(pack: Pack) -> str:
    """What an absence changes, as this council's pack says: POWYS 002:33 excludes staff absent
    for 2 weeks or more in a month; DCC 000:176 excludes no one and records why a month was
    missed."""
    exclusion = pack.compliance.absence_exclusion
    if exclusion is None:
        return _(
            "Absences do not take anyone out of the supervision figures: a month without "
            "supervision is missed, and the reason for it is recorded."
        )
    return _(
        "Absences of {days} days or more in a month take supervision out of that month's figures."
    ).format(days=exclusion.days)


class AbsenceFlow(FormFlow):
    name = "absence"
    title = N_("Record an absence")
    summary = N_("record leave or sickness so supervision due dates and figures allow for it")
    usage = N_("absence [person] | absence cancel [person]")

    def form(self, turn: Turn) -> AskForm:
        return AskForm(
            form_id=self.name,
            title=_(self.title),
            intro=absence_intro(turn.pack),
            fields=(
                field("person", _("Who"), value=_("me"), help=_("'me', or a name or email")),
                field(
                    "kind",
                    _("Kind"),
                    FieldKind.SELECT,
                    options=tuple(Option(k.value, _(k.label)) for k in KINDS),
                ),
                field("start", _("First day"), FieldKind.DATE),
                field("end", _("Last day"), FieldKind.DATE),
                field("note", _("Note"), required=False, help=_("Optional; no medical detail")),
            ),
        )

    async def prefill(self, turn: Turn, argument: str) -> dict[str, str]:
        return {"person": argument or _("me")}

    async def _person(self, turn: Turn, typed: str):  # type: ignore[no-untyped-def]
        if typed.strip().lower() in {"me", "myself", "fi", "i", turn.actor.email}:
            return turn.actor, ""
        return await resolve_person(turn, typed)

    async def problems(self, turn: Turn, values: Mapping[str, str]) -> dict[str, str]:
        person, problem = await self._person(turn, values["person"])
        if person is None:
            return {"person": problem}
        if not may_act_for(await relation_to(turn, person)):
            return {
                "person": _("Only {name} or their managers can record this.").format(
                    name=person.first_name
                )
            }
        start, end = day_value(values, "start", turn), day_value(values, "end", turn)
        if joined := joined_problem(person, start, _("First day")):
            return {"start": joined}
        if end < start:
            return {"end": _("The last day is before the first day.")}
        if (end - start).days > 400:
            return {"end": _("That is more than a year: record it in parts or check the dates.")}
        in_the_way = await turn.ports.notes.absences_overlapping(person.id, start, end)
        if in_the_way:
            return {"start": self._overlap(turn, person, in_the_way[0])}
        return {}

    def _overlap(self, turn: Turn, person: StaffView, existing: AbsenceView) -> str:
        """Each day is one absence: the same one twice, or two over the same days, would count
        the days twice in the figures and say two things about one day."""
        if person.id == turn.actor.id:
            said = _("You already have {absence} recorded, which overlaps these dates.")
        else:
            said = _("{name} already has {absence} recorded, which overlaps these dates.")
        who = _("me") if person.id == turn.actor.id else person.name
        fix = _(
            "Change the dates so they do not overlap it, or cancel that absence first (type "
            "'absence cancel {who}') and record this one again."
        )
        return (
            said.format(name=person.name, absence=describe_absence(existing))
            + " "
            + fix.format(who=who)
        )

    async def start(self, turn: Turn, argument: str) -> Outcome:
        # "absence cancel Sam" lists Sam's recent and coming absences with a Cancel button each;
        # the button comes back as "cancel:<id>".
        words = argument.split(maxsplit=1)
        if argument.lower().startswith("cancel:"):
            return await self._cancel(turn, parse_id(argument.partition(":")[2]))
        if words and words[0].lower() in _CANCEL_WORDS:
            return await self._list(turn, words[1] if len(words) > 1 else "me")
        return await super().start(turn, argument)

    async def resume(self, turn: Turn, state: FlowState, payload: Payload) -> Outcome:
        # The form's overlap message says to type "absence cancel ...": that works mid-form too.
        if isinstance(payload, Text):
            words = payload.text.split(maxsplit=2)
            if len(words) > 1 and words[0].lower() == self.name and words[1] in _CANCEL_WORDS:
                return await self._list(turn, words[2] if len(words) > 2 else "me")
        return await super().resume(turn, state, payload)

    async def _list(self, turn: Turn, typed: str) -> Outcome:
        person, problem = await self._person(turn, typed)
        if person is None:
            return Outcome(replies=[Say(problem, Tone.WARNING)])
        if not may_act_for(await relation_to(turn, person)):
            text = _("Only {name} or their managers can cancel their absences.").format(
                name=person.first_name
            )
            return Outcome(replies=[Say(text, Tone.WARNING)])
        since = turn.today - LISTED_BACK
        found = await turn.ports.notes.absences_overlapping(person.id, since, since.max)
        if not found:
            text = (
                _("You have no absence recorded since {day}.")
                if person.id == turn.actor.id
                else _("{name} has no absence recorded since {day}.")
            ).format(name=person.name, day=describe_day(since))
            return Outcome(replies=[Say(text)])
        card = Card(
            title=_("Absences: {name}").format(name=person.name),
            subtitle=_("Cancelling one removes it from the figures; record the right one after."),
            sections=(
                CardSection(_("Recent and coming"), tuple(describe_absence(a) for a in found)),
            ),
            actions=tuple(
                Option(
                    f"start:{self.name}:cancel:{a.id}",
                    _("Cancel {absence}").format(absence=describe_absence(a)),
                )
                for a in found[:10]
            ),
        )
        return Outcome(replies=[card])

    async def _cancel(self, turn: Turn, absence_id: int | None) -> Outcome:
        absence = await turn.ports.notes.absence_by_id(absence_id) if absence_id else None
        person = await turn.ports.directory.staff(absence.staff_id) if absence else None
        if absence is None or person is None:
            text = _("That absence is no longer recorded. Type 'absence cancel' to see them.")
            return Outcome(replies=[Say(text, Tone.WARNING)])
        if person.organisation_id != turn.actor.organisation_id or not may_act_for(
            await relation_to(turn, person)
        ):
            text = _("Only {name} or their managers can cancel their absences.").format(
                name=person.first_name
            )
            return Outcome(replies=[Say(text, Tone.WARNING)])
        await turn.ports.notes.remove_absence(absence.id)
        await turn.ports.audit.record(
            actor_id=turn.actor.id,
            action="write",
            subject_type="absence",
            subject_id=str(absence.id),
            target_staff_id=person.id,
            detail={"event": "cancelled"},
        )
        text = (
            _("Cancelled your {absence}. Type 'absence' to record another.")
            if person.id == turn.actor.id
            else _("Cancelled {name}'s {absence}. Type 'absence' to record another.")
        ).format(name=person.name, absence=describe_absence(absence))
        return Outcome(replies=[Say(text, Tone.SUCCESS)])

    async def save(self, turn: Turn, values: Mapping[str, str]) -> Outcome:
        person, _unused = await self._person(turn, values["person"])
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
        recorded = (
            _("your absence from {start} to {end}")
            if person.id == turn.actor.id
            else _("{name}'s absence from {start} to {end}")
        ).format(name=person.name, start=describe_day(start), end=describe_day(end))
        said = _("Recorded {what}.").format(what=recorded)
        return Outcome(replies=[Say(said, Tone.SUCCESS)], recorded=recorded)
