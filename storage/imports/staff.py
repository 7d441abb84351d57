"""Staff rows from an HR export: upserted by the HR reference, teams created by name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from policy.packs import Pack
from scoring.vocabulary import StaffRole
from storage.imports.base import (
    CellError,
    ImportReport,
    Row,
    RowError,
    optional,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_email,
)
from storage.models import CourseCompletion, Staff, Team

KNOWN = {
    "external_ref",
    "name",
    "email",
    "role",
    "grade",
    "fte",
    "agency",
    "team",
    "service",
    "line_manager_email",
    "start_date",
    "leaving_date",
    "asye_start",
    "slack_user_id",
    "teams_aad_object_id",
}
REQUIRED = {"external_ref", "name", "email", "role"}
# A course completed, by the pack's course id (caseload.courses), as the day: `course_s47_enquiries`
# in Lambeth and Powys (CAP003 003:30, the Section 47 course). A blank cell changes nothing.
COURSE_PREFIX = "course_"
# Staff names are expected here; only a child's details are refused.
ALLOWED_PERSONAL = frozenset({"name", "full_name", "first_name", "last_name", "surname"})

_ROLE_ALIASES = {
    "sw": StaffRole.SOCIAL_WORKER,
    "qualified_social_worker": StaffRole.SOCIAL_WORKER,
    "asye": StaffRole.NQSW,
    "newly_qualified_social_worker": StaffRole.NQSW,
    "student_social_worker": StaffRole.STUDENT,
    "consultant": StaffRole.CONSULTANT_SOCIAL_WORKER,
    "independent_reviewing_officer": StaffRole.IRO,
    "admin": StaffRole.ADMIN_SUPPORT,
    "business_support": StaffRole.ADMIN_SUPPORT,
}


def parse_role(value: str) -> StaffRole:
    key = "_".join(value.strip().lower().replace("-", " ").split())
    try:
        return _ROLE_ALIASES.get(key) or StaffRole(key)
    except ValueError:
        names = ", ".join(r.value for r in StaffRole)
        raise CellError(f"unknown role; use one of: {names}") from None


@dataclass
class StaffRow:
    line: int
    values: dict[str, Any]
    team: str | None
    service: str
    line_manager_email: str | None
    courses: dict[str, date]  # course id (without the prefix) to the day completed


def parse_staff(rows: list[Row], file: str, errors: list[RowError]) -> list[StaffRow]:
    parsed: list[StaffRow] = []
    seen_refs: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    for row in rows:
        values: dict[str, Any] = {}
        row_ok = True

        def cell(name: str, parser: Any, row: Row = row) -> Any:
            nonlocal row_ok
            raw = row.cells.get(name, "")
            try:
                return parser(raw)
            except CellError as exc:
                errors.append(RowError(file, row.line, name, raw, str(exc)))
                row_ok = False
                return None

        def required_text(raw: str) -> str:
            if not raw:
                raise CellError("required; this cell is empty")
            if len(raw) > 200:
                raise CellError("longer than 200 characters")
            return raw

        values["external_ref"] = cell("external_ref", required_text)
        values["name"] = cell("name", required_text)
        values["email"] = cell("email", parse_email)
        values["role"] = cell("role", lambda raw: parse_role(raw).value)
        values["grade"] = row.cells.get("grade") or None
        values["fte"] = cell(
            "fte",
            lambda raw: parse_decimal(raw, Decimal("0.1"), Decimal("1")) if raw else Decimal(1),
        )
        values["agency"] = cell("agency", parse_bool)
        values["start_date"] = cell("start_date", optional(parse_date))
        values["leaving_date"] = cell("leaving_date", optional(parse_date))
        values["asye_start"] = cell("asye_start", optional(parse_date))
        values["slack_user_id"] = row.cells.get("slack_user_id") or None
        values["teams_aad_object_id"] = row.cells.get("teams_aad_object_id", "").lower() or None
        manager = cell("line_manager_email", optional(parse_email))
        courses: dict[str, date] = {
            name.removeprefix(COURSE_PREFIX): cell(name, parse_date)
            for name, raw in row.cells.items()
            if name.startswith(COURSE_PREFIX) and raw
        }
        start: date | None = values["start_date"]
        leaving: date | None = values["leaving_date"]
        if start and leaving and leaving < start:
            errors.append(
                RowError(file, row.line, "leaving_date", str(leaving), "is before start_date")
            )
            row_ok = False
        if values["role"] == StaffRole.NQSW and row_ok and not values["asye_start"]:
            errors.append(
                RowError(file, row.line, "asye_start", "", "an NQSW needs the ASYE start date")
            )
            row_ok = False
        for key, seen in (("external_ref", seen_refs), ("email", seen_emails)):
            value = values.get(key)
            if value and value in seen:
                errors.append(RowError(file, row.line, key, value, f"repeats line {seen[value]}"))
                row_ok = False
            elif value:
                seen[value] = row.line
        if row_ok:
            parsed.append(
                StaffRow(
                    row.line,
                    values,
                    row.cells.get("team") or None,
                    row.cells.get("service", ""),
                    manager,
                    courses,
                )
            )
    return parsed


async def upsert_staff(
    session: AsyncSession,
    organisation_id: int,
    rows: list[StaffRow],
    report: ImportReport,
    file: str,
    pack: Pack | None = None,
    today: date | None = None,
) -> None:
    existing = {
        s.external_ref: s
        for s in (
            await session.exec(select(Staff).where(Staff.organisation_id == organisation_id))
        ).all()
    }
    teams = {
        t.name: t
        for t in (
            await session.exec(select(Team).where(Team.organisation_id == organisation_id))
        ).all()
    }
    by_email = {s.email: s for s in existing.values()}
    touched: list[tuple[StaffRow, Staff, bool, bool]] = []  # row, staff, is_new, changed
    for row in rows:
        team_id = None
        if row.team:
            team = teams.get(row.team)
            if team is None:
                team = Team(organisation_id=organisation_id, name=row.team, service=row.service)
                session.add(team)
                await session.flush()
                teams[row.team] = team
            team_id = team.id
        values = {**row.values, "team_id": team_id}
        staff = existing.get(values["external_ref"])
        clash = by_email.get(values["email"])
        if clash is not None and clash is not staff:
            report.errors.append(
                RowError(
                    file,
                    row.line,
                    "email",
                    values["email"],
                    f"already belongs to staff {clash.external_ref}",
                )
            )
            continue
        if staff is None:
            staff = Staff(organisation_id=organisation_id, **values)
            session.add(staff)
            report.created += 1
            touched.append((row, staff, True, True))
        else:
            was_leaving = staff.leaving_date
            touched.append((row, staff, False, apply_changes(staff, values)))
            leaving = values.get("leaving_date")
            if leaving is not None and leaving != was_leaving and staff.id is not None:
                report.leavers.append((staff.id, leaving))  # issue 27: a handover
        by_email[values["email"]] = staff
    await session.flush()
    # Second pass: line managers may appear anywhere in the file (or already be in the database).
    for row, staff, is_new, changed in touched:
        manager_id = None
        if row.line_manager_email:
            manager = by_email.get(row.line_manager_email)
            if manager is None:
                report.errors.append(
                    RowError(
                        file,
                        row.line,
                        "line_manager_email",
                        row.line_manager_email,
                        "no staff member has this email; add them to the file",
                    )
                )
                continue
            manager_id = manager.id
        if staff.line_manager_id != manager_id:
            if not is_new and manager_id is not None and staff.id is not None:
                report.manager_changes.append((staff.id, staff.line_manager_id, manager_id))
            staff.line_manager_id = manager_id
            changed = True
        if not is_new:
            report.updated += changed
            report.unchanged += not changed
    await _record_courses(session, touched, report, file, pack, today)
    for team in teams.values():
        managers = [
            s for _, s, _, _ in touched if s.team_id == team.id and s.role == StaffRole.TEAM_MANAGER
        ]
        if managers and team.manager_id != managers[0].id:
            team.manager_id = managers[0].id


async def _record_courses(
    session: AsyncSession,
    touched: list[tuple[StaffRow, Staff, bool, bool]],
    report: ImportReport,
    file: str,
    pack: Pack | None,
    today: date | None,
) -> None:
    """The rows' `course_<id>` cells: the day each person completed the pack's course (CAP003
    003:30). A course the pack does not name, or a day after today, is the row's error."""
    wanted = [(row, person) for row, person, _, _ in touched if row.courses]
    if not wanted:
        return
    known = {course.id for course in pack.caseload.courses} if pack is not None else set()
    ids = [person.id for _, person in wanted if person.id is not None]
    held = {
        (c.staff_id, c.course): c
        for c in (
            await session.exec(
                select(CourseCompletion).where(col(CourseCompletion.staff_id).in_(ids))
            )
        ).all()
    }
    for row, person in wanted:
        for course, day in sorted(row.courses.items()):
            column = f"{COURSE_PREFIX}{course}"
            if course not in known:
                names = ", ".join(f"{COURSE_PREFIX}{k}" for k in sorted(known)) or "none"
                report.errors.append(
                    RowError(
                        file,
                        row.line,
                        column,
                        day.isoformat(),
                        f"your council's pack names no course {course!r} (its course columns: "
                        f"{names}); rename the column or pass --map '{column}=ignore'",
                    )
                )
                continue
            if today is not None and day > today:
                report.errors.append(
                    RowError(
                        file,
                        row.line,
                        column,
                        day.isoformat(),
                        "is after today; give the day the course was completed",
                    )
                )
                continue
            assert person.id is not None
            done = held.get((person.id, course))
            if done is None:
                session.add(CourseCompletion(staff_id=person.id, course=course, completed_on=day))
            elif done.completed_on != day:
                done.completed_on = day
                done.recorded_by_id = None
                session.add(done)


def apply_changes(target: Any, values: dict[str, Any]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(target, key) != value:
            setattr(target, key, value)
            changed = True
    return changed
