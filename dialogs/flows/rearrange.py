"""Rearrange or cancel a booked supervision, always with a reason, and a new date where one is due.

DCC 000:93: if dates have to change an early alternative date must be set, and the reason for any
interruption or cancellation MUST be recorded (sickness, annual leave, urgent work, personal).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from dialogs.agenda import booking_agendas, day_before_passed
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
from dialogs.i18n import N_, _, format_month, ngettext, pack_word
from dialogs.inputs import is_number, parse_id
from dialogs.messages import (
    AskChoice,
    AskForm,
    Card,
    CardSection,
    Choice,
    Fact,
    FieldKind,
    FormField,
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
from dialogs.when import read_back, shift_phrase, shifted
from policy.calendar import month_end
from policy.citations import cite, cite_in_text
from policy.facts import AbsenceFacts
from policy.packs.schema import MissedReason, Pack
from policy.rearrange import ChangeProblem, change_problems, month_left_unsupervised
from policy.vocabulary import CancelReason, SessionStatus

# DCC 000:93, which every pack adopts: shown as the document and section people can look up.
_CHANGE_RULE = "000:93"


def _cited(pack: Pack, source: str | None) -> str:
    """` (Derbyshire ... Supervision Policy, 5)`, or nothing where the pack cannot name it."""
    where = cite(pack, source)
    return f" ({where})" if where else ""


REASONS = (
    Option(CancelReason.SICKNESS.value, N_("Sickness")),
    Option(CancelReason.ANNUAL_LEAVE.value, N_("Annual leave")),
    Option(CancelReason.URGENT_WORK.value, N_("Urgent work")),
    Option(CancelReason.PERSONAL.value, N_("Personal matter")),
    Option(CancelReason.LEAVING.value, N_("Leaving (no further supervision here)")),
    Option(CancelReason.OTHER.value, N_("Other (say what)")),
)
_REASON_LABELS = {
    CancelReason.SICKNESS.value: N_("Sickness"),
    CancelReason.ANNUAL_LEAVE.value: N_("Annual leave"),
    CancelReason.URGENT_WORK.value: N_("Urgent work"),
    CancelReason.PERSONAL.value: N_("Personal matter"),
    CancelReason.LEAVING.value: N_("Leaving"),
    CancelReason.OTHER.value: N_("Other"),
}
ACTIONS = (Option("rearrange", N_("Move it to a new time")), Option("cancel", N_("Cancel it")))


def shown(options: tuple[Option, ...]) -> tuple[Option, ...]:
    """Options marked for the catalog, in the reader's language (issue 28)."""
    return tuple(Option(o.value, _(o.label)) for o in options)


def _reason_field(pack: Pack) -> FormField:
    return field(
        "reason",
        _("Reason"),
        FieldKind.SELECT,
        options=shown(REASONS),
        help=_("Always recorded") + _cited(pack, _CHANGE_RULE),
    )


NOTE = field(
    "note",
    N_("Details"),
    FieldKind.TEXTAREA,
    required=False,
    max_length=2000,
    help=N_("Needed when the reason is Other"),
)


def note_field() -> FormField:
    return replace(NOTE, label=_(NOTE.label), help=_(NOTE.help))


_FILLER = {"my", "the", "a", "supervision", "session", "meeting", "with"}
_PUSH = {"push", "move", "bring", "put", "it", "can", "you", "please", "i", "need", "to"}
_YES = {"yes", "y", "confirm", "ok"}


def problem_text(problem: ChangeProblem, pack: Pack) -> tuple[str, str]:
    """The field a problem of policy.rearrange belongs to, and what it says there."""
    rule = _cited(pack, _CHANGE_RULE)
    match problem:
        case ChangeProblem.NO_REASON:
            return "reason", _("Choose a reason: it is always recorded{rule}.").format(rule=rule)
        case ChangeProblem.REASON_NOT_SAID:
            said = _(
                "Say what the reason is: a cancellation's reason must be recorded{rule}."
            ).format(rule=rule)
            return "note", said
        case _:
            return "when", _(
                "Set an early alternative date{rule}: a new date and time is needed unless the "
                "supervisee is leaving or away for the next two weeks."
            ).format(rule=rule)


