"""Dates and times the way people type them in the UK: "tomorrow 2pm", "Tue 10:00", "3/12 09:30",
"a week on Friday", "half two", "first thing Monday", "the 14th at 2" (issue 22).

A phrase that names no one day ("after Christmas", "next week") is not guessed: the error asks
which date and suggests one. What a phrase was read as is said back (`read_back`) before anything
is saved, with a note where UK usage is split ("next Tue" said on a Monday: issue 21 item 11).
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dialogs.i18n import N_, _, format_clock, format_day, format_month_name, format_weekday
from policy.calendar import WorkingCalendar
from policy.vocabulary import Nation

_DAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_DAYS.update({name.lower(): i for i, name in enumerate(calendar.day_abbr)})
_DAYS.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3})
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9


_HOUR_WORDS: tuple[str, ...] = ("one", "two", "three", "four", "five", "six")
_HOUR_WORDS += ("seven", "eight", "nine", "ten", "eleven", "twelve")
_NUMBER_WORDS = {word: i for i, word in enumerate(_HOUR_WORDS, start=1)}
_HOUR = r"(\d{1,2}|" + "|".join(_NUMBER_WORDS) + ")"
# Phrases that name no one day: asked about, never guessed.
_VAGUE = re.compile(
    r"\b(after|before|over|around|by) (christmas|xmas|easter|new year|half[- ]term|the holidays)\b"
    r"|\b(in the new year|sometime|some time|soon|asap|next week|next month|later|whenever)\b"
)


# Issue 28: the same days typed in Welsh ("yfory 2pm", "dydd Mawrth 10:00", "Llun"), read as
# their English words before parsing. Longest first, so "dydd llun" wins over "llun".
_WELSH_DAYS = (
    ("dydd llun", "monday"),
    ("dydd mawrth", "tuesday"),
    ("dydd mercher", "wednesday"),
    ("dydd iau", "thursday"),
    ("dydd gwener", "friday"),
    ("dydd sadwrn", "saturday"),
    ("dydd sul", "sunday"),
    ("heddiw", "today"),
    ("yfory", "tomorrow"),
    ("fory", "tomorrow"),
    ("ddoe", "yesterday"),
    ("nesaf", "next"),
    ("llun", "mon"),
    ("mawrth", "tue"),
    ("maw", "tue"),
    ("mercher", "wed"),
    ("mer", "wed"),
    ("iau", "thu"),
    ("gwener", "fri"),
    ("gwe", "fri"),
)
_WELSH = re.compile(r"\b(" + "|".join(w for w, _e in _WELSH_DAYS) + r")\b")


def _from_welsh(text: str) -> str:
    """ "dydd Mawrth nesaf" -> "tuesday next"; "yfory" -> "tomorrow"."""
    words = dict(_WELSH_DAYS)
    lowered = text.lower()
    english = _WELSH.sub(lambda m: words[m[1]], lowered)
    # "dydd Mawrth nesaf": Welsh puts "nesaf" after the day.
    return re.sub(r"\b([a-z]+) next\b", r"next \1", english) if english != lowered else text


class WhenError(ValueError):
    """What was typed is not a date or time; the message says why and how to write it."""


_TIME = re.compile(
    r"(?:\bat\s+)?\b(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?(?![\d/])"
)


def _hour_of(word: str) -> int:
    return _NUMBER_WORDS[word] if word in _NUMBER_WORDS else int(word)


def _working_hour(hour: int) -> int:
    """A bare hour in the working day: "half two" is 14:30, "at 9" is 09:00, "at 7" is 07:00."""
    return hour + 12 if 1 <= hour <= 6 else hour


_SPOKEN = (
    # "half two", "half past two", "half 9": UK speech for HH:30
    (re.compile(rf"\b(?:at\s+)?half(?:\s+past)?\s+{_HOUR}\b(?!\s*(?:am|pm|[:.]\d))"), 30, 0),
    (re.compile(rf"\b(?:at\s+)?quarter\s+past\s+{_HOUR}\b(?!\s*(?:am|pm|[:.]\d))"), 15, 0),
    (re.compile(rf"\b(?:at\s+)?quarter\s+to\s+{_HOUR}\b(?!\s*(?:am|pm|[:.]\d))"), 45, -1),
    (re.compile(rf"\b(?:at\s+)?{_HOUR}\s*o'?\s?clock\b"), 0, 0),
    # "the 14th at 2": a bare hour after "at" is a time of the working day
    (re.compile(r"\bat\s+(\d{1,2})\b(?![:./\d]|\s*(?:am|pm|a\.m\.|p\.m\.|st|nd|rd|th))"), 0, 0),
)


def _take_time(text: str) -> tuple[time | None, str]:
    lowered = text.lower()
    for word, value in (
        ("noon", time(12)),
        ("midday", time(12)),
        ("first thing", time(9)),  # the start of the working day
    ):
        if re.search(rf"\b{word}\b", lowered):
            return value, re.sub(rf"\b(at\s+|on\s+)?{word}(\s+on)?\b", " ", lowered)
    for pattern, minute, shift in _SPOKEN:
        if match := pattern.search(lowered):
            hour = _hour_of(match[1])
            if not 1 <= hour <= 23:
                raise WhenError(
                    _("'{typed}' is not a time: write it like 14:30").format(
                        typed=match.group(0).strip()
                    )
                )
            hour = (_working_hour(hour) if hour <= 12 else hour) + shift
            return time(hour % 24, minute), lowered[: match.start()] + " " + lowered[match.end() :]
    for match in _TIME.finditer(lowered):
        minute_text, ampm = match["m"], match["ampm"]
        if minute_text is None and ampm is None:
            continue  # a bare number is a day, not a time
        hour, minute = int(match["h"]), int(minute_text or 0)
        if ampm:
            if not 1 <= hour <= 12:
                raise WhenError(
                    _("'{typed}' is not a time: use 1-12 with am/pm").format(
                        typed=match.group(0).strip()
                    )
                )
            hour = hour % 12 + (12 if ampm.startswith("p") else 0)
        if hour > 23 or minute > 59:
            raise WhenError(
                _("'{typed}' is not a time: write it like 14:30 or 2:30pm").format(
                    typed=match.group(0).strip()
                )
            )
        rest = lowered[: match.start()] + " " + lowered[match.end() :]
        return time(hour, minute), rest
    return None, lowered


_FORMAT = N_("Write dates day/month/year, such as 3/12/2026")


def _checked(year: int, month: int, day: int, typed: str) -> date:
    if not 1 <= year <= 9999:
        raise WhenError(
            _("'{typed}' is not a date: there is no year {year}.").format(typed=typed, year=year)
            + " "
            + _(_FORMAT)
        )
    if not 1 <= month <= 12:
        raise WhenError(
            _(
                "'{typed}' is not a date: there is no month {month} (UK dates are day/month)."
            ).format(typed=typed, month=month)
            + " "
            + _(_FORMAT)
        )
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        name = format_month_name(date(year, month, 1))
        # Issue 21 item 11: say which date does not exist, then how many days the month has.
        raise WhenError(
            _(
                "{day} {month} {year} doesn't exist ({month} {year} has {last} days): "
                "check the day and the month (day first, as in the UK)"
            ).format(day=day, month=name, year=year, last=last)
            if day >= 1
            else _("'{typed}' is not a date: there is no day 0.").format(typed=typed)
            + " "
            + _(_FORMAT)
        )
    return date(year, month, day)


def _year_for(month: int, day: int, today: date) -> int:
    """No year typed: this year, unless that is well past (then next year: "3/1" in November)."""
    year = today.year
    try:
        candidate = date(year, month, day)
    except ValueError:
        return year
    return year + 1 if (today - candidate).days > 60 else year


def _coming(day_name: str, today: date) -> date:
    """ "Tue": the coming Tuesday, never today."""
    return today + timedelta(days=(_DAYS[day_name] - today.weekday()) % 7 or 7)


def _next_week(day_name: str, today: date) -> date:
    """ "next Tue": the Tuesday of next week (weeks start on Monday), as most people in the UK
    mean it; said on a Monday that is eight days away, not tomorrow (issue 21 item 11)."""
    monday = today + timedelta(days=7 - today.weekday())
    return monday + timedelta(days=_DAYS[day_name])


def christmas_suggestion(today: date, nation: Nation = Nation.ENGLAND) -> date:
    """The first working day after the coming Christmas bank holidays."""
    year = today.year if today <= date(today.year, 12, 26) else today.year + 1
    working = WorkingCalendar(nation)
    day = date(year, 12, 26)
    while not working.is_working_day(day):
        day += timedelta(days=1)
    return day


def _vague(cleaned: str, typed: str, today: date) -> WhenError | None:
    match = _VAGUE.search(cleaned)
    if match is None:
        return None
    if match[2] in {"christmas", "xmas"}:
        example = describe_day(christmas_suggestion(today))
        hint = _("the first working day after Christmas is {day}").format(day=example)
    elif match[0] == "next week":
        hint = _("next week starts {day}").format(day=describe_day(_next_week("monday", today)))
    else:
        hint = _("for example {day}").format(day=describe_day(today + timedelta(days=7)))
    return WhenError(
        _(
            "'{typed}' could be more than one day: which date? Type it, such as 3/12 or Tue "
            "({hint})"
        ).format(typed=typed, hint=hint)
    )


def _relative(cleaned: str, today: date) -> date | None:
    """UK phrases for a day: "a week on Friday", "Tuesday week", "a fortnight today",
    "the 14th", "end of the month", "end of the week"."""
    span = r"(a week|a fortnight|two weeks|2 weeks)"
    weeks = {"a week": 7, "a fortnight": 14, "two weeks": 14, "2 weeks": 14}
    if match := re.fullmatch(rf"{span} (?:on |from )?(today|tomorrow|[a-z]+)", cleaned):
        base = match[2]
        if base == "today":
            return today + timedelta(days=weeks[match[1]])
        if base == "tomorrow":
            return today + timedelta(days=1 + weeks[match[1]])
        if base in _DAYS:
            return _coming(base, today) + timedelta(days=weeks[match[1]])
    if (match := re.fullmatch(r"([a-z]+) week", cleaned)) and match[1] in _DAYS:
        return _coming(match[1], today) + timedelta(days=7)  # "Tuesday week"
    if (match := re.fullmatch(r"([a-z]+) next week", cleaned)) and match[1] in _DAYS:
        return _next_week(match[1], today)
    if match := re.fullmatch(r"(?:(?!the )([a-z]+) )?(?:the )?(\d{1,2})(?:st|nd|rd|th)", cleaned):
        if match[1] and match[1] not in _DAYS:
            return None
        day = int(match[2])
        month, year = today.month, today.year
        if day < today.day:  # passed this month: next month's
            month, year = (1, year + 1) if month == 12 else (month + 1, year)
        found = _checked(year, month, day, cleaned)
        if match[1] and found.weekday() != _DAYS[match[1]]:
            raise WhenError(
                _(
                    "'{typed}': the {nth} is a {weekday} ({day}), not a {other}: "
                    "which did you mean? Type the date, such as 14/12"
                ).format(
                    typed=cleaned,
                    nth=match[2],
                    weekday=format_weekday(found),
                    day=describe_day(found),
                    other=format_weekday(found + timedelta(days=_DAYS[match[1]] - found.weekday())),
                )
            )
        return found
    if re.fullmatch(r"(?:the )?end of (?:the |this )?month", cleaned):
        last = date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
        while last.weekday() >= 5:  # a meeting at the end of the month: its last weekday
            last -= timedelta(days=1)
        return last if last >= today else None
    if re.fullmatch(r"(?:the )?end of (?:the |this )?week", cleaned):
        return today + timedelta(days=(4 - today.weekday()) % 7)
    return None


def parse_day(text: str, today: date) -> date:
    """A date on its own: "tomorrow", "Fri", "next Tuesday", "3/12", "3 Dec 2026", "2026-12-03"."""
    cleaned = " ".join(_from_welsh(text).lower().replace(",", " ").split())
    cleaned = re.sub(r"^(?:on|for) ", "", cleaned)
    if not cleaned:
        raise WhenError(_("no date given: write one like 3/12, Tue or tomorrow"))
    if vague := _vague(cleaned, text.strip(), today):
        raise vague
    if (found := _relative(cleaned, today)) is not None:
        return found
    if cleaned in {"today", "now"}:
        return today
    if cleaned == "tomorrow":
        return today + timedelta(days=1)
    if cleaned == "yesterday":
        return today - timedelta(days=1)
    if match := re.fullmatch(r"in (\d{1,3}) (day|days|week|weeks)", cleaned):
        count = int(match[1]) * (7 if match[2].startswith("week") else 1)
        return today + timedelta(days=count)
    if (match := re.fullmatch(r"(next |this |coming |this coming )?([a-z]+)", cleaned)) and (
        match[2] in _DAYS
    ):
        if match[1] == "next ":
            return _next_week(match[2], today)
        return _coming(match[2], today)  # "Tue", "this Tue": the coming one, never today
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
        _(
            "'{typed}' is not a date I can read: write it like 3/12, 3 Dec, Tue or tomorrow "
            "(day first, as in the UK)"
        ).format(typed=text.strip())
    )


def parse_when(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """A date and a time: "tomorrow 2pm", "Tue 10:00", "3/12 09:30", "3 Dec at 9.30am"."""
    if not text.strip():
        raise WhenError(_("no date or time given: write one like 'tomorrow 2pm' or '3/12 09:30'"))
    moment, rest = _take_time(_from_welsh(text))
    rest = re.sub(r"\b(on|at|am)\b", " ", rest) if moment else rest
    if moment is None:
        raise WhenError(
            _("'{typed}' has no time: add one, for example '{typed} 10am'").format(
                typed=text.strip()
            )
        )
    today = now.astimezone(zone).date()
    day = parse_day(rest, today) if rest.strip() else today
    # fold=0: in the October clock change the earlier 01:30 is meant; people rarely book then.
    return datetime.combine(day, moment, tzinfo=zone)


def describe(moment: datetime, zone: ZoneInfo) -> str:
    """'Thu 3 Dec 2026, 09:30' in the person's time zone."""
    local = moment.astimezone(zone)
    return f"{format_day(local.date())}, {format_clock(local)}"


