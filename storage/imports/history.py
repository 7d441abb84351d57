"""Supervision history rows (issue 23 item 1): the sessions held before go-live, so due dates
count from the last real supervision, not from a 2015 start date. One row per supervisee and
session; re-importing the same file changes nothing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from policy.packs.schema import DEFAULT_RECORD_KIND
from policy.vocabulary import SessionStatus, SessionType
from storage.imports.base import (
    CellError,
    ImportReport,
    Row,
    RowError,
    cell_reader,
    optional,
    parse_date,
    parse_email,
    parse_int,
)
from storage.imports.cases import parse_reference
from storage.imports.staff import apply_changes
from storage.models import (
    Case,
    RecordCaseDiscussion,
    SessionAttendee,
    Staff,
    SupervisionRecord,
    SupervisionSession,
)

KNOWN = {
    "supervisee_email",
    "supervisor_email",
    "date",
    "type",
    "minutes",
    "record_written",
    "supervisor_signed",
    "supervisee_signed",
    "case_references",
}
REQUIRED = {"supervisee_email", "supervisor_email", "date", "type"}
_LONDON = ZoneInfo("Europe/London")
_TEMPLATE = "imported"  # no record text is imported: only that (and when) it was written
_TYPE_ALIASES = {
    "1:1": SessionType.ONE_TO_ONE,
    "one_to_one": SessionType.ONE_TO_ONE,
    "1_1": SessionType.ONE_TO_ONE,
    "supervision": SessionType.ONE_TO_ONE,
    "case": SessionType.CASE_MANAGEMENT,
    "case_supervision": SessionType.CASE_MANAGEMENT,
    "group": SessionType.REFLECTIVE_GROUP,
    "reflective": SessionType.REFLECTIVE_GROUP,
    "observation": SessionType.DIRECT_OBSERVATION,
}


def parse_type(value: str) -> SessionType:
    key = "_".join(value.strip().lower().replace("-", " ").split())
    try:
        return _TYPE_ALIASES.get(key) or SessionType(key)
    except ValueError:
        names = ", ".join(t.value for t in SessionType)
        raise CellError(f"unknown type of session; use one of: {names}") from None


def parse_references(value: str) -> tuple[str, ...]:
    """Case references separated by ; or spaces (never a child's name: parse_reference)."""
    return tuple(parse_reference(v) for v in value.replace(";", " ").split() if v)


@dataclass
class HistoryRow:
    line: int
    supervisee: str
    supervisor: str
    held_on: date
    type: SessionType
    minutes: int
    written: date | None
    supervisor_signed: date | None
    supervisee_signed: date | None
    cases: tuple[str, ...]

    @property
    def uid(self) -> str:
        """The same row imported again is the same session (idempotent), on any machine."""
        key = f"{self.supervisee}|{self.supervisor}|{self.held_on}|{self.type.value}"
        return "import-" + hashlib.sha256(key.encode()).hexdigest()[:32]


def parse_history(
    rows: list[Row], file: str, errors: list[RowError], today: date
) -> list[HistoryRow]:
    parsed: list[HistoryRow] = []
    seen: dict[str, int] = {}
    for row in rows:
        before = len(errors)

        cell = cell_reader(row, file, errors)

        supervisee = cell("supervisee_email", parse_email)
        supervisor = cell("supervisor_email", parse_email)
        held_on: date | None = cell("date", parse_date)
        kind: SessionType | None = cell("type", parse_type)
        minutes = cell("minutes", lambda raw: parse_int(raw, 10, 480) if raw else 60)
        written: date | None = cell("record_written", optional(parse_date))
        signed_by: date | None = cell("supervisor_signed", optional(parse_date))
        signed_for: date | None = cell("supervisee_signed", optional(parse_date))
        cases = cell("case_references", parse_references) or ()
        if held_on is not None and held_on > today:
            errors.append(
                RowError(
                    file,
                    row.line,
                    "date",
                    str(held_on),
                    "is in the future; history is sessions already held (book future ones "
                    "in the chat)",
                )
            )
        for name, value in (
            ("record_written", written),
            ("supervisor_signed", signed_by),
            ("supervisee_signed", signed_for),
        ):
            if value is not None and held_on is not None and value < held_on:
                errors.append(
                    RowError(file, row.line, name, str(value), "is before the session's date")
                )
        if supervisee is not None and supervisee == supervisor:
            errors.append(
                RowError(file, row.line, "supervisor_email", supervisor, "is the supervisee")
            )
        if len(errors) > before or held_on is None or kind is None:
            continue
        found = HistoryRow(
            row.line,
            supervisee,
            supervisor,
            held_on,
            kind,
            minutes,
            written,
            signed_by,
            signed_for,
            cases,
        )
        if found.uid in seen:
            errors.append(
                RowError(
                    file,
                    row.line,
                    "date",
                    str(held_on),
                    f"repeats line {seen[found.uid]} (same people, day and type)",
                )
            )
            continue
        seen[found.uid] = row.line
        parsed.append(found)
    return parsed


def _at(day: date | None, hour: int) -> datetime | None:
    return datetime.combine(day, time(hour), tzinfo=_LONDON) if day is not None else None


async def upsert_history(
    session: AsyncSession,
    organisation_id: int,
    rows: list[HistoryRow],
    report: ImportReport,
    file: str,
) -> None:
    staff = {
        s.email: s
        for s in (
            await session.exec(select(Staff).where(Staff.organisation_id == organisation_id))
        ).all()
    }
    cases = {
        c.reference: c
        for c in (
            await session.exec(select(Case).where(Case.organisation_id == organisation_id))
        ).all()
    }
    uids = [r.uid for r in rows]
    existing = {
        s.ical_uid: s
        for s in (
            await session.exec(
                select(SupervisionSession).where(
                    SupervisionSession.organisation_id == organisation_id,
                    col(SupervisionSession.ical_uid).in_(uids),
                )
            )
        ).all()
    }
    for row in rows:
        people = []
        for column, email in (
            ("supervisee_email", row.supervisee),
            ("supervisor_email", row.supervisor),
        ):
            person = staff.get(email)
            if person is None or person.id is None:
                report.errors.append(
                    RowError(
                        file,
                        row.line,
                        column,
                        email,
                        "no staff member has this email; import staff first",
                    )
                )
            people.append(person)
        unknown = [ref for ref in row.cases if ref not in cases]
        if unknown:
            report.errors.append(
                RowError(
                    file,
                    row.line,
                    "case_references",
                    " ".join(unknown),
                    "no case has this reference; import cases first",
                )
            )
        supervisee, supervisor = people
        if unknown or supervisee is None or supervisor is None:
            continue
        assert supervisee.id is not None
        assert supervisor.id is not None
        start = _at(row.held_on, 10)
        assert start is not None
        values: dict[str, Any] = {
            "type": row.type.value,
            "supervisor_id": supervisor.id,
            "planned_start": start,
            "planned_end": start + timedelta(minutes=row.minutes),
            "status": SessionStatus.HELD.value,
        }
        held = existing.get(row.uid)
        is_new = held is None
        if held is None:
            held = SupervisionSession(
                organisation_id=organisation_id, ical_uid=row.uid, agenda=[], **values
            )
            session.add(held)
            await session.flush()
            assert held.id is not None
            session.add(SessionAttendee(session_id=held.id, staff_id=supervisee.id))
            report.created += 1
            changed = True
        else:
            changed = apply_changes(held, values)
        assert held.id is not None
        changed |= await _record(session, held.id, supervisor.id, row, cases)
        if not is_new:
            report.updated += changed
            report.unchanged += not changed
        existing[row.uid] = held


async def _record(
    session: AsyncSession,
    session_id: int,
    supervisor_id: int,
    row: HistoryRow,
    cases: dict[str, Case],
) -> bool:
    """The record's dates and the children discussed; no text (it lives in the old system)."""
    if row.written is None and not row.cases:
        return False
    record = (
        await session.exec(
            select(SupervisionRecord).where(
                SupervisionRecord.session_id == session_id,
                SupervisionRecord.kind == DEFAULT_RECORD_KIND,
            )
        )
    ).first()
    # A child discussed in a session with no written date: written when held, as far as the
    # product can know (issue 23 item 1: before go-live, record deadlines are not checked).
    written = _at(row.written or row.held_on, 17)
    values: dict[str, Any] = {
        "written_at": written,
        "supervisor_signed_at": _at(row.supervisor_signed, 17),
        "supervisee_signed_at": _at(row.supervisee_signed, 17),
    }
    changed = False
    if record is None:
        record = SupervisionRecord(
            session_id=session_id,
            kind=DEFAULT_RECORD_KIND,
            template_id=_TEMPLATE,
            written_by_id=supervisor_id,
            sections={},
            **values,
        )
        session.add(record)
        await session.flush()
        changed = True
    else:
        changed = apply_changes(record, values)
    assert record.id is not None
    discussed = {
        d.case_id
        for d in (
            await session.exec(
                select(RecordCaseDiscussion).where(RecordCaseDiscussion.record_id == record.id)
            )
        ).all()
    }
    for ref in row.cases:
        case_id = cases[ref].id
        if case_id is not None and case_id not in discussed:
            session.add(RecordCaseDiscussion(record_id=record.id, case_id=case_id, headings={}))
            discussed.add(case_id)
            changed = True
    return changed
