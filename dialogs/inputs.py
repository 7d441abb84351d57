"""Input made safe at the dialog boundary: text the database can store, ids in range, dates in a
window that makes sense for the field.

Everything a person sends passes here before a flow sees it, so a broken client (half an emoji,
a null byte) or a hostile one (a 20-digit id, the year 2100) gets a message, never a traceback.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date

from dialogs.i18n import _
from dialogs.messages import Choice, Command, FormSubmit, Inbound, Payload, Text
from dialogs.when import describe_day

# Ids are PostgreSQL `integer` columns: a larger number names nothing, so it is "not found",
# never an overflow error from the driver.
MAX_ID = 2_147_483_647
_ID = re.compile(r"#?\s*([0-9]+)")
# C0 and C1 control characters except tab and newline: invisible, and PostgreSQL refuses NUL.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
REPLACEMENT = "\ufffd"


def clean_text(text: object) -> str:
    """Text every database and platform can hold, otherwise as typed (Welsh, emoji, right-to-left
    scripts and markup are kept as text).

    A lone UTF-16 surrogate (half an emoji cut by a client) becomes U+FFFD, so the person sees
    where something was lost; a pair sent as two halves is joined. Line endings become "\\n";
    other control characters, NUL among them, are dropped."""
    value = text if isinstance(text, str) else "" if text is None else str(text)
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", unicodedata.normalize("NFC", value))


def clean_payload(payload: Payload) -> Payload:
    match payload:
        case Text(text=text):
            return Text(clean_text(text))
        case Command(name=name, argument=argument):
            return Command(clean_text(name), clean_text(argument))
        case Choice(value=value):
            return Choice(clean_text(value))
        case FormSubmit(form_id=form_id, values=values):
            cleaned = {clean_text(k): clean_text(v) for k, v in dict(values).items()}
            return FormSubmit(clean_text(form_id), cleaned)
    return payload


def clean_inbound(inbound: Inbound) -> Inbound:
    """The same message with every text the person controls made safe to store and echo."""
    return replace(inbound, payload=clean_payload(inbound.payload))


def is_number(text: str) -> bool:
    """Typed as a number ("42", "#42"), whether or not anything has that number."""
    return _ID.fullmatch(text.strip()) is not None


def parse_id(text: str) -> int | None:
    """The id typed or chosen, or None when it is not a plain number any row could have."""
    match = _ID.fullmatch(text.strip())
    if match is None or len(match[1]) > len(str(MAX_ID)):
        return None
    value = int(match[1])
    return value if 0 < value <= MAX_ID else None


def quoted(text: str, limit: int = 60) -> str:
    """What was typed, shortened for a message that repeats it back."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _years_from(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February, in a year without one
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True, slots=True)
class Window:
    """How many years before and after today a date field may fall. Product bounds, not policy:
    wide enough for late recording and planning ahead, narrow enough to catch 1900 or 2100."""

    back: int  # years before today
    ahead: int  # years after today

    def bounds(self, today: date) -> tuple[date, date]:
        return _years_from(today, -self.back), _years_from(today, self.ahead)

    def problem(self, label: str, day: date, today: date) -> str:
        earliest, latest = self.bounds(today)
        if earliest <= day <= latest:
            return ""
        return _(
            "{label}: {day} is outside the dates this can take. Use a date from {earliest} to "
            "{latest}."
        ).format(
            label=label,
            day=describe_day(day),
            earliest=describe_day(earliest),
            latest=describe_day(latest),
        )


ANY_DATE = Window(back=2, ahead=2)  # every date field, unless a flow narrows it
LAST_YEAR = Window(back=1, ahead=2)  # recorded afterwards: decisions, informal supervision
NEXT_YEAR = Window(back=2, ahead=1)  # planned: bookings, next meetings, actions due
AROUND_NOW = Window(back=1, ahead=1)  # periods a manager records: over-cap, personal elements
