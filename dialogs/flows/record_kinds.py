"""Which of the pack's kinds of record a session still needs, in the pack's words.

LAM 004:350,356: one session's case record (Mosaic) and professional supervision minutes each
have their own deadline; 004:202: a session may give time to each area, so may have both.
"""

from __future__ import annotations

from dialogs.flow import Turn
from dialogs.i18n import _
from dialogs.messages import Option
from dialogs.views import SessionView
from dialogs.when import describe_day
from policy.calendar import WorkingCalendar
from policy.recording import KindToWrite, kinds_to_write


def to_write(turn: Turn, session: SessionView) -> tuple[KindToWrite, ...]:
    """The records still to write for the session, each kind apart (issue 20 item 14)."""
    calendar = WorkingCalendar(turn.pack.nation)
    return kinds_to_write(session.type, session.end, session.record_kinds, turn.pack, calendar)


def outstanding_text(kinds: tuple[KindToWrite, ...]) -> str:
    """'Still to write for this session: Case record (Mosaic), due Wed 25 Nov 2026.'"""
    owed = [k for k in kinds if k.outstanding]
    if not owed:
        return ""
    parts = [
        k.label + (_(", due {day}").format(day=describe_day(k.due)) if k.due is not None else "")
        for k in owed
    ]
    return _("Still to write for this session: {records}.").format(records="; ".join(parts))


def kind_option(kind: KindToWrite) -> Option:
    if kind.outstanding:
        when = _(" (due {day})").format(day=describe_day(kind.due)) if kind.due is not None else ""
        return Option(f"kind:{kind.id}", f"{kind.label}{when}")
    return Option(
        f"kind:{kind.id}", _("{record} (if the session gave time to it)").format(record=kind.label)
    )
