"""A due item's description in the reader's language (issue 28).

Most descriptions are the pack's own words (a frequency's description), given in Welsh by the
pack. Two are written by policy.recording from a session: "Write up the case management session
of 18 Nov 2026" and "Sign the record of 18 Nov 2026", each with the record's kind in brackets
where the pack keeps several; those are put into Welsh here from their parts.
"""

from __future__ import annotations

import re
from datetime import datetime

from dialogs.flows.booking_checks import type_label
from dialogs.i18n import ENGLISH, _, format_day, language, pack_word
from policy.frequencies import DueItem
from policy.packs import Pack
from policy.vocabulary import SessionType

_DAY = r"(?P<day>\d{1,2} [A-Z][a-z]{2} \d{4})"
_KIND = r"(?: \((?P<kind>[^)]*)\))?"
_SIGN = re.compile(rf"Sign the record of {_DAY}{_KIND}")
_WRITE = re.compile(rf"Write up the (?P<type>[a-z ]+) session of {_DAY}{_KIND}")


def due_text(pack: Pack, item: DueItem) -> str:
    text = item.description
    if language() == ENGLISH:
        return text
    if (sign := _SIGN.fullmatch(text)) and item.kind == "record_signoff":
        said = _("Sign the record of {day}").format(day=_day(sign["day"]))
        return said + _kind(pack, sign["kind"])
    if (write := _WRITE.fullmatch(text)) and item.kind == "record":
        try:
            session = type_label(SessionType(write["type"].replace(" ", "_")))
        except ValueError:
            session = write["type"]
        said = _("Write up the {kind} session of {day}").format(
            kind=session, day=_day(write["day"])
        )
        return said + _kind(pack, write["kind"])
    return pack_word(pack, text)


def _day(text: str) -> str:
    return format_day(datetime.strptime(text, "%d %b %Y").date())  # noqa: DTZ007 (a date)


def _kind(pack: Pack, kind: str | None) -> str:
    if not kind:
        return ""
    label = next((k.label for k in pack.recording.record_kinds if k.label.lower() == kind), kind)
    return f" ({pack_word(pack, label)})"
