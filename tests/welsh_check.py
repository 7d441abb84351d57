"""Issue 28: is a reply Welsh? No English sentence from the catalog, and none of the words only
English sentences have (names and case references aside)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from dialogs.catalogs import placeholders, read

# Words that only English sentences have: one of them in a reply is an untranslated sentence.
# (Welsh "a" is "and", so it is not here.)
ENGLISH_WORDS = frozenset(
    [
        "the",
        "your",
        "you",
        "is",
        "are",
        "and",
        "with",
        "of",
        "for",
        "not",
        "has",
        "have",
        "this",
        "that",
        "was",
        "will",
        "be",
        "it",
    ]
)


def _english_fragments() -> set[str]:
    """The English of every catalog message whose Welsh differs, cut at its placeholders: any
    of these in a reply is English the person should not have been shown."""
    fragments: set[str] = set()
    for entry in read("cy"):
        ids_ = (entry.id,) if isinstance(entry.id, str) else tuple(entry.id or ())
        strings = (entry.string,) if isinstance(entry.string, str) else tuple(entry.string or ())
        for english in ids_:
            if not english or english in strings:
                continue
            cut = english
            for placeholder in placeholders(english):
                cut = cut.replace(placeholder, "\0")
            for piece in cut.replace("*", "\0").split("\0"):
                piece = piece.strip(" .,:;()'\"—-")
                if len(piece) >= 12 and len(piece.split()) >= 2:
                    fragments.add(piece)
    return fragments


FRAGMENTS = _english_fragments()


def texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in {"value", "form_id", "name", "kind", "type", "tone", "filename"}:
                yield from texts(item)
            elif key == "value" and isinstance(item, str) and " " in item and "start:" not in item:
                yield item  # a fact's value is read; an option's value is not
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)


def assert_welsh(replies: list[dict[str, Any]], names: set[str]) -> None:
    assert replies
    for text in texts(replies):
        for fragment in FRAGMENTS:
            assert fragment not in text, f"English {fragment!r} in {text!r}"
        plain = text
        for name in names:
            plain = plain.replace(name, " ")
        words = set(re.findall(r"[a-z]+", plain.lower()))
        assert not words & ENGLISH_WORDS, f"English in {text!r}"


def replies_checker(names: set[str], pack_words: set[str]) -> Any:
    """`check(body)`: the replies of a playground answer (or a list of them), asserted Welsh
    (above) and free of the pack's own English words (those its `language.welsh` translates);
    returns the replies."""

    def check(body: dict[str, Any] | list[dict[str, Any]]) -> list[dict[str, Any]]:
        replies: list[dict[str, Any]] = body["replies"] if isinstance(body, dict) else body
        assert_welsh(replies, names)
        for text in texts(replies):
            for word in pack_words:
                assert word not in text, f"the pack's English {word!r} in {text!r}"
        return replies

    return check