def describe_day(day: date) -> str:
    return format_day(day)


def _explicit(text: str) -> bool:
    """Digits with a month, or today: nothing to read back."""
    lowered = text.lower()
    return bool(
        re.fullmatch(r"[\s\d:./-]*(am|pm)?[\s\d:./-]*", lowered)
        or re.fullmatch(r"\s*(today|heddiw)\s*", lowered)  # a form's default, in either language
    )


def note_for(text: str, today: date) -> str:
    """Where UK usage is split, what was taken and how to say the other: "next Tue" on a Monday."""
    cleaned = " ".join(text.lower().split())
    match = re.search(r"\bnext ([a-z]+)\b", cleaned)
    if match and match[1] in _DAYS:
        taken = _next_week(match[1], today)
        coming = _coming(match[1], today)
        if taken != coming:
            name = calendar.day_name[_DAYS[match[1]]]
            return _(
                "'next {typed}' taken as {taken}, the {weekday} of next week; "
                "for {coming} type '{short} {day}/{month}'"
            ).format(
                typed=match[1],
                taken=describe_day(taken),
                weekday=format_weekday(taken),
                coming=describe_day(coming),
                short=name[:3],
                day=coming.day,
                month=coming.month,
            )
    return ""


def read_back(text: str, now: datetime, zone: ZoneInfo, *, with_time: bool = True) -> str:
    """What a typed phrase was read as, to say before saving: "'a week on Fri 2pm' is Fri 4 Dec
    2026, 14:00"; "" when it was already a plain date (3/12 09:30) or cannot be read."""
    if not text.strip() or _explicit(text):
        return ""
    try:
        if with_time:
            shown = describe(parse_when(text, now, zone), zone)
        else:
            shown = describe_day(parse_day(text, now.astimezone(zone).date()))
    except WhenError:
        return ""
    note = note_for(text, now.astimezone(zone).date())
    read = _("'{typed}' read as {day}").format(typed=text.strip(), day=shown)
    return read + (f" ({note})" if note else "")


