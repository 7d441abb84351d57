"""What the buttons on a reminder do: snooze it for a day or a week, or mark a session as held."""

from __future__ import annotations

from datetime import timedelta

from dialogs.flow import FlowState, Outcome, Turn
from dialogs.i18n import N_, _
from dialogs.inputs import parse_id
from dialogs.messages import AskChoice, Choice, Option, Payload, Say, Tone
from dialogs.when import describe, describe_day
from policy.vocabulary import SessionStatus

SNOOZE_DAYS = {1, 7}
_KIND_LENGTH = 60  # the stored column's width (storage.models.Snooze.kind)


class SnoozeFlow:
    name = "snooze"
    title = N_("Snooze a reminder")
    summary = N_("put off a reminder for a day or a week")
    usage = N_("snooze <what> <1|7>")
    captures_text = False
    listed = False  # started from a reminder's buttons, not typed

    async def start(self, turn: Turn, argument: str) -> Outcome:
        kind, _sep, days_text = argument.partition(":")
        days = parse_id(days_text)
        if not kind or len(kind) > _KIND_LENGTH or days not in SNOOZE_DAYS:
            return Outcome(replies=[Say(_("Use the Snooze buttons on a reminder."), Tone.WARNING)])
        until = turn.today + timedelta(days=days - 1)
        await turn.ports.notes.snooze(staff_id=turn.actor.id, kind=kind, until=until)
        again = describe_day(until + timedelta(days=1))
        text = _("Snoozed: I'll remind you again on {day}.").format(day=again)
        return Outcome(replies=[Say(text, Tone.SUCCESS)])

    async def resume(self, turn: Turn, state: FlowState, payload: Payload) -> Outcome:
        return Outcome()


class HeldFlow:
    name = "held"
    title = N_("Mark a supervision as held")
    summary = N_("say that a booked supervision took place")
    usage = N_("held")
    listed = False  # started from a reminder's buttons, not typed

    async def start(self, turn: Turn, argument: str) -> Outcome:
        since = turn.now - timedelta(days=60)
        past = [
            s
            for s in await turn.ports.sessions.recent(turn.actor.id, since)
            if s.status is SessionStatus.BOOKED and s.start <= turn.now
        ]
        if not past:
            return Outcome(
                replies=[Say(_("There is no past booked session to mark as held. Book one first."))]
            )
        options = tuple(
            Option(str(s.id), describe(s.start, turn.zone)) for s in reversed(past[-10:])
        )
        ask = AskChoice(_("Which supervision took place?"), options)
        ids = [s.id for s in past]
        return Outcome(replies=[ask], state=FlowState(self.name, "choose", {"ids": ids}))

    async def resume(self, turn: Turn, state: FlowState, payload: Payload) -> Outcome:
        session_id = parse_id(payload.value) if isinstance(payload, Choice) else None
        if session_id is None:
            return Outcome(
                replies=[Say(_("Pick one of the sessions above."), Tone.WARNING)], state=state
            )
        if session_id not in state.data.get("ids", []):
            return Outcome(replies=[Say(_("That is not one of your sessions."), Tone.WARNING)])
        await turn.ports.sessions.mark_held(session_id)
        await turn.ports.audit.record(
            actor_id=turn.actor.id,
            action="write",
            subject_type="supervision_session",
            subject_id=str(session_id),
            target_staff_id=None,
            detail={"status": "held"},
        )
        reply = Say(
            _("Marked as held. The record is now due: type 'record' to write it up."),
            Tone.SUCCESS,
        )
        return Outcome(replies=[reply], recorded=_("the supervision marked as held"))
