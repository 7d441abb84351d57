"""Decisions and case discussions as notes for the child's record (Mosaic, LCS, Eclipse upload).

Named as the council names them: DCC "Managers Decision" and "Record of supervision discussion"
with its four headings (000:155-160, 000:184); LAM "case management oversight" (004:294).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date

from dialogs.i18n import _, pack_word
from dialogs.outputs.spreadsheet import cell
from policy.packs import Pack


@dataclass(frozen=True, slots=True)
class CaseNote:
    case_reference: str
    note_type: str
    note_date: date
    author: str
    headings: tuple[tuple[str, str], ...]  # (heading, text) in the template's order
    source_id: str  # "decision:12", "discussion:40": what was exported, to mark it

    @property
    def body(self) -> str:
        return "\n\n".join(f"{heading}:\n{text}" for heading, text in self.headings)


def decision_note(
    pack: Pack,
    *,
    reference: str,
    decision: str,
    rationale: str,
    decided_on: date,
    decided_by: str,
    source_id: str,
) -> CaseNote:
    return CaseNote(
        case_reference=reference,
        note_type=pack_word(pack, pack.terms.manager_decision.value),
        note_date=decided_on,
        author=decided_by,
        headings=(
            (_("Decision"), decision),
            (_("Rationale"), rationale),
            (_("Decided by"), decided_by),
        ),
        source_id=source_id,
    )


def discussion_note(
    pack: Pack,
    *,
    reference: str,
    headings: Mapping[str, str],
    held_on: date,
    author: str,
    source_id: str,
) -> CaseNote:
    """Headings in the order of the pack's per-case template; unknown keys keep their names."""
    titles: dict[str, str] = {}
    for template in pack.templates:
        if template.per_case and template.id != "managers_decision":
            titles.update(
                {s.id: pack_word(pack, s.title) for s in template.sections if s.id not in titles}
            )
    ordered = [(titles[k], headings[k]) for k in titles if headings.get(k)]
    ordered += [(k, v) for k, v in headings.items() if k not in titles and v]
    return CaseNote(
        case_reference=reference,
        note_type=pack_word(pack, pack.terms.case_discussion_note.value),
        note_date=held_on,
        author=author,
        headings=tuple(ordered),
        source_id=source_id,
    )


COLUMNS = ("case_reference", "note_type", "note_date", "author", "body")


def notes_csv(notes: Sequence[CaseNote]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for note in notes:
        # Typed in chat: never a formula when the file is opened (issue 23 item 8).
        writer.writerow(
            [
                cell(note.case_reference),
                cell(note.note_type),
                note.note_date.isoformat(),
                cell(note.author),
                cell(note.body),
            ]
        )
    # UTF-8 with a byte-order mark: Excel opens Welsh characters correctly.
    return buffer.getvalue().encode("utf-8-sig")


def notes_json(notes: Sequence[CaseNote]) -> bytes:
    data = [
        {
            **asdict(n),
            "note_date": n.note_date.isoformat(),
            "headings": [list(h) for h in n.headings],
        }
        for n in notes
    ]
    return json.dumps({"notes": data}, ensure_ascii=False, indent=2).encode("utf-8")
