"""Dates and times the way people type them in the UK: "tomorrow 2pm", "Tue 10:00", "3/12 09:30"."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_DAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_DAYS.update({name.lower(): i for i, name in enumerate(calendar.day_abbr)})
_DAYS.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3})
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9


class WhenError(ValueError):
    """What was typed is not a date or time; the message says why and how to write it."""


_TIME = re.compile(
    r"(?:\bat\s+)?\b(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?(?![\d/])"
)


def _take_time(text: str) -> tuple[time | None, str]:
    lowered = text.lower()
    for word, value in (("noon", time(12)), ("midday", time(12))):
        if re.search(rf"\b{word}\b", lowered):
            return value, re.sub(rf"\b(at\s+)?{word}\b", " ", lowered)
    for match in _TIME.finditer(lowered):
        minute_text, ampm = match["m"], match["ampm"]
        if minute_text is None and ampm is None:
            continue  # a bare number is a day, not a time
        hour, minute = int(match["h"]), int(minute_text or 0)
        if ampm:
            if not 1 <= hour <= 12:
                raise WhenError(f"'{match.group(0).strip()}' is not a time: use 1-12 with am/pm")
            hour = hour % 12 + (12 if ampm.startswith("p") else 0)
        if hour > 23 or minute > 59:
            raise WhenError(
                f"'{match.group(0).strip()}' is not a time: write it like 14:30 or 2:30pm"
            )
        rest = lowered[: match.start()] + " " + lowered[match.end() :]
        return time(hour, minute), rest
    return None, lowered


_FORMAT = "Write dates day/month/year, such as 3/12/2026"


def _checked(year: int, month: int, day: int, typed: str) -> date:
    if not 1 <= year <= 9999:
        raise WhenError(f"'{typed}' is not a date: there is no year {year}. {_FORMAT}")
    if not 1 <= month <= 12:
        raise WhenError(
            f"'{typed}' is not a date: there is no month {month} (UK dates are day/month). "
            f"{_FORMAT}"
        )
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        name = calendar.month_name[month]
        raise WhenError(f"'{typed}' is not a date: {name} {year} has {last} days. {_FORMAT}")
    return date(year, month, day)


def _year_for(month: int, day: int, today: date) -> int:
    """No year typed: this year, unless that is well past (then next year: "3/1" in November)."""
    year = today.year
    try:
        candidate = date(year, month, day)
    except ValueError:
        return year
    return year + 1 if (today - candidate).days > 60 else year


def parse_day(text: str, today: date) -> date:
    """A date on its own: "tomorrow", "Fri", "next Tuesday", "3/12", "3 Dec 2026", "2026-12-03"."""
    cleaned = " ".join(text.lower().replace(",", " ").split())
    if not cleaned:
        raise WhenError("no date given: write one like 3/12, Tue or tomorrow")
    if cleaned in {"today", "now"}:
        return today
    if cleaned == "tomorrow":
        return today + timedelta(days=1)
    if cleaned == "yesterday":
        return today - timedelta(days=1)
    if match := re.fullmatch(r"in (\d{1,3}) (day|days|week|weeks)", cleaned):
        count = int(match[1]) * (7 if match[2].startswith("week") else 1)
        return today + timedelta(days=count)
    if (match := re.fullmatch(r"(next |this )?([a-z]+)", cleaned)) and match[2] in _DAYS:
        # "Tue" and "next Tue" both mean the coming Tuesday, never today.
        ahead = (_DAYS[match[2]] - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    if match := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", cleaned):
        return _checked(int(match[1]), int(match[2]), int(match[3]), text.strip())
    if match := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2}|\d{4}))?", cleaned):
        day, month = int(match[1]), int(match[2])
        year = int(match[3]) if match[3] else _year_for(month, day, today)
        year = year + 2000 if year < 100 else year
        return _checked(year, month, day, text.strip())
    if match := re.fullmatch(
        r"(?:[a-z]+ )?(\d{1,2})(?:st|nd|rd|th)? ([a-z]+)(?: (\d{4}))?", cleaned
    ):
        month_name = match[2]
        if month_name in _MONTHS:
            day, month = int(match[1]), _MONTHS[month_name]
            year = int(match[3]) if match[3] else _year_for(month, day, today)
            return _checked(year, month, day, text.strip())
    raise WhenError(
        f"'{text.strip()}' is not a date I can read: write it like 3/12, 3 Dec, Tue or tomorrow "
        "(day first, as in the UK)"
    )


def parse_when(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """A date and a time: "tomorrow 2pm", "Tue 10:00", "3/12 09:30", "3 Dec at 9.30am"."""
    if not text.strip():
        raise WhenError("no date or time given: write one like 'tomorrow 2pm' or '3/12 09:30'")
    moment, rest = _take_time(text)
    rest = re.sub(r"\b(on|at)\b", " ", rest)
    if moment is None:
        raise WhenError(f"'{text.strip()}' has no time: add one, for example '{text.strip()} 10am'")
    today = now.astimezone(zone).date()
    day = parse_day(rest, today) if rest.strip() else today
    # fold=0: in the October clock change the earlier 01:30 is meant; people rarely book then.
    return datetime.combine(day, moment, tzinfo=zone)


def describe(moment: datetime, zone: ZoneInfo) -> str:
    """'Thu 3 Dec 2026, 09:30' in the person's time zone."""
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}"


def describe_day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"
