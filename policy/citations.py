"""Citations as people can look them up: "000:300" becomes "<the council's document>, <section>".

Packs cite their source documents by line (`000:300`) so each value can be checked against the
text we hold; nobody else holds that text. What people are shown names the document and its own
section, paragraph or heading, from the pack's `documents[].parts` (issue 21 item 6).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import OrderedDict

from policy.packs.rules import Document
from policy.packs.schema import Pack

_PART = re.compile(r"^\s*(?P<doc>[A-Za-z0-9_]+):(?P<lines>[\d,\s-]+)$")


def _place(document: Document, line: int) -> tuple[str, str | None]:
    """The document name and section holding `line` (the title when no parts are declared)."""
    if not document.parts:
        return document.title, None
    starts = [part.line for part in document.parts]
    index = max(bisect_right(starts, line) - 1, 0)
    name = next(p.name for p in reversed(document.parts[: index + 1]) if p.name)
    return name, document.parts[index].section


def _sections(document: Document, lines: str) -> list[tuple[str, str | None]]:
    places: list[tuple[str, str | None]] = []
    for chunk in filter(None, (c.strip() for c in lines.split(","))):
        first, _, last = chunk.partition("-")
        start = _place(document, int(first))
        places.append(start)
        if last:
            end = _place(document, int(last))
            if end != start and end[0] == start[0] and start[1] and end[1]:
                places[-1] = (start[0], f"{start[1]} to {end[1]}")
            elif end != start:
                places.append(end)
    return places


# Each pack's citations as worked out, per pack object: a Monday's reminders cite the same few
# clauses twelve thousand times at 0.1x England (1.7 s of CPU when each was worked out anew).
# Keyed by the object's id while it holds the object (no reuse of the id), for the last few
# packs: packs are read again every 30 s and the old objects go.
_CITED: OrderedDict[int, tuple[Pack, dict[str, str | None]]] = OrderedDict()
_PACKS_KEPT = 32


def cite(pack: Pack, source: str | None) -> str | None:
    """`000:300; 000:174` -> `Derbyshire ... Supervision Policy, Appendix 2 ...; ..., 5`."""
    if not source:
        return None
    entry = _CITED.get(id(pack))
    if entry is None or entry[0] is not pack:
        entry = (pack, {})
        _CITED[id(pack)] = entry
        while len(_CITED) > _PACKS_KEPT:
            _CITED.popitem(last=False)
    known = entry[1]
    if source not in known:
        known[source] = _cite(pack, source)
    return known[source]


def _cite(pack: Pack, source: str) -> str | None:
    documents = {document.id: document for document in pack.documents}
    by_name: dict[str, list[str]] = {}
    for part in source.split(";"):
        match = _PART.match(part)
        document = documents.get(match["doc"]) if match else None
        if match is None or document is None:
            continue  # never show an internal reference in place of a document
        for name, section in _sections(document, match["lines"]):
            sections = by_name.setdefault(name, [])
            if section and section not in sections:
                sections.append(section)
    if not by_name:
        return None
    return "; ".join(
        f"{name}, {' and '.join(sections)}" if sections else name
        for name, sections in by_name.items()
    )


def cite_in_text(pack: Pack, text: str) -> str:
    """Replace every `(000:300)`-style citation inside free text with what people can look up."""
    ids = "|".join(re.escape(document.id) for document in pack.documents)
    if not ids:
        return text
    pattern = re.compile(
        rf"(?<![\w:])(?:{ids}):\d+(?:-\d+)?(?:,\s?\d+(?:-\d+)?)*(?:;\s*(?:{ids}):\d+(?:-\d+)?"
        rf"(?:,\s?\d+(?:-\d+)?)*)*"
    )
    return pattern.sub(lambda m: cite(pack, m.group(0)) or "the council's policy", text)
