"""Runs one import in a single transaction: any bad row and nothing is committed."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from policy.packs import Pack, builtin_pack, builtin_pack_ids
from storage.db import session_factory
from storage.imports import absences, cases, history, staff
from storage.imports.base import ImportError_, ImportReport, Row, RowError, read_rows
from storage.imports.handover import tell_new_managers
from storage.models import Organisation

Kind = Literal["staff", "cases", "absences", "history"]
Progress = Callable[[Iterator[Row]], Iterable[Row]]


async def import_file(
    engine: AsyncEngine,
    kind: Kind,
    path: Path,
    organisation: str,
    *,
    dry_run: bool = False,
    mapping: dict[str, str] | None = None,
    today: date,
    progress: Progress = lambda rows: rows,
    packs: Mapping[str, Pack] | None = None,
) -> ImportReport:
    """Validate every row, then upsert them all, or nothing when any row is wrong. `packs`: the
    councils' packs by id (the built-in ones when not given), for the allocation rules."""
    report = ImportReport(kind=kind, dry_run=dry_run)
    file = str(path)
    mapping = mapping or {}
    errors: list[RowError] = report.errors
    if kind == "staff":
        _, rows = read_rows(
            path,
            staff.KNOWN,
            staff.REQUIRED,
            mapping,
            allowed_personal=staff.ALLOWED_PERSONAL,
            prefixes=(staff.COURSE_PREFIX,),
        )
        all_rows = list(progress(rows))
        parsed_staff = staff.parse_staff(all_rows, file, errors)
    elif kind == "cases":
        _, rows = read_rows(
            path, cases.KNOWN, cases.REQUIRED, mapping, prefixes=(cases.FACT_PREFIX,)
        )
        all_rows = list(progress(rows))
        parsed_cases = cases.parse_cases(all_rows, file, errors)
    elif kind == "history":
        _, rows = read_rows(path, history.KNOWN, history.REQUIRED, mapping)
        all_rows = list(progress(rows))
        parsed_history = history.parse_history(all_rows, file, errors, today)
    else:
        _, rows = read_rows(path, absences.KNOWN, absences.REQUIRED, mapping)
        all_rows = list(progress(rows))
        parsed_absences = absences.parse_absences(all_rows, file, errors)
    report.rows = len(all_rows)
    if errors:
        return report
    async with session_factory(engine)() as session:
        org = (
            await session.exec(select(Organisation).where(Organisation.slug == organisation))
        ).first()
        if org is None or org.id is None:
            raise ImportError_(
                f"no organisation {organisation!r}; create it with "
                f"`supervision-bot init --org {organisation} --pack PACK --name NAME`"
            )
        if kind == "staff":
            pack = (packs or {}).get(org.pack_id) or (
                builtin_pack(org.pack_id) if org.pack_id in builtin_pack_ids() else None
            )
            await staff.upsert_staff(session, org.id, parsed_staff, report, file, pack, today)
            if pack is not None and not report.errors and not dry_run:
                await tell_new_managers(session, pack, report, today)
        elif kind == "cases":
            pack = (packs or {}).get(org.pack_id) or (
                builtin_pack(org.pack_id) if org.pack_id in builtin_pack_ids() else None
            )
            await cases.upsert_cases(session, org.id, parsed_cases, report, file, today, pack)
        elif kind == "history":
            await history.upsert_history(session, org.id, parsed_history, report, file)
        else:
            await absences.upsert_absences(session, org.id, parsed_absences, report, file)
        if report.errors or dry_run:
            await session.rollback()
        else:
            await session.commit()
    return report
