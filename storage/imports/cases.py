"""Case rows from the case management system: references and weighting facts, never names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from policy.allocation import Verdict, allocation_check
from policy.packs import Pack
from scoring.vocabulary import AllocationRole, CaseCategory, StaffRole
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
from storage.imports.staff import apply_changes
from storage.models import Case, CaseAllocation, CaseCategoryChange, Staff
from storage.repositories.notes import courses_of

KNOWN = {
    "reference",
    "system",
    "category",
    "children",
    "opened",
    "closed",
    "category_since",
    "worker_email",
    "co_worker_email",
    # LAM 004:260: an extension of case supervision frequency agreed with the Service Manager.
    "supervision_extension_until",
    "extension_agreed_by_email",
}
REQUIRED = {"reference", "category", "opened"}
FACT_PREFIX = "fact_"
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./-]{0,63}")
_CATEGORY_ALIASES = {
    "child_in_need": CaseCategory.CIN,
    "child_protection": CaseCategory.CP,
    "lac": CaseCategory.CLA,
    "cic": CaseCategory.CLA,
    "child_in_care": CaseCategory.CLA,
    "looked_after": CaseCategory.CLA,
    "16_plus": CaseCategory.SIXTEEN_PLUS,
    "16+": CaseCategory.SIXTEEN_PLUS,
    "eh": CaseCategory.EARLY_HELP,
}


def parse_category(value: str) -> CaseCategory:
    key = value.strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return _CATEGORY_ALIASES.get(key) or CaseCategory(key)
    except ValueError:
        names = ", ".join(c.value for c in CaseCategory)
        raise CellError(f"unknown category; use one of: {names}") from None


def parse_reference(value: str) -> str:
    if not _REFERENCE.fullmatch(value.strip()):
        raise CellError(
            "not a case reference: letters, digits and - _ . / only, as the case management "
            "system writes it (e.g. C-1042); never a child's name"
        )
    return value.strip()


def parse_fact(value: str) -> Any:
    """Weighting facts: whole numbers, ISO or UK dates (kept as ISO text), yes/no, or short text."""
    text = value.strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}", text):
        return parse_date(text).isoformat()
    if text.lower() in {"yes", "true"}:
        return True
    if text.lower() in {"no", "false"}:
        return False
    if len(text) > 100:
        raise CellError("a weighting fact is a short value; free text does not belong here")
    return text


@dataclass
class CaseRow:
    line: int
    values: dict[str, Any]
    worker: str | None
    co_worker: str | None
    # The day the case took the row's category (issue 20 item 11); None: the import's day when
    # the category changes, the opening day for a new case.
    category_since: date | None = None
    # The extension's end and who agreed it; None: the file has no such column (left as it is).
    extension: tuple[date | None, str | None] | None = None


def parse_cases(rows: list[Row], file: str, errors: list[RowError]) -> list[CaseRow]:
    parsed: list[CaseRow] = []
    seen: dict[str, int] = {}
    for row in rows:
        before = len(errors)

        cell = cell_reader(row, file, errors)

        values: dict[str, Any] = {
            "reference": cell("reference", parse_reference),
            "category": cell("category", lambda raw: parse_category(raw).value),
            "children": cell("children", lambda raw: parse_int(raw, 1, 20) if raw else 1),
            "system": (row.cells.get("system") or "mosaic").lower(),
            "opened": cell("opened", parse_date),
            "closed": cell("closed", optional(parse_date)),
        }
        facts = {
            name.removeprefix(FACT_PREFIX): cell(name, parse_fact)
            for name, raw in row.cells.items()
            if name.startswith(FACT_PREFIX) and raw
        }
        values["facts"] = facts
        since: date | None = cell("category_since", optional(parse_date))
        worker = cell("worker_email", optional(parse_email))
        co_worker = cell("co_worker_email", optional(parse_email))
        opened: date | None = values["opened"]
        closed: date | None = values["closed"]
        if opened and closed and closed < opened:
            errors.append(RowError(file, row.line, "closed", str(closed), "is before opened"))
        if opened and since and since < opened:
            errors.append(
                RowError(file, row.line, "category_since", str(since), "is before opened")
            )
        ref = values["reference"]
        if ref and ref in seen:
            errors.append(RowError(file, row.line, "reference", ref, f"repeats line {seen[ref]}"))
        elif ref:
            seen[ref] = row.line
        extension = None
        if "supervision_extension_until" in row.cells or "extension_agreed_by_email" in row.cells:
            until = cell("supervision_extension_until", optional(parse_date))
            agreed = cell("extension_agreed_by_email", optional(parse_email))
            if agreed and until is None:
                errors.append(
                    RowError(
                        file, row.line, "supervision_extension_until", "",
                        "give the day the agreed extension ends, or leave both columns blank",
                    )
                )  # fmt: skip
            extension = (until, agreed)
        if len(errors) == before:
            parsed.append(CaseRow(row.line, values, worker, co_worker, since, extension))
    return parsed


async def upsert_cases(
    session: AsyncSession,
    organisation_id: int,
    rows: list[CaseRow],
    report: ImportReport,
    file: str,
    today: date,
    pack: Pack | None = None,
) -> None:
    existing = {
        c.reference: c
        for c in (
            await session.exec(select(Case).where(Case.organisation_id == organisation_id))
        ).all()
    }
    staff = {
        s.email: s
        for s in (
            await session.exec(select(Staff).where(Staff.organisation_id == organisation_id))
        ).all()
    }
    # CAP003 003:30: who has done the Section 47 course, for the pack's rules that ask.
    courses: dict[int, dict[str, date]] = {}
    if pack is not None and any(r.unless_course for r in pack.caseload.restrictions):
        courses = await courses_of(session, [s.id for s in staff.values() if s.id is not None])
    case_ids = [c.id for c in existing.values()]
    open_allocations: dict[int, list[CaseAllocation]] = {}
    if case_ids:
        result = await session.exec(
            select(CaseAllocation).where(
                col(CaseAllocation.case_id).in_(case_ids),
                col(CaseAllocation.end_date).is_(None),
            )
        )
        for allocation in result.all():
            open_allocations.setdefault(allocation.case_id, []).append(allocation)
    for row in rows:
        wanted: dict[int, AllocationRole] = {}
        pairs = ((row.worker, AllocationRole.LEAD), (row.co_worker, AllocationRole.CO_WORKER))
        for email, role in pairs:
            if email is None:
                continue
            person = staff.get(email)
            if person is None or person.id is None:
                column = "worker_email" if role is AllocationRole.LEAD else "co_worker_email"
                report.errors.append(
                    RowError(
                        file,
                        row.line,
                        column,
                        email,
                        "no staff member has this email; import staff first",
                    )
                )
                break
            wanted[person.id] = role
        else:
            if pack is not None and not _allowed(pack, row, staff, courses, report, file, today):
                continue
            if row.extension is not None:
                agreed_by = _extension(pack, row, staff, report, file)
                if agreed_by is False:
                    continue
                row.values["case_supervision_extension_until"] = row.extension[0]
                row.values["case_supervision_extension_by"] = agreed_by
            case = existing.get(row.values["reference"])
            is_new = case is None
            if row.category_since is not None and row.category_since > today:
                report.errors.append(
                    RowError(
                        file,
                        row.line,
                        "category_since",
                        str(row.category_since),
                        "is in the future; give the day the category took effect",
                    )
                )
                continue
            if case is None:
                case = Case(
                    organisation_id=organisation_id,
                    **row.values,
                    category_since=row.category_since,
                )
                session.add(case)
                await session.flush()
                existing[case.reference] = case
                changed = True
            else:
                previous = case.category
                changed = apply_changes(case, row.values)
                if case.category != previous:
                    # Issue 20 item 11: the history, and the day the new interval runs from
                    # (no later than the change: the import's day when none is given).
                    assert case.id is not None
                    case.category_since = row.category_since or today
                    session.add(
                        CaseCategoryChange(
                            case_id=case.id,
                            previous=previous,
                            category=case.category,
                            since=case.category_since,
                        )
                    )
            assert case.id is not None
            current = open_allocations.get(case.id, [])
            changed |= _reallocate(session, case.id, current, wanted, today)
            report.created += is_new
            report.updated += changed and not is_new
            report.unchanged += not changed


def _extension(
    pack: Pack | None,
    row: CaseRow,
    staff: dict[str, Staff],
    report: ImportReport,
    file: str,
) -> int | Literal[False] | None:
    """LAM 004:260: an extension to case supervision frequency, "agreed with Service Manager"
    where appropriate and necessary, for matched and stable CLA placements. Who agreed it (their
    id), None when the columns are blank (no extension), or False when refused (the row's error
    says which column and why, with the clause)."""
    assert row.extension is not None
    until, agreed = row.extension
    if until is None:
        return None
    rules = pack.case_supervision if pack is not None else None
    rule = rules.matched_stable_extension if rules is not None else None

    def refuse(column: str, value: str, reason: str) -> Literal[False]:
        report.errors.append(RowError(file, row.line, column, value, reason))
        return False

    if rule is None or not rule.allowed:
        return refuse(
            "supervision_extension_until",
            str(until),
            "your council's policy allows no extension of case supervision frequency; "
            "leave this column blank",
        )
    where = f" ({rule.source})" if rule.source else ""
    category = CaseCategory(row.values["category"])
    if category not in rule.categories:
        allowed = ", ".join(c.value for c in rule.categories)
        return refuse(
            "supervision_extension_until",
            str(until),
            f"an extension is only for {allowed} cases in a matched, stable placement{where}",
        )
    approver = rule.approver.value.replace("_", " ") if rule.approver else "the approver"
    person = staff.get(agreed) if agreed else None
    if person is None or person.id is None:
        return refuse(
            "extension_agreed_by_email",
            agreed or "",
            f"say who agreed the extension: the email of the {approver}{where}",
        )
    if rule.approver is not None and person.role != rule.approver.value:
        return refuse(
            "extension_agreed_by_email",
            agreed or "",
            f"an extension is agreed by the {approver}{where}; "
            f"{person.name} is {person.role.replace('_', ' ')}",
        )
    return person.id


def _allowed(
    pack: Pack,
    row: CaseRow,
    staff: dict[str, Staff],
    courses: dict[int, dict[str, date]],
    report: ImportReport,
    file: str,
    today: date,
) -> bool:
    """The pack's allocation restrictions for the row's workers (policy.allocation, CAP003
    003:64, and 003:30 with the courses each has completed): a refusal is the row's error
    (nothing is imported); a flag is a note the import prints, and the row goes in. False when
    refused."""
    if row.values.get("closed") is not None:
        return True
    refused = False
    pairs = ((row.worker, AllocationRole.LEAD), (row.co_worker, AllocationRole.CO_WORKER))
    for email, part in pairs:
        person = staff.get(email) if email else None
        if person is None:
            continue
        other = row.co_worker if part is AllocationRole.LEAD else row.worker
        for finding in allocation_check(
            pack,
            role=StaffRole(person.role),
            asye_start=person.asye_start,
            part=part,
            co_worked=other is not None,
            facts=row.values.get("facts") or {},
            on=today,
            courses=courses.get(person.id or 0, {}),
        ):
            column = "worker_email" if part is AllocationRole.LEAD else "co_worker_email"
            if finding.verdict is Verdict.REFUSE:
                report.errors.append(RowError(file, row.line, column, email or "", finding.message))
                refused = True
            else:
                report.notes.append(
                    f"{file}:{row.line}: case {row.values['reference']}, {column} {email}: "
                    f"{finding.message}"
                )
    return not refused


def _reallocate(
    session: AsyncSession,
    case_id: int,
    current: list[CaseAllocation],
    wanted: dict[int, AllocationRole],
    today: date,
) -> bool:
    """End allocations that no longer hold and start the new ones; True when anything changed."""
    changed = False
    held = {a.staff_id: a for a in current}
    for staff_id, allocation in held.items():
        if wanted.get(staff_id) != AllocationRole(allocation.role):
            allocation.end_date = today
            changed = True
    for staff_id, role in wanted.items():
        previous = held.get(staff_id)
        if previous is None or AllocationRole(previous.role) != role:
            session.add(
                CaseAllocation(
                    case_id=case_id, staff_id=staff_id, role=role.value, start_date=today
                )
            )
            changed = True
    return changed