def needs_follow_up(words: MissedReason, month: str, pack: Pack) -> str:
    """DCC 000:176, in the pack's words: the month's follow-up action must be recorded."""
    follow_up = pack_word(pack, words.follow_up).lower()
    return _(
        "Say what the {follow_up} is: this leaves {month} without supervision, "
        "and its reason and {follow_up} are recorded{cited}."
    ).format(follow_up=follow_up, month=month, cited=_cited(pack, words.source))


def _follow_up_field(words: MissedReason, pack: Pack) -> FormField:
    return field(
        "follow_up",
        words.follow_up,
        FieldKind.TEXTAREA,
        required=False,
        max_length=2000,
        help=cite_in_text(pack, words.follow_up_help),
    )


@dataclass(frozen=True)
class RearrangeFlow:
    name: str = "rearrange"
    title: str = N_("Rearrange or cancel supervision")
    summary: str = N_("move or cancel a booked supervision, recording why (and the new date)")
    usage: str = N_("rearrange [person]")

    async def start(self, turn: Turn, argument: str) -> Outcome:
        sessions = list(await turn.ports.sessions.upcoming(turn.actor.id, turn.now))
        notes: list[Reply] = []
        shift = shift_phrase(argument)  # "push my supervision back a week": the new time
        argument = argument.lower().replace(shift, " ") if shift else argument
        wanted = " ".join(w for w in argument.split() if w.lower() not in _FILLER | _PUSH)
        if wanted and sessions:
            person, problem = await resolve_person(turn, wanted)
            if person is None:
                notes.append(Say(problem, Tone.WARNING))
            else:
                sessions = [s for s in sessions if person.id in checks.parties_of(s)]
        if not sessions:
            text = _("You have no supervision booked from now on. To book one, type *book*.")
            return Outcome(replies=[*notes, Say(text)])
        kept = {"shift": shift} if shift else {}
        if len(sessions) == 1:
            return await self._chosen(turn, sessions[0], notes, kept)
        options = tuple([Option(str(s.id), await checks.session_label(turn, s)) for s in sessions])
        ask = AskChoice(_("Which supervision do you want to rearrange or cancel?"), options)
        return Outcome(replies=[*notes, ask], state=FlowState(self.name, "pick", kept))

    async def resume(self, turn: Turn, state: FlowState, payload: Payload) -> Outcome:
        data = dict(state.data)
        if state.step == "pick":
            if isinstance(payload, Choice) and is_number(payload.value):
                session_id = parse_id(payload.value)
                chosen = await checks.bookable(turn, session_id) if session_id else None
                return await self._chosen(turn, chosen, data=data) if chosen else _gone()
            return _use_buttons(state)
        session = await checks.bookable(turn, int(data["session"]))
        if session is None:
            return _gone()
        match state.step, payload:
            case "action", Choice(value="rearrange" | "cancel" as mode):
                kept = data.get("values", {}) if data.get("mode") == mode else {}
                if not kept and mode == "rearrange" and data.get("shift"):
                    kept = {"when": data["shift"]}  # "push it back a week", said at the start
                data.update(mode=mode, values=kept)
                form = await self._form(turn, session, mode, kept)
                return Outcome(replies=[form], state=FlowState(self.name, "form", data))
            case "form" | "confirm", FormSubmit(values=submitted):
                return await self._check(turn, session, data, dict(submitted))
            case "confirm", Choice(value="edit"):
                form = await self._form(turn, session, data["mode"], data["values"])
                return Outcome(replies=[form], state=FlowState(self.name, "form", data))
            case "confirm", Choice(value="confirm"):
                return await self._save(turn, session, data)
            case "confirm", Text(text=text) if text.strip().lower() in _YES:
                return await self._save(turn, session, data)
            case "action", Text():
                return await self._chosen(turn, session, data=data)
            case "form", _:
                form = await self._form(turn, session, data["mode"], data["values"])
                hint = Say(_("Fill in the form below (or type cancel)."), Tone.WARNING)
                return Outcome(replies=[hint, form], state=state)
        return _use_buttons(state)

    async def _chosen(
        self,
        turn: Turn,
        session: SessionView,
        notes: list[Reply] | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> Outcome:
        label = await checks.session_label(turn, session)
        ask = AskChoice(
            _("{session}: move it, or cancel it?").format(session=label), shown(ACTIONS)
        )
        state = FlowState(self.name, "action", {**(data or {}), "session": session.id})
        return Outcome(replies=[*(notes or []), ask], state=state)

    async def _form(
        self, turn: Turn, session: SessionView, mode: str, values: Mapping[str, str]
    ) -> AskForm:
        moving = mode == "rearrange"
        when_help = _("e.g. tomorrow 2pm, Tue 10:00 or 3/12 09:30 (day first)")
        if not moving:
            when_help = _("Needed unless the supervisee is leaving or away for two weeks") + (
                _cited(turn.pack, _CHANGE_RULE)
            )
        when = field(
            "when", _("New date and time"), FieldKind.DATETIME, required=moving, help=when_help
        )
        words = turn.pack.compliance.missed_reason
        # DCC 000:176: asked for when the change leaves the month without supervision.
        extra = (_follow_up_field(words, turn.pack),) if words is not None else ()
        form = AskForm(
            form_id=self.name,
            title=_("Move supervision") if moving else _("Cancel supervision"),
            intro=await checks.session_label(turn, session),
            fields=(_reason_field(turn.pack), note_field(), when, *extra),
            submit_label=_("Check and confirm"),
        )
        return prefilled(form, values)

    async def _check(
        self, turn: Turn, session: SessionView, data: dict[str, Any], submitted: dict[str, str]
    ) -> Outcome:
        """Every problem beside its field, every typed value kept; then the confirm card."""
        blank = await self._form(turn, session, data["mode"], {})
        moved = shifted(submitted.get("when", ""), session.start, turn.zone)
        if moved:  # "push it back a week": from the booked time, written out to check
            submitted = {**submitted, "when": moved}
        checked = check_form(blank, submitted, turn, future_only=("when",), windows=checks.WINDOWS)
        form, values = checked.form, checked.values
        data["values"] = values
        everyone, supervisees = await checks.people_of(turn, session)
        problems: dict[str, str] = {}
        start: datetime | None = None
        if values["when"] and not _error(form, "when"):
            start = when_value(values, "when", turn)
            problem = await _slot_problem(turn, session, everyone, start)
            if problem:
                problems["when"] = problem
        # The rules themselves are policy.rearrange's (DCC 000:93): a reason, said; an early
        # alternative date unless the supervisee is leaving or away the next two weeks.
        known = values["reason"] in CancelReason.__members__.values()  # else the form says so
        reason = CancelReason(values["reason"]) if known else None
        ids = [p.id for p in supervisees]
        dated = bool(values["when"])
        if dated or reason is CancelReason.LEAVING:
            absences: tuple[AbsenceFacts, ...] = ()  # away or not, it does not matter
        else:
            absences = (await turn.ports.facts.for_staff(ids, turn.today)).absences
        new_day = (start or turn.now).astimezone(turn.zone).date() if dated else None
        # DCC 000:176: who this leaves with no supervision in the session's month.
        words = turn.pack.compliance.missed_reason
        left = await _left_unsupervised(turn, session, new_day) if words is not None else []
        follow_up = values.get("follow_up", "") if left else None
        data["missed"] = left
        found_problems = change_problems(
            reason, values["note"], new_day, ids, absences, turn.today, follow_up
        )
        month = format_month(session.start.astimezone(turn.zone).date())
        for found in found_problems:
            if found is ChangeProblem.NO_FOLLOW_UP and words is not None:
                problems.setdefault("follow_up", needs_follow_up(words, month, turn.pack))
                continue
            field_name, text = problem_text(found, turn.pack)
            problems.setdefault(field_name, text)
        for name, error in problems.items():
            if not _error(form, name):
                form = with_error(form, name, error)
        if form.has_errors:
            return Outcome(replies=[form], state=FlowState(self.name, "form", data))
        length = session.end - session.start
        warnings: list[str] = []
        facts = [Fact(_("Now"), checks.span(session.start, session.end, turn))]
        if start is not None:
            warnings += (await checks.availability(turn, everyone, start))[1]
            for supervisee in supervisees:
                warnings += await checks.due_warnings(
                    turn, supervisee, session.type, start, ignore=session.id
                )
            facts.append(Fact(_("Moves to"), checks.span(start, start + length, turn)))
        else:
            facts.append(Fact(_("New date"), _("none: cancelled")))
        facts.append(Fact(_("Reason"), _(_REASON_LABELS[values["reason"]])))
        if values["note"]:
            facts.append(Fact(_("Details"), values["note"]))
        if left and words is not None:
            facts.append(
                Fact(
                    _("No supervision in {month}").format(month=month),
                    pack_word(turn.pack, words.reason_given),
                )
            )
            if values.get("follow_up"):
                facts.append(Fact(words.follow_up, values["follow_up"]))
        data["start"] = start.isoformat() if start else None
        said = read_back(values["when"], turn.now, turn.zone) if start else ""
        checks_shown = (CardSection(_("Check the date"), (said,)),) if said else ()
        card = Card(
            title=_("Move supervision") if start else _("Cancel supervision"),
            subtitle=_("Check, then confirm; the other person is told."),
            facts=tuple(facts),
            sections=checks_shown
            + ((CardSection(_("Check before confirming"), tuple(warnings)),) if warnings else ()),
            actions=(Option("confirm", _("Confirm")), Option("edit", _("Change"))),
        )
        return Outcome(replies=[card], state=FlowState(self.name, "confirm", data))

    async def _save(self, turn: Turn, session: SessionView, data: dict[str, Any]) -> Outcome:
        values: dict[str, str] = data["values"]
        reason = CancelReason(values["reason"])
        start = datetime.fromisoformat(data["start"]) if data.get("start") else None
        if start is not None:
            everyone, _supervisees = await checks.people_of(turn, session)
            problem = _("That time has passed.") if start <= turn.now else ""
            problem = problem or await _slot_problem(turn, session, everyone, start)
            if problem:  # the diary changed since the card was shown
                form = await self._form(turn, session, data["mode"], values)
                state = FlowState(self.name, "form", data)
                return Outcome(replies=[with_error(form, "when", problem)], state=state)
        target = session.supervisee_ids[0] if session.supervisee_ids else None
        await turn.ports.sessions.cancel(session.id, reason, values["note"])
        await _audit(turn, session.id, target, reason, {"event": "cancelled"})
        for staff_id in data.get("missed", ()):
            # DCC 000:176: the month's reason and follow-up action, on the supervision file.
            await turn.ports.notes.missed_month(
                staff_id=staff_id,
                month=session.start.astimezone(turn.zone).date(),
                reason=reason,
                note=values["note"],
                follow_up=values.get("follow_up", ""),
                session_id=session.id,
                recorded_by_id=turn.actor.id,
            )
        moved: SessionView | None = None
        if start is not None:
            # The repository keeps the iCalendar UID and raises SEQUENCE (RFC 5545).
            moved = await turn.ports.sessions.book(
                organisation_id=turn.actor.organisation_id,
                type=session.type,
                supervisor_id=session.supervisor_id,
                supervisee_ids=session.supervisee_ids,
                start=start,
                end=start + (session.end - session.start),
                venue=session.venue,
                virtual=session.virtual,
                agenda=session.agenda,
                created_by_id=turn.actor.id,
                rescheduled_from_id=session.id,
            )
            detail = {"event": "rearranged", "from_session": session.id}
            await _audit(turn, moved.id, target, reason, detail)
        return await _told(turn, session, moved, reason, values["note"])


async def _told(
    turn: Turn, old: SessionView, moved: SessionView | None, reason: CancelReason, note: str
) -> Outcome:
    """The reply, and the other party told (the note only when it is the reason itself)."""
    # Issue 23 item 6: its Teams meeting moves with it, or is cancelled with it.
    if moved is not None:
        moved, meeting_note = await arrange_meeting(turn, moved, previous=old)
    else:
        _unchanged, meeting_note = await arrange_meeting(turn, old, cancel=True)
    # Same UID: calendars update the event (higher SEQUENCE) or remove it (CANCEL).
    # Into Outlook where the council sends invitations through Graph: the same event moved or
    # cancelled; else (or when Outlook cannot) the .ics file.
    in_outlook: Say | None
    if moved is not None:
        moved, in_outlook, invite_note = await to_outlook(turn, moved, previous=old)
    else:
        _unchanged, in_outlook, invite_note = await to_outlook(turn, old, cancel=True)
    now_moved = moved

    def card_facts() -> list[Fact]:
        why = _(_REASON_LABELS[reason.value])
        if reason is CancelReason.OTHER:
            why = f"{why}: {note}"
        facts = [Fact(_("Was"), checks.span(old.start, old.end, turn))]
        if now_moved is not None:
            facts.append(Fact(_("Now"), checks.span(now_moved.start, now_moved.end, turn)))
        facts.append(Fact(_("Reason"), why))
        if now_moved is not None and now_moved.online_meeting_url:
            facts.append(Fact(_("Teams meeting"), now_moved.online_meeting_url))
        return facts

    async def calendar_file() -> Reply:
        if in_outlook is not None:
            return in_outlook
        return await invite(turn, now_moved) if now_moved else await invite(turn, old, cancel=True)

    def heading() -> str:
        return _("Supervision moved") if now_moved else _("Supervision cancelled")

    async def changed() -> list[Reply]:
        # Issue 28 item 1: in the recipient's language, not the language of whoever changed it.
        told = _("{name} changed your supervision.").format(name=turn.actor.name)
        return [Card(heading(), told, tuple(card_facts())), await calendar_file()]

    was = checks.span(old.start, old.end, turn)
    facts, title, calendar = card_facts(), heading(), await calendar_file()
    key = f"rearranged:{moved.id}" if moved else f"cancelled:{old.id}"
    others = [i for i in checks.parties_of(old) if i != turn.actor.id]
    notes = [await notice(turn, who, f"{key}:{who}", changed) for who in others]
    names = [p.name for p in [await turn.ports.directory.staff(i) for i in others] if p]
    if names:
        told = ngettext("{names} has been told.", "{names} have been told.", len(names)).format(
            names=_(" and ").join(names)
        )
    else:
        told = _("The other person has been told.")
    done = Card(
        f"{title}: {await checks.session_label(turn, old, with_time=False)}", told, tuple(facts)
    )
    recorded = f"{title[:1].lower()}{title[1:]}, {was}"
    if moved is not None and day_before_passed(turn, moved):
        # Issue 27: moved to today or tomorrow, past the day's agenda run: its day-before
        # agenda goes now, under the run's keys (once either way).
        notes += (await booking_agendas(turn, moved)).notes
    replies: list[Reply] = [done, calendar]
    for note in (meeting_note, invite_note):
        if note:
            replies.append(Say(note, Tone.WARNING))
    return Outcome(replies=replies, notifications=notes, recorded=recorded)


async def _left_unsupervised(turn: Turn, session: SessionView, new_day: date | None) -> list[int]:
    """The supervisees this change leaves with no counting session held or booked in the
    session's calendar month (DCC 000:176; policy.rearrange.month_left_unsupervised)."""
    day = session.start.astimezone(turn.zone).date()
    first = day.replace(day=1)
    lo = datetime.combine(first, time(0), tzinfo=turn.zone)
    hi = datetime.combine(month_end(first) + timedelta(days=1), time(0), tzinfo=turn.zone)
    types = set(turn.pack.compliance.session_types)
    left = []
    for staff_id in session.supervisee_ids:
        others = [
            s.start.astimezone(turn.zone).date()
            for s in await turn.ports.sessions.between(staff_id, lo, hi)
            if s.id != session.id
            and staff_id in s.supervisee_ids
            and s.type in types
            and s.status in (SessionStatus.HELD, SessionStatus.BOOKED)
        ]
        if month_left_unsupervised(day, new_day, others):
            left.append(staff_id)
    return left


def _error(form: AskForm, name: str) -> str:
    return next(f.error for f in form.fields if f.name == name)


async def _slot_problem(
    turn: Turn, session: SessionView, people: list[StaffView], start: datetime
) -> str:
    end = start + (session.end - session.start)
    problem = checks.leaving_problem(people, start.astimezone(turn.zone).date())
    problem = problem or await checks.clash(turn, people, start, end, ignore=session.id)
    return problem or (await checks.availability(turn, people, start))[0]


async def _audit(
    turn: Turn, session_id: int, target: int | None, reason: CancelReason, detail: dict[str, Any]
) -> None:
    await turn.ports.audit.record(
        actor_id=turn.actor.id,
        action="write",
        subject_type="supervision_session",
        subject_id=str(session_id),
        target_staff_id=target,
        reason=reason.value,
        detail=detail,
    )


def _gone() -> Outcome:
    text = _("That supervision is no longer booked (held, cancelled or past). Nothing was changed.")
    return Outcome(replies=[Say(text, Tone.WARNING)])


def _use_buttons(state: FlowState) -> Outcome:
    return Outcome(
        replies=[Say(_("Use the buttons above, or type cancel."), Tone.WARNING)], state=state
    )
