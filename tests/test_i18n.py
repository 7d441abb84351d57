"""Issue 28: every message in Welsh, with the same placeholders; a missing translation fails here,
not in production. The catalogs are the .po files a council reviews (docs/welsh.md)."""

from __future__ import annotations

from datetime import date

import pytest

from dialogs.catalogs import extract, placeholders, read
from dialogs.i18n import (
    WELSH,
    _,
    channel_languages,
    format_long_day,
    format_month,
    parse_language,
    use_language,
)
from policy.packs import builtin_pack as load_pack


def _key(message_id: str | tuple[str, ...]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


@pytest.fixture(scope="module")
def source() -> dict[str, str | tuple[str, ...]]:
    return {_key(m.id): m.id for m in extract() if m.id}


def test_every_message_in_the_source_has_a_welsh_translation(source: dict) -> None:  # type: ignore[type-arg]
    welsh = read(WELSH)
    missing = []
    for key, message_id in source.items():
        entry = welsh.get(message_id)
        strings = () if entry is None else entry.string
        strings = (strings,) if isinstance(strings, str) else strings
        if entry is None or entry.fuzzy or not strings or not all(strings):
            missing.append(key)
    assert missing == [], (
        f"{len(missing)} messages have no Welsh: run `python3 dev.py messages` and translate them "
        f"in dialogs/locale/cy/LC_MESSAGES/messages.po (docs/welsh.md). First: {missing[:5]}"
    )


def test_welsh_keeps_every_placeholder_of_the_english() -> None:
    wrong = []
    for entry in read(WELSH):
        if not entry.id or not entry.string:
            continue
        ids = (entry.id,) if isinstance(entry.id, str) else entry.id
        strings = (entry.string,) if isinstance(entry.string, str) else entry.string
        wanted = set().union(*(placeholders(i) for i in ids))
        for text in strings:
            if text and placeholders(text) != wanted:
                wrong.append((_key(entry.id), text))
    assert wrong == []


def test_the_catch_works_on_a_message_with_no_welsh() -> None:
    # The check above is only worth having if a message it has never seen fails it.
    welsh = read(WELSH)
    assert welsh.get("A sentence nobody has translated") is None
    assert placeholders("Booked {when} with {who}") != placeholders("Wedi trefnu {pryd}")


def test_a_turn_in_welsh_reads_the_welsh_catalog() -> None:
    with use_language("cy"):
        assert _("Nothing to cancel.") == "Does dim i'w ganslo."
    assert _("Nothing to cancel.") == "Nothing to cancel."


@pytest.mark.parametrize(
    ("said", "language"),
    [
        ("Cymraeg", "cy"),
        ("cy-GB", "cy"),
        ("cy", "cy"),
        ("English", "en"),
        ("en-GB", "en"),
        ("Saesneg", "en"),
        ("fr-FR", None),
        ("", None),
        ("cymraeg please?", None),
    ],
)
def test_languages_are_read_from_what_people_and_clients_say(said: str, language: str) -> None:
    assert parse_language(said) == language


def test_dates_months_and_weekdays_come_from_babel_in_welsh() -> None:
    day = date(2026, 12, 7)
    with use_language("cy"):
        assert format_long_day(day) == "Dydd Llun 7 Rhagfyr 2026"
        assert format_month(day) == "Rhagfyr 2026"
    assert format_long_day(day) == "Monday 7 December 2026"


def test_powys_offers_welsh_and_posts_both_languages_welsh_first() -> None:
    pack = load_pack("powys")
    assert pack.language.default == "cy"
    assert pack.language.bilingual_channels
    assert channel_languages(pack.language.default, pack.language.bilingual_channels) == (
        "cy",
        "en",
    )
    groups = pack.compliance.staff_groups
    for group in ("qualified", "newly_qualified", "agency"):
        label = groups.label(group)
        assert label is not None
        assert pack.language.label(label, "cy") != label, f"no Welsh for {label!r}"
    for template in pack.templates:
        assert pack.language.label(template.title, "cy") != template.title
        for section in template.sections:
            assert pack.language.label(section.title, "cy") != section.title, section.title


def test_an_english_council_stays_in_english() -> None:
    pack = load_pack("lambeth")
    assert pack.language.default == "en"
    assert channel_languages(pack.language.default, pack.language.bilingual_channels) == ("en",)


def test_no_message_is_translated_once_at_import() -> None:
    """`_()` outside a function runs when the module is imported, in no one's language: such
    constants are marked with `N_()` and translated where they are shown."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    found = []
    for package in ("dialogs", "bot", "scheduling", "storage", "policy", "scoring"):
        for path in (root / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            inside: set[int] = set()
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                    inside.update(id(n) for n in ast.walk(node))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in {"_", "ngettext"}
                    and id(node) not in inside
                ):
                    found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert found == []