_COUNTS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4}
_SHIFT = re.compile(
    r"\b(?P<dir>back|forward|later|earlier|on)\s+(?:by\s+)?(?P<n>a|an|one|two|three|four|\d{1,2})"
    r"\s+(?P<unit>days?|weeks?|fortnights?|hours?)\b"
    r"|\b(?P<n2>a|an|one|two|three|four|\d{1,2})\s+(?P<unit2>days?|weeks?|fortnights?|hours?)"
    r"\s+(?P<dir2>later|earlier)\b"
    r"|\b(?P<same>same time next week)\b"
)
_UNIT = {"day": timedelta(days=1), "week": timedelta(weeks=1), "fortnight": timedelta(weeks=2)}
_UNIT["hour"] = timedelta(hours=1)


def shift_phrase(text: str) -> str:
    """The "push it back a week" part of what was typed, or ""."""
    match = _SHIFT.search(text.lower())
    return match.group(0) if match else ""


def shifted(text: str, start: datetime, zone: ZoneInfo) -> str:
    """ "push it back a week", "bring it forward a day", "2 hours later", "same time next week":
    a booked time moved, written out day first ("4/12/2026 14:00") so the card can read it back;
    "" when the text is not such a phrase. In the UK "back" is later and "forward" earlier."""
    match = _SHIFT.search(text.lower())
    leftover = _SHIFT.sub(" ", text.lower()) if match else text
    filler = (
        r"\b(push(ed)?|move[ds]?|put|bring|it|this|that|my|the|supervision|session|by|please)\b"
    )
    if match is None or re.sub(filler, " ", leftover).strip(" .,!"):
        return ""  # something else was said too: read as a date, not guessed
    if match["same"]:
        step = timedelta(weeks=1)
    else:
        count_text = match["n"] or match["n2"]
        count = _COUNTS.get(count_text) or int(count_text)
        unit = (match["unit"] or match["unit2"]).rstrip("s")
        earlier = (match["dir"] or match["dir2"]) in {"forward", "earlier"}
        step = _UNIT[unit] * count * (-1 if earlier else 1)
    local = start.astimezone(zone)
    # Wall-clock time kept across a clock change: 10:00 stays 10:00.
    moved = datetime.combine(local.date(), local.time(), tzinfo=zone) + step
    return f"{moved.day}/{moved.month}/{moved.year} {moved:%H:%M}"
