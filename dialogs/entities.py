"""What a message names besides its request: a person, a case reference, a date or time.

Read from the words as typed, without the directory: the flow that is started looks the person
up and reads the date back before anything is saved.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

_WEEKDAY = (
    r"mon(?:day)?|tue(?:s|sday)?|wed(?:s|nesday)?|thu(?:r|rs|rsday)?|fri(?:day)?|"
    r"sat(?:urday)?|sun(?:day)?"
)
_MONTH = "|".join(
    sorted({m.lower() for m in (*calendar.month_name, *calendar.month_abbr) if m} | {"sept"})
)
_ORDINAL = r"\d{1,2}(?:st|nd|rd|th)"
_WHEN = re.compile(
    rf"""\b(?:
        today|tomorrow|tonight|yesterday|this\s+(?:morning|afternoon|week)|
        (?:a\s+week\s+on\s+)?(?:(?:next|this)\s+)?(?:{_WEEKDAY})(?:\s+the\s+{_ORDINAL}|\s+{_ORDINAL})?|
        next\s+(?:week|month)|end\s+of\s+the\s+(?:week|month)|after\s+christmas|
        (?:the\s+)?{_ORDINAL}(?:\s+(?:of\s+)?(?:{_MONTH}))?|
        \d{{1,2}}\s+(?:{_MONTH})\b|
        \d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?|
        \d{{1,2}}(?::\d{{2}})?\s*(?:am|pm)|\d{{1,2}}:\d{{2}}|
        at\s+\d{{1,2}}(?::\d{{2}})?|half\s+(?:one|two|three|four|five|ten|eleven|twelve)|
        noon|midday|(?:back\s+)?(?:a|one|two)\s+(?:day|week)s?|
        yfory|heddiw|(?:dydd\s+)?(?:llun|mawrth|mercher|iau|gwener)(?:\s+nesaf)?
    )\b""",
    re.VERBOSE | re.IGNORECASE,
)
_CASE = re.compile(
    r"\b(?:([A-Za-z]{1,4}-\d{2,10})|case\s+(?:ref(?:erence)?\s+)?#?(\d{3,10})|on\s+(\d{4,10}))\b",
    re.IGNORECASE,
)
_ONE_TO_ONE = re.compile(
    r"\b1\s*[:-]?\s*2?\s*1\b"
)  # "1:1", "1-1", "121" is a meeting, not a number
_MY_MANAGER = re.compile(
    r"\bmy\s+(?:line\s+)?(?:manager|tm|team\s+manager|supervisor)\b"
    r"|\bfy\s+(?:rheolwr|ngoruchwyliwr)(?:\s+llinell)?\b",
    re.I,
)
_NAME_TOKEN = re.compile(r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?(?:'s|’s)?")
# Capitalised words that are not names: the start of a question, days, months, job words.
NOT_NAMES = frozenset(
    {
        "i", "i'm", "i've", "i'll", "i'd", "my", "the", "a", "can", "could", "please", "what",
        "when", "who", "how", "is", "are", "am", "record", "book", "sign", "cancel", "we",
        "christmas", "teams", "slack", "supervision", "monthly", "friday's", "monday's",
        "tuesday's", "thursday's", "wednesday's", "tues", "thurs", "weds",
    }
    | {d.lower() for d in (*calendar.day_name, *calendar.day_abbr)}
    | {m.lower() for m in (*calendar.month_name, *calendar.month_abbr) if m}
)  # fmt: skip
_NAME_AFTER = re.compile(r"\b(?:with|for|to|book|tell)\s+([a-z][a-z'-]+)\b")


@dataclass(frozen=True, slots=True)
class Entities:
    person: str = ""  # a name as typed ("Sam Taylor"), or "my manager"
    case: str = ""  # a case reference ("C-1042", "1234")
    when: str = ""  # the date and time words as typed ("next Tuesday at 2")
    number: str = ""  # a bare record or session number ("sign record 17")


def extract(text: str, common_words: frozenset[str] = frozenset()) -> Entities:
    """The entities in one message. `common_words` are words of requests, never names."""
    case_match = _CASE.search(text)
    case = next((g for g in case_match.groups() if g), "").upper() if case_match else ""
    when = " ".join(m.group(0) for m in _WHEN.finditer(text))
    rest = _ONE_TO_ONE.sub(" ", _CASE.sub(" ", _WHEN.sub(" ", text)))
    number_match = re.search(r"\b(\d{1,9})\b", rest)
    return Entities(
        person=_person(rest, common_words),
        case=case,
        when=" ".join(when.split()),
        number=number_match.group(1) if number_match else "",
    )


def _person(text: str, common_words: frozenset[str]) -> str:
    if _MY_MANAGER.search(text):
        return "my manager"
    words = text.replace(",", " ").replace("?", " ").replace("!", " ").split()
    names: list[str] = []
    run: list[str] = []
    for index, word in enumerate(words):
        bare = word.removesuffix("'s").removesuffix("’s")
        lowered = bare.lower()
        capitalised = bool(_NAME_TOKEN.fullmatch(word))
        first = index == 0
        is_name = capitalised and lowered not in NOT_NAMES
        if is_name and first:
            following = words[1] if len(words) > 1 else ""
            is_name = lowered not in common_words and (
                bare != word
                or following.lower() in _AFTER_FIRST_NAME
                or bool(_NAME_TOKEN.fullmatch(following))
            )
        if is_name:
            run.append(bare)
        elif run:
            names.append(" ".join(run))
            run = []
    if run:
        names.append(" ".join(run))
    if names:
        return names[0]
    found = _NAME_AFTER.search(text)
    if found and found.group(1) not in common_words and found.group(1) not in NOT_NAMES:
        return found.group(1).removesuffix("'s")
    return ""


# "Sam is off sick", "Priya's on leave": a first word is a name only when a verb follows it.
_AFTER_FIRST_NAME = frozenset(
    {"is", "has", "was", "will", "had", "phoned", "came", "grabbed", "popped", "went", "and"}
    | {"hasn't", "isn't", "can't", "won't", "needs", "wants", "says", "said"}
)
