"""Keeping the catalogs in step with the code (issue 28; docs/welsh.md).

`python3 dev.py messages` (or `python -m dialogs.catalogs`) extracts every wrapped string from the
packages with Babel's extractor and merges it into each language's .po file: new messages are
added with an empty translation, messages no longer used are dropped, translations kept.
tests/test_i18n.py fails while any message has no Welsh translation, so an untranslated message
is found in review, never by a person in Wales reading English.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from dialogs.i18n import DOMAIN, LANGUAGES, LOCALE_DIR

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("scoring", "policy", "dialogs", "storage", "scheduling", "bot")
KEYWORDS = {"_": None, "ngettext": (1, 2), "N_": None}
_PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([^)]*\)[sd]")


def extract() -> Catalog:
    """Every message wrapped in `_()`, `ngettext()` or `N_()` in the packages."""
    catalog = Catalog(project="Supervision Assistant", charset="utf-8")
    for package in PACKAGES:
        found = extract_from_dir(
            str(ROOT / package),
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
            comment_tags=("Translators:",),
        )
        for filename, lineno, message, comments, context in found:
            where = f"{package}/{filename}"
            catalog.add(message, None, [(where, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(language: str) -> Catalog:
    with po_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


def update() -> None:
    template = extract()
    for language in LANGUAGES:
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            catalog = read(language)
        else:
            catalog = Catalog(locale=language, project="Supervision Assistant", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, include_lineno=False, sort_output=False)


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


if __name__ == "__main__":
    update()
    sys.stdout.write(f"Catalogs updated under {LOCALE_DIR}\n")
