"""Reading CSV rows with their line numbers, typed cell parsers and the import report."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class RowError:
    file: str
    line: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
        return f"{self.file}:{self.line}: column {self.column!r}, value {shown!r}: {self.reason}"


class ImportError_(Exception):
    """The file as a whole cannot be imported (missing columns, refused columns, unreadable)."""


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    # What passed but the council's policy asks someone to act on (issue 25 item 3: a co-worked
    # Section 47 enquiry to be agreed in supervision, CAP003 003:64), one line each.
    notes: list[str] = field(default_factory=list)
    # (staff id, previous line manager id or None, new line manager id): DCC 000:105.
    manager_changes: list[tuple[int, int | None, int]] = field(default_factory=list)
    # (staff id, last day) of people this import gave a leaving date (issue 27: their line
    # manager gets a handover summary).
    leavers: list[tuple[int, date]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        verb = "would be" if self.dry_run else "were"
        if self.errors:
            return (
                f"{len(self.errors)} problem(s) in {self.rows} {self.kind} row(s); nothing was "
                "imported. Fix the rows listed and run the same command again."
            )
        return (
            f"{self.rows} {self.kind} row(s): {self.created} {verb} created, {self.updated} "
            f"{verb} updated, {self.unchanged} unchanged."
        )


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    cells: dict[str, str]


# A child's name or date of birth must never reach us: case references only.
_CHILD_NAME = re.compile(
    r"(child|young.?person|forename|surname|first.?name|last.?name|family.?name|given.?name"
    r"|^name$|full.?name|dob|d\.o\.b|birth|nhs|address|postcode|upn|passport|oyster)",
    re.IGNORECASE,
)


def normalise_header(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


def read_rows(
    path: Path,
    known: set[str],
    required: set[str],
    mapping: dict[str, str],
    allowed_personal: frozenset[str] = frozenset(),
    prefixes: tuple[str, ...] = (),
) -> tuple[list[str], Iterator[Row]]:
    """Open a CSV and check its header; yields rows keyed by our field names.

    `mapping` maps a column as written in the file to one of our fields, or to "ignore".
    """
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ImportError_(f"{path}: cannot open the file ({exc.strerror})") from None
    try:
        header = next(csv.reader(handle))
    except StopIteration:
        handle.close()
        raise ImportError_(f"{path}: the file is empty; expected a header row") from None
    except (csv.Error, UnicodeDecodeError) as exc:
        handle.close()
        raise ImportError_(f"{path}:1: the header row cannot be read: {exc}") from None
    normalised_map = {normalise_header(k): v for k, v in mapping.items()}
    fields: list[str] = []
    problems: list[str] = []
    for column in header:
        key = normalise_header(column)
        target = normalised_map.get(key, key)
        if target == "ignore":
            fields.append("")
            continue
        explicit = key in normalised_map or key in known or key in allowed_personal
        if not explicit and _CHILD_NAME.search(key):
            problems.append(
                f"column {column!r} looks like a child's name or date of birth; this product "
                f"holds case references only. Remove the column, or pass --map "
                f"'{column}=ignore' to skip it"
            )
            continue
        if target not in known and not target.startswith(prefixes or ("\0",)):
            problems.append(
                f"column {column!r} is not a known column (known: {', '.join(sorted(known))}); "
                f"rename it or pass --map '{column}=FIELD' or --map '{column}=ignore'"
            )
            continue
        fields.append(target)
    missing = required - set(fields)
    if missing:
        problems.append(f"required column(s) missing: {', '.join(sorted(missing))}")
    if problems:
        handle.close()
        raise ImportError_(f"{path}:1: " + "\n".join(problems))

    def rows() -> Iterator[Row]:
        reader = csv.reader(handle)
        with handle:
            for values in reader:
                if not any(v.strip() for v in values):
                    continue
                cells = {
                    name: (values[i].strip() if i < len(values) else "")
                    for i, name in enumerate(fields)
                    if name
                }
                yield Row(line=reader.line_num + 1, cells=cells)

    return fields, rows()


class CellError(ValueError):
    """A cell's value is wrong; the message says what to write instead."""


def cell_reader(row: Row, file: str, errors: list[RowError]) -> Callable[[str, Any], Any]:
    """`cell(name, parser)` for one row: the parsed value, or None with the row's error noted
    (the column, what was there and why), so every problem of a file is reported at once."""

    def cell(name: str, parser: Any) -> Any:
        raw = row.cells.get(name, "")
        try:
            return parser(raw)
        except CellError as exc:
            errors.append(RowError(file, row.line, name, raw, str(exc)))
            return None

    return cell


def optional(parser: Callable[[str], Any]) -> Callable[[str], Any]:
    """An empty cell is None; anything else goes through `parser`."""
    return lambda raw: parser(raw) if raw else None


def parse_date(value: str) -> date:
    """ISO dates (2026-03-01) or the UK day-first form people export (01/03/2026)."""
    value = value.strip()
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        return date.fromisoformat(value)
    except ValueError:
        raise CellError("not a date; write it as YYYY-MM-DD or DD/MM/YYYY") from None


def parse_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"y", "yes", "true", "1"}:
        return True
    if lowered in {"n", "no", "false", "0", ""}:
        return False
    raise CellError("write yes or no")


def parse_decimal(value: str, low: Decimal, high: Decimal) -> Decimal:
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise CellError(f"not a number; write a value from {low} to {high}") from None
    if not number.is_finite() or not low <= number <= high:
        raise CellError(f"must be from {low} to {high}")
    return number


def parse_int(value: str, low: int, high: int) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise CellError(f"not a whole number; write a number from {low} to {high}") from None
    if not low <= number <= high:
        raise CellError(f"must be from {low} to {high}")
    return number


def parse_email(value: str) -> str:
    email = value.strip().lower()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise CellError("not an email address")
    return email
