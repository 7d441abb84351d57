"""Every word a person reads, in their language (issue 28): gettext catalogs, English and Welsh.

The catalogs are the .po files under dialogs/locale/<language>/LC_MESSAGES/messages.po, kept in
the repository so a council can review and change a translation (docs/welsh.md). They are
compiled in this process the first time a language is used (Babel reads the .po and writes the
.mo into memory), so a fresh clone needs no build step and an edited .po is what runs.

The language of a turn is a context variable: the engine sets it from the person's choice (or
their council's default) before a flow runs, so a flow's strings are wrapped in `_()` and need no
language passed through every call. A bilingual channel post renders the same content twice,
once under `use_language("cy")` and once under `use_language("en")`, Welsh first.

Strings are `str.format` templates with named placeholders (`_("Booked {when}").format(...)`):
a translation may move a placeholder but never drop or rename one (tests/test_i18n.py).
"""

from __future__ import annotations

import gettext
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import Protocol, TypeVar

from babel.dates import format_date as _format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
ENGLISH = "en"
WELSH = "cy"
LANGUAGES = (ENGLISH, WELSH)
# Names a person may use for a language: "Cymraeg", a Teams locale "cy-GB", a button's value.
_NAMES = {
    "cy": WELSH,
    "cymraeg": WELSH,
    "welsh": WELSH,
    "yn gymraeg": WELSH,
    "en": ENGLISH,
    "english": ENGLISH,
    "saesneg": ENGLISH,
    "in english": ENGLISH,
}

_current: ContextVar[str] = ContextVar("language", default=ENGLISH)
T = TypeVar("T")


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog for a language; English source text when there is none."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def language() -> str:
    """The language of the turn (or the post) being written."""
    return _current.get()


def set_language(code: str | None) -> None:
    """Set the language for the rest of this task (one request, one turn)."""
    _current.set(code if code in LANGUAGES else ENGLISH)


@contextmanager
def use_language(code: str | None) -> Iterator[None]:
    token = _current.set(code if code in LANGUAGES else ENGLISH)
    try:
        yield
    finally:
        _current.reset(token)


def _(message: str) -> str:
    """`message` in the current language."""
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:  # the gettext convention extractors look for
    """Marks a constant for the catalog; translated where it is shown, with `_(constant)`."""
    return message


def in_each(render: Callable[[], T], languages: tuple[str, ...]) -> list[T]:
    """`render()` once per language, in the order given (Welsh first for a bilingual post)."""
    out = []
    for code in languages:
        with use_language(code):
            out.append(render())
    return out


def channel_languages(default: str, bilingual: bool) -> tuple[str, ...]:
    """The languages a channel post is written in: Welsh first where both are shown (Welsh
    Language Standards: Welsh text is not treated less favourably, so it leads)."""
    if bilingual:
        return (WELSH, ENGLISH)
    return (default if default in LANGUAGES else ENGLISH,)


def parse_language(text: str | None) -> str | None:
    """ "Cymraeg", "cy-GB", "English", "en-US" -> a language code; None for anything else."""
    if not text:
        return None
    words = re.sub(r"[^\w\s-]", "", text.strip().lower())
    if words in _NAMES:
        return _NAMES[words]
    primary = words.replace("_", "-").split("-")[0]
    if primary in LANGUAGES and ("-" in words or words == primary):
        return primary
    return None


def choose(chosen: str | None, locale: str | None, default: str) -> str:
    """A person's language: what they chose; else Welsh where their client is in Welsh (a Teams
    activity's "cy-GB"); else their council's default (a Welsh council offers Welsh first, and
    says how to switch); English where nothing says otherwise."""
    if chosen in LANGUAGES:
        return chosen
    if parse_language(locale) == WELSH:
        return WELSH
    return default if default in LANGUAGES else ENGLISH


# ---- Dates: Babel's CLDR data, never month names written by hand ---------------------------


def _locale() -> str:
    return "cy_GB" if _current.get() == WELSH else "en_GB"


def format_day(day: date) -> str:
    """ "Mon 7 Dec 2026" / "Llun 7 Rhag 2026" (English as it always was: en_GB's CLDR writes
    "Sept", which people and saved cards here do not)."""
    if _current.get() != WELSH:
        return f"{day:%a} {day.day} {day:%b %Y}"
    return _format_date(day, "EEE d MMM yyyy", locale=_locale())


def format_long_day(day: date) -> str:
    """ "Monday 7 December 2026" / "Dydd Llun 7 Rhagfyr 2026"."""
    return _format_date(day, "EEEE d MMMM yyyy", locale=_locale())


def format_month(day: date) -> str:
    """ "December 2026" / "Rhagfyr 2026"."""
    return _format_date(day, "LLLL yyyy", locale=_locale())


def format_month_name(day: date) -> str:
    """ "December" / "Rhagfyr"."""
    return _format_date(day, "LLLL", locale=_locale())


def format_weekday(day: date) -> str:
    """ "Monday" / "Dydd Llun"."""
    return _format_date(day, "EEEE", locale=_locale())


def period_label(label: str, so_far: date | None) -> str:
    """A trend's period as written: "2026-11"; the current month "Dec so far" in English,
    "Rhag hyd yma" in Welsh (issue 28: the digest's charts and trend line)."""
    if so_far is None or _current.get() != WELSH:
        return label
    month = _format_date(so_far, "LLL", locale=_locale())
    return _("{month} so far").format(month=month)


def format_clock(moment: datetime | time) -> str:
    """24-hour clock, as councils write it in both languages: "14:30"."""
    return f"{moment:%H:%M}"  # the wall clock as given: no zone conversion


# ---- The pack's own words ------------------------------------------------------------------


class _PackLanguage(Protocol):
    def label(self, text: str, language: str) -> str: ...


class _HasLanguage(Protocol):
    @property
    def language(self) -> _PackLanguage: ...


def pack_word(pack: _HasLanguage, text: str) -> str:
    """A word the council's pack wrote (a staff group, a template section, a record kind), in the
    pack's Welsh where it gives one, else the catalog's, else as written."""
    if _current.get() != WELSH:
        return text
    given = pack.language.label(text, WELSH)
    return given if given != text else _(text) if text else text


# Case types by their everyday names (the pack may give its own Welsh for each).
CATEGORY_NAMES = {
    "early_help": N_("Early help"),
    "cin": N_("Child in need"),
    "cp": N_("Child protection"),
    "cla": N_("Children looked after"),
    "sixteen_plus": N_("Sixteen plus"),
    "care_leaver": N_("Care leaver"),
    "private_fostering": N_("Private fostering"),
    "fostering_household": N_("Fostering household"),
}


def category_label(pack: _HasLanguage | None, category: str) -> str:
    """A case type as the caseload card shows it: "CP", "EARLY HELP" in English (as councils
    abbreviate them), its Welsh name in Welsh."""
    if _current.get() != WELSH:
        return category.replace("_", " ").upper()
    name = CATEGORY_NAMES.get(category)
    if name is None:
        return category
    return pack_word(pack, name) if pack is not None else _(name)
