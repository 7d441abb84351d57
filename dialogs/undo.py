"""Undo of something just saved (issue 22): the last manager decision or informal supervision note
the person saved, within UNDO_WINDOW, is withdrawn.

Case records are audited, so nothing is deleted: the row is marked withdrawn with who and when,
an audit row says so, and a withdrawn decision no longer counts (not exported to the child's
record, not the "last decision" on an agenda). Only its author may undo it, only the last thing
they saved, only once (a second "undo" or a double click withdraws nothing more), and not once
something depends on it: a decision already exported to the case management system is corrected
there. What is said names the case reference and the date, never the content.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dialogs.flow import Outcome, Turn
from dialogs.i18n import N_, _, format_clock, pack_word
from dialogs.messages import AskChoice, Notify, Option, Say, Tone
from dialogs.views import EnteredNoteView
from dialogs.when import describe, describe_day

# Long enough to notice a slip (the wrong case, the wrong person) after saving; short enough
# that nobody has acted on it yet. The same for every council: it is about the chat, not policy.
UNDO_WINDOW = timedelta(minutes=10)
# The conversations whose save can be undone, and the button offered under what they saved.
UNDOABLE = frozenset({"decision", "informal"})
UNDO = "start:undo"
_KINDS = {"decision": "manager_decision", "informal": "informal_supervision"}
_SHORT = {v: k for k, v in _KINDS.items()}


async def offer(turn: Turn) -> AskChoice | None:
    """The Undo button under a decision or informal note saved in this turn, naming it."""
    note = await turn.ports.notes.last_entered(turn.actor.id)
    if note is None or note.withdrawn_at is not None or note.recorded_at != turn.now:
        return None
    minutes = int(UNDO_WINDOW.total_seconds() // 60)
    return AskChoice(
        _("Saved by mistake? Undo withdraws it in the next {minutes} minutes.").format(
            minutes=minutes
        ),
        (Option(f"{UNDO}:{_SHORT[note.kind]}:{note.id}", _("Undo")),),
    )


async def _what(turn: Turn, note: EnteredNoteView) -> str:
    """The note as people see it: its case reference or the other party, and its date."""
    if note.kind == "manager_decision":
        day = describe_day(note.decided_on) if note.decided_on else ""
        return _("the {kind} on {case} dated {day}").format(
            kind=pack_word(turn.pack, note.note_type), case=note.case_reference, day=day
        )
    other = await turn.ports.directory.staff(note.other_staff_id) if note.other_staff_id else None
    when = describe(note.occurred_at, turn.zone) if note.occurred_at else ""
    if other is None:
        return _("the informal supervision on {when}").format(when=when)
    return _("the informal supervision with {name} on {when}").format(name=other.name, when=when)


def _wanted(argument: str) -> tuple[str, int] | None:
    """The note an Undo button was for ("decision:42"), or None for a typed "undo"."""
    kind, _sep, number = argument.partition(":")
    if kind in _KINDS and number.isdigit():
        return _KINDS[kind], int(number)
    return None


async def undo_last(turn: Turn, argument: str = "") -> Outcome:
    """Withdraw the last decision or informal note this person saved, or say why not."""
    note = await turn.ports.notes.last_entered(turn.actor.id)
    if note is None:
        return Outcome(replies=[Say(_(_NOTHING_SAVED))])
    what = await _what(turn, note)
    saved_at = _at(note.recorded_at, turn)
    wanted = _wanted(argument)
    if wanted is not None and wanted != (note.kind, note.id):
        return Outcome(
            replies=[
                Say(
                    _(
                        "Nothing was withdrawn: that Undo is for something you saved before "
                        "{what}. Only the last thing you saved can be undone."
                    ).format(what=what),
                    Tone.WARNING,
                )
            ]
        )
    if note.withdrawn_at is not None:
        return Outcome(replies=[_already(note, what, turn)])
    if note.exported_at is not None:
        return Outcome(
            replies=[
                Say(
                    _(
                        "{what} has already been sent to the child's record, so it can't be "
                        "withdrawn here: correct it in the case management system."
                    ).format(what=_first(what)),
                    Tone.WARNING,
                )
            ]
        )
    if turn.now - note.recorded_at > UNDO_WINDOW:
        minutes = int(UNDO_WINDOW.total_seconds() // 60)
        fix = (
            _("record a new {kind} on {case} that corrects it").format(
                kind=pack_word(turn.pack, note.note_type), case=note.case_reference
            )
            if note.kind == "manager_decision"
            else _("ask your admin to correct the supervision file")
        )
        return Outcome(
            replies=[
                Say(
                    _(
                        "{what} was saved at {time}, more than {minutes} minutes ago, so it "
                        "can't be undone. To change it, {fix}."
                    ).format(what=_first(what), time=saved_at, minutes=minutes, fix=fix),
                    Tone.WARNING,
                )
            ]
        )
    if not await turn.ports.notes.withdraw(note.kind, note.id, by_id=turn.actor.id, at=turn.now):
        return Outcome(replies=[_already(note, what, turn)])  # a click that raced this one
    told = note.told_staff_ids or ((note.other_staff_id,) if note.other_staff_id else ())
    await turn.ports.audit.record(
        actor_id=turn.actor.id,
        action="withdraw",
        subject_type=note.kind,
        subject_id=str(note.id),
        target_staff_id=told[0] if told else None,
        reason="undo",
        detail={"saved_at": note.recorded_at.isoformat()},
    )
    counts = (
        _("It no longer counts: not on agendas, not exported to the child's record.")
        if note.kind == "manager_decision"
        else _("It no longer counts as informal supervision on file, and can be recorded again.")
    )
    done = Say(
        _(
            "Withdrawn: {what} (saved at {time}). It is kept, marked withdrawn by you, as case "
            "records are audited."
        ).format(what=what, time=saved_at)
        + " "
        + counts,
        Tone.SUCCESS,
    )
    # The worker told of the decision is told it is withdrawn, in the same few words.
    notices = [
        Notify(
            staff_id=staff_id,
            messages=(
                Say(
                    _("{name} withdrew {what}, saved at {time}.").format(
                        name=turn.actor.name, what=what, time=saved_at
                    )
                ),
            ),
            key=f"withdrawn:{note.kind}:{note.id}:{staff_id}",
        )
        for staff_id in note.told_staff_ids
    ]
    return Outcome(replies=[done], notifications=notices)


def _already(note: EnteredNoteView, what: str, turn: Turn) -> Say:
    return Say(
        _(
            "Nothing more to undo: {what} was withdrawn at {time}. Only the last thing you saved "
            "can be undone."
        ).format(what=what, time=_at(note.withdrawn_at or turn.now, turn))
    )


def _at(moment: datetime, turn: Turn) -> str:
    """09:42 today, or the day and time before today."""
    local = moment.astimezone(turn.zone)
    return format_clock(local) if local.date() == turn.today else describe(moment, turn.zone)


def _first(text: str) -> str:
    return text[:1].upper() + text[1:]


_NOTHING_SAVED = N_(
    "Nothing to undo: you have not saved a manager decision or an informal supervision note. "
    "In a form, *back* goes to the step before. Something else already saved is changed from "
    "its own conversation: *rearrange* a supervision, or *sign* a record to ask for changes."
)
