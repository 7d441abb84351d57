"""Absence rows from the HR system: leave, sickness and maternity that suspend what is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from policy.vocabulary import AbsenceKind
from storage.imports.base import (
    CellError,
    ImportReport,
    Row,
    RowError,
    cell_reader,
    parse_date,
    parse_email,
)
from storage.imports.staff import apply_changes
from storage.models import Absence, Staff

KNOWN = {"staff_email", "kind", "start_date", "end_date", "note"}
REQUIRED = {"staff_email", "kind", "start_date", "end_date"}
_KIND_ALIASES = {
    "leave": AbsenceKind.ANNUAL_LEAVE,
    "al": AbsenceKind.ANNUAL_LEAVE,
    "holiday": AbsenceKind.ANNUAL_LEAVE,
    "sick": AbsenceKind.SICKNESS,
    "sick_leave": AbsenceKind.SICKNESS,
    "maternity_leave": AbsenceKind.MATERNITY,
    "parental": AbsenceKind.MATERNITY,
}


def parse_kind(value: str) -> AbsenceKind:
    key = "_".join(value.strip().lower().split())
    try:
        return _KIND_ALIASES.get(key) or AbsenceKind(key)
    except ValueError:
        names = ", ".join(k.value for k in AbsenceKind)
        raise CellError(f"unknown kind of absence; use one of: {names}") from None


@dataclass
class AbsenceRow:
    line: int
    email: str
    values: dict[str, Any]


def parse_absences(rows: list[Row], file: str, errors: list[RowError]) -> list[AbsenceRow]:
    parsed = []
    for row in rows:
        before = len(errors)

        cell = cell_reader(row, file, errors)

        email = cell("staff_email", parse_email)
        kind = cell("kind", lambda raw: parse_kind(raw).value)
        start: date | None = cell("start_date", parse_date)
        end: date | None = cell("end_date", parse_date)
        if start and end and end < start:
            errors.append(RowError(file, row.line, "end_date", str(end), "is before start_date"))
        note = row.cells.get("note", "")
        if len(note) > 500:
            errors.append(RowError(file, row.line, "note", note, "longer than 500 characters"))
        if len(errors) == before:
            values = {"kind": kind, "start_date": start, "end_date": end, "note": note}
            parsed.append(AbsenceRow(row.line, email, values))
    return parsed


async def upsert_absences(
    session: AsyncSession,
    organisation_id: int,
    rows: list[AbsenceRow],
    report: ImportReport,
    file: str,
) -> None:
    staff = {
        s.email: s
        for s in (
            await session.exec(select(Staff).where(Staff.organisation_id == organisation_id))
        ).all()
    }
    ids = [s.id for s in staff.values()]
    existing = {
        (a.staff_id, a.start_date, a.kind): a
        for a in (await session.exec(select(Absence).where(col(Absence.staff_id).in_(ids)))).all()
    }
    for row in rows:
        person = staff.get(row.email)
        if person is None or person.id is None:
            report.errors.append(
                RowError(
                    file,
                    row.line,
                    "staff_email",
                    row.email,
                    "no staff member has this email; import staff first",
                )
            )
            continue
        key = (person.id, row.values["start_date"], row.values["kind"])
        absence = existing.get(key)
        if absence is None:
            absence = Absence(staff_id=person.id, **row.values)
            session.add(absence)
            existing[key] = absence
            report.created += 1
        elif apply_changes(absence, row.values):
            report.updated += 1
        else:
            report.unchanged += 1
