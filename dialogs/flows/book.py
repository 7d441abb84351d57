"""Book supervision: with whom, which type, when, how long and where; checked, confirmed, both told.

DCC 000:93: meetings are planned in advance and treated as a very high priority by both parties.
LAM 004:395-398: the venue is in person or virtual. LAM 004:317: ASYE sessions are 1½ hours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from dialogs.agenda import booking_agendas
from dialogs.flow import FlowState, Outcome, Turn
from dialogs.flows import booking_checks as checks
from dialogs.flows.common import (
    check_form,
    field,
    prefilled,
    resolve_person,
    when_value,
    with_error,
)
from dialogs.flows.invites import arrange_meeting, invite, to_outlook
from dialogs.i18n import N_, _
from dialogs.messages import (
    AskForm,
    Card,
    CardSection,
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
from dialogs.views import SessionView, StaffView
from dialogs.when import describe, read_back
from policy.vocabulary import SessionType

MODES = (
    Option("in_person", N_("In person")),
    Option("virtual", N_("Virtual (video or phone call)")),
)
_YES = {"yes", "y", "confirm", "book it", "ok"}
VENUE_TEXT = 200  # the stored column's width (storage.models.SupervisionSession.venue)
Pair = tuple[StaffView, StaffView]  # (supervisor, supervisee)


def _only_errors(form: AskForm, names: set[str]) -> AskForm:
    """A first showing flags only what the person typed, not the fields they have yet to fill."""
    fields = tuple(f if f.name in names else replace(f, error="") for f in form.fields)
    return replace(form, fields=fields)


@dataclass(frozen=True)
class BookFlow:
    name: str = "book"
    title: str = N_("Book supervision")
    summary: str = N_("book supervision with someone you supervise or your line manager")
    usage: str = N_("book [person] [when]")

    async def _person(self, turn: Turn, typed: str) -> tuple[StaffView | None, str]:
        text = typed.strip()
        if text.lower() in {"my manager", "my line manager", "manager"}:
            manager_id = turn.actor.line_manager_id
            manager = await turn.ports.directory.staff(manager_id) if manager_id else None
            return manager, "" if manager else _("You have no line manager recorded.")
        return await resolve_person(turn, text)

    async def _who(self, turn: Turn, typed: str) -> tuple[Pair | None, str]:
        """(supervisor, supervisee) for what was typed, or why not ("" when nothing typed)."""
        if not typed.strip():
            return None, ""
        person, problem = await self._person(turn, typed)
        pair = await checks.parties(turn, person) if person else problem
        return (None, pair) if isinstance(pair, str) else (pair, "")

    def form(self, turn: Turn, pair: Pair | None) -> AskForm:
        """Types and length follow the supervisee: an NQSW booking with their manager too."""
        supervisee = pair[1] if pair else None
        types = checks.session_types(turn.pack, supervisee, turn.today)
        minutes = ""
        if supervisee is not None:
            minutes = str(checks.default_minutes(turn.pack, supervisee, turn.today))
        return AskForm(
            form_id=self.name,
            title=_(self.title),
            intro=_("Both of you will be told once it is booked."),
            fields=(
                field(
                    "person", _("With whom"), help=_("Someone you supervise, or your line manager")
                ),
                field(
                    "type",
                    _("Type of supervision"),
                    FieldKind.SELECT,
                    options=checks.type_options(types),
                    value=types[0].value,
                ),
                field(
                    "when",
                    _("Date and time"),
                    FieldKind.DATETIME,
                    help=_("e.g. tomorrow 2pm, Tue 10:00 or 3/12 09:30 (day first)"),
                ),
                field(
                    "minutes",
                    _("Length in minutes"),
                    FieldKind.NUMBER,
                    required=False,
                    value=minutes,
                    help=_("Blank: 60, or 90 for ASYE supervision (LAM 004:317)"),
                ),
                field(
                    "mode",
                    _("In person or virtual"),
                    FieldKind.SELECT,
                    options=tuple(Option(o.value, _(o.label)) for o in MODES),
                    value="in_person",
                ),
                field(
                    "venue",
                    _("Where"),
                    required=False,
                    help=_("A room, or the call link (optional)"),
                    max_length=VENUE_TEXT,
                ),
            ),
            submit_label=_("Check and confirm"),
        )

    async def start(self, turn: Turn, argument: str) -> Outcome:
        values = checks.split_argument(argument) if argument else {}
        typed = set(values)
        manages = await turn.ports.directory.supervisees(turn.actor.id)
        if "person" not in values and not manages:  # a supervisee books with their line manager
            manager, _unused = await self._person(turn, "my manager")
            values["person"] = manager.name if manager else ""
        return await self._check(turn, values, typed)

    async def resume(self, turn: Turn, state: FlowState, payload: Payload) -> Outcome:
        values: dict[str, str] = dict(state.data.get("values", {}))
        match payload:
            case FormSubmit(values=submitted):
                return await self._check(turn, dict(submitted))
            case Choice(value="edit"):
                pair, _unused = await self._who(turn, values.get("person", ""))
                return Outcome(
                    replies=[prefilled(self.form(turn, pair), values)],
                    state=FlowState(self.name, "form", {"values": values}),
                )
            case Choice(value="confirm") if state.step == "confirm":
                return await self._save(turn, state)
            case Text(text=text) if state.step == "confirm" and text.strip().lower() in _YES:
                return await self._save(turn, state)
        if state.step == "form":
            pair, _unused = await self._who(turn, values.get("person", ""))
            hint = Say(_("Fill in the form below (or type cancel)."), Tone.WARNING)
            return Outcome(replies=[hint, prefilled(self.form(turn, pair), values)], state=state)
        prompt = _("Use Confirm or Change on the card above, or type cancel.")
        return Outcome(replies=[Say(prompt, Tone.WARNING)], state=state)

    async def _check(
        self, turn: Turn, values: Mapping[str, str], typed: set[str] | None = None
    ) -> Outcome:
        """Validate everything at once, so every problem shows beside its field."""
        pair, person_problem = await self._who(turn, values.get("person", ""))
        blank = self.form(turn, pair)
        if typed is not None:  # started from a sentence: the form's defaults fill the rest
            values = {f.name: f.value for f in blank.fields} | dict(values)
        checked = check_form(blank, values, turn, future_only=("when",), windows=checks.WINDOWS)
        kept = FlowState(self.name, "form", {"values": checked.values})
        problems: dict[str, str] = {"person": person_problem} if person_problem else {}
        form = checked.form
        minutes = 0
        if pair is not None:
            supervisor, supervisee = pair
            minutes, problem = self._minutes(turn, supervisee, checked.values)
            if problem:
                problems["minutes"] = problem
            errors = {f.name for f in form.fields if f.error}
            if not {"when", "minutes"} & (errors | set(problems)):
                start = when_value(checked.values, "when", turn)
                end = start + timedelta(minutes=minutes)
                people = [supervisor, supervisee]
                problem = checks.leaving_problem(people, start.astimezone(turn.zone).date())
                problem = problem or await checks.clash(turn, people, start, end)
                problem = problem or (await checks.availability(turn, people, start))[0]
                if problem:
                    problems["when"] = problem
        for name, error in problems.items():
            if not next(f.error for f in form.fields if f.name == name):
                form = with_error(form, name, error)
        if typed is not None:  # the first showing: prefilled from what was typed, never booked
            return Outcome(replies=[_only_errors(form, typed)], state=kept)
        if form.has_errors:
            return Outcome(replies=[form], state=kept)
        assert pair is not None
        return await self._confirm(turn, checked.values, pair, minutes)

    def _minutes(
        self, turn: Turn, supervisee: StaffView, values: Mapping[str, str]
    ) -> tuple[int, str]:
        if not values.get("minutes"):
            return checks.default_minutes(turn.pack, supervisee, turn.today), ""
        if not values["minutes"].isdecimal():
            return 0, ""  # check_form has said why ("²" is a digit but not a number)
        minutes = int(values["minutes"])
        if not checks.MIN_MINUTES <= minutes <= checks.MAX_MINUTES:
            low, high = checks.MIN_MINUTES, checks.MAX_MINUTES
            return minutes, _("Length: between {low} and {high} minutes.").format(
                low=low, high=high
            )
        return minutes, ""

    async def _confirm(
        self, turn: Turn, values: Mapping[str, str], pair: Pair, minutes: int
    ) -> Outcome:
        supervisor, supervisee = pair
        kind = SessionType(values["type"])
        start = when_value(values, "when", turn)
        end = start + timedelta(minutes=minutes)
        virtual = values["mode"] == "virtual"
        template, items = await checks.agenda(turn, kind, supervisee)
        _ok, warnings = await checks.availability(turn, [supervisor, supervisee], start)
        warnings += await checks.due_warnings(turn, supervisee, kind, start)
        short = checks.short_asye(turn, supervisee, kind, start, minutes)
        if short:  # LAM 004:317: booked all the same, and flagged
            warnings.insert(
                0, _("{name} is on the ASYE: {short}.").format(name=supervisee.name, short=short)
            )
        booking: dict[str, Any] = {
            "type": kind.value,
            "supervisor": [supervisor.id, supervisor.name],
            "supervisee": [supervisee.id, supervisee.name],
            "start": start.isoformat(),
            "end": end.isoformat(),
            "venue": values.get("venue", ""),
            "virtual": virtual,
            "template": template,
            "agenda": items,
        }
        sections = [CardSection(_("Check before booking"), tuple(warnings))] if warnings else []
        said = read_back(values["when"], turn.now, turn.zone)
        if said:  # issue 22: a phrase ("a week on Friday", "half two") is read back before booking
            sections.insert(0, CardSection(_("Check the date"), (said,)))
        sections.append(checks.agenda_section(template, items))
        card = Card(
            title=_("Book supervision: {supervisor} and {supervisee}").format(
                supervisor=supervisor.name, supervisee=supervisee.name
            ),
            subtitle=_("Check, then confirm to book it and tell the other person."),
            facts=checks.booking_facts(turn, booking),
            sections=tuple(sections),
            actions=(Option("confirm", _("Confirm")), Option("edit", _("Change"))),
        )
        data = {"values": dict(values), "booking": booking}
        return Outcome(replies=[card], state=FlowState(self.name, "confirm", data))

    async def _save(self, turn: Turn, state: FlowState) -> Outcome:
        values: dict[str, str] = dict(state.data["values"])
        booking = state.data["booking"]
        supervisor_id, supervisor_name = booking["supervisor"]
        supervisee_id, supervisee_name = booking["supervisee"]
        start = datetime.fromisoformat(booking["start"])
        end = datetime.fromisoformat(booking["end"])
        supervisor = await turn.ports.directory.staff(supervisor_id)
        supervisee = await turn.ports.directory.staff(supervisee_id)
        if supervisor is None or supervisee is None:
            return Outcome(
                replies=[Say(_("One of you is no longer on the staff list."), Tone.ERROR)]
            )
        problem = _("That time has passed.") if start <= turn.now else ""
        problem = problem or await checks.clash(turn, [supervisor, supervisee], start, end)
        if problem:  # the diary changed since the card was shown
            form = prefilled(self.form(turn, (supervisor, supervisee)), values)
            form = with_error(form, "when", problem)
            return Outcome(replies=[form], state=FlowState(self.name, "form", {"values": values}))
        kind = SessionType(booking["type"])
        session = await turn.ports.sessions.book(
            organisation_id=turn.actor.organisation_id,
            type=kind,
            supervisor_id=supervisor_id,
            supervisee_ids=[supervisee_id],
            start=start,
            end=end,
            venue=booking["venue"],
            virtual=booking["virtual"],
            agenda=booking["agenda"],
            created_by_id=turn.actor.id,
        )
        await turn.ports.audit.record(
            actor_id=turn.actor.id,
            action="write",
            subject_type="supervision_session",
            subject_id=str(session.id),
            target_staff_id=supervisee_id,
            detail={"event": "booked", "type": kind.value},
        )
        # Issue 23 item 6: its own Teams meeting where the council has them (else a note).
        session, meeting_note = await arrange_meeting(turn, session)
        # Into Outlook where the council sends invitations through Graph; else (or when Outlook
        # cannot) both parties get the same ICS REQUEST.
        session, in_outlook, invite_note = await to_outlook(turn, session)
        calendar: Reply = in_outlook or await invite(turn, session)
        facts = _facts(turn, booking, session)
        agenda = checks.agenda_section(booking["template"], booking["agenda"])
        # Issue 27: the agenda so far, privately to both; the day-before one if that run passed.
        agendas = await booking_agendas(turn, session)
        others = [i for i in (supervisor_id, supervisee_id) if i != turn.actor.id]

        async def booked(staff_id: int) -> list[Reply]:
            # Issue 28 item 1: in the recipient's language, not the booker's.
            return [
                Card(
                    title=_("Supervision booked"),
                    subtitle=_("{name} booked supervision with you.").format(name=turn.actor.name),
                    facts=_facts(turn, booking, session),
                    sections=(checks.agenda_section(booking["template"], booking["agenda"]),),
                ),
                in_outlook or await invite(turn, session),
                *agendas.with_notice.get(staff_id, ()),
            ]

        notes = [
            await notice(
                turn, staff_id, f"booked:{session.id}:{staff_id}", partial(booked, staff_id)
            )
            for staff_id in others
        ]
        other_name = supervisee_name if supervisor_id == turn.actor.id else supervisor_name
        told = _("{name} has been told.").format(name=other_name)
        if agendas.notes:
            told += " " + _("The agenda comes to you both in a private message.")
        done = Card(
            title=_("Booked: supervision with {name}").format(name=other_name),
            subtitle=_("{when}. {told}").format(when=describe(start, turn.zone), told=told),
            facts=facts,
            sections=(agenda,),
        )
        recorded = _("supervision with {name}, {when}").format(
            name=other_name, when=describe(start, turn.zone)
        )
        replies: list[Reply] = [done, calendar]
        for note in (meeting_note, invite_note):
            if note:
                replies.append(Say(note, Tone.WARNING))
        return Outcome(
            replies=[*replies, *agendas.own],
            notifications=[*notes, *agendas.notes],
            recorded=recorded,
        )


def _facts(turn: Turn, booking: dict[str, Any], session: SessionView) -> tuple[Fact, ...]:
    facts = checks.booking_facts(turn, booking)
    if session.online_meeting_url:
        facts = (*facts, Fact(_("Teams meeting"), session.online_meeting_url))
    return facts
