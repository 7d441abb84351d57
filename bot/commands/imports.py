"""`supervision-bot import staff|cases|absences|history FILE.csv`: load exports, safely."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bot.runtime import UserError, resolve_organisation, settings_or_exit, today, with_engine

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from storage.imports import ImportReport
    from storage.imports.base import Row

COLUMNS = {
    "staff": (
        "external_ref, name, email, role (required); grade, fte, agency, team, service, "
        "line_manager_email, start_date, leaving_date, asye_start, slack_user_id, "
        "teams_aad_object_id"
    ),
    "cases": (
        "reference, category, opened (required); system, children, closed, worker_email, "
        "co_worker_email, and fact_* columns for weighting facts (e.g. fact_court_stage)"
    ),
    "absences": "staff_email, kind, start_date, end_date (required); note",
    "history": (
        "supervisee_email, supervisor_email, date, type (required); minutes, record_written, "
        "supervisor_signed, supervisee_signed, case_references (separated by ;): supervision "
        "held before go-live, so due dates count from it (import staff and cases first)"
    ),
}


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "import",
        help="load staff, cases, absences or supervision history from a CSV export",
        description=(
            "Loads a CSV file exported from your HR or case management system. Rows are matched "
            "by reference, so running the same file again changes nothing. If any row is wrong, "
            "nothing is imported and every problem is listed with its line and column. Columns "
            "that look like a child's name or date of birth are refused.\n\nColumns:\n"
            + "\n".join(f"  {kind}: {cols}" for kind, cols in COLUMNS.items())
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("kind", choices=sorted(COLUMNS), help="what the file holds")
    parser.add_argument("file", type=Path, help="the CSV file")
    parser.add_argument("--org", help="organisation short name (needed if there are several)")
    parser.add_argument(
        "--dry-run", action="store_true", help="check the file and report, but change nothing"
    )
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help="read a column under another name, or COLUMN=ignore to skip it (repeatable)",
    )
    parser.set_defaults(handler=run)


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        column, sep, field = pair.partition("=")
        if not sep or not column.strip() or not field.strip():
            raise UserError(f"--map {pair!r}: write it as COLUMN=FIELD or COLUMN=ignore")
        mapping[column.strip()] = field.strip()
    return mapping


def _progress(rows: Iterator[Row]) -> Iterable[Row]:
    from tqdm import tqdm

    # tqdm shows itself only on a terminal; large files show a running count there.
    bar: Iterable[Row] = tqdm(
        rows, desc="Reading rows", unit=" rows", file=sys.stderr, disable=None, delay=1
    )
    return bar


def run(args: argparse.Namespace) -> int:
    from bot.packs import all_packs
    from storage.imports import ImportError_, import_file

    settings = settings_or_exit()
    mapping = _mapping(args.map)

    go_live: list[date | None] = []

    async def work(engine: AsyncEngine) -> ImportReport:
        organisation = await resolve_organisation(engine, args.org)
        go_live.append(organisation.go_live)
        return await import_file(
            engine,
            args.kind,
            args.file,
            organisation.slug,
            dry_run=args.dry_run,
            mapping=mapping,
            today=today(settings),
            progress=_progress,
            packs=all_packs(settings),
        )

    try:
        report = asyncio.run(with_engine(settings, work))
    except ImportError_ as exc:
        print(f"supervision-bot import: {exc}", file=sys.stderr)
        return 2
    for error in report.errors:
        print(str(error), file=sys.stderr)
    for note in report.notes:
        print(f"Note: {note}")
    print(report.summary(), file=sys.stderr if report.errors else sys.stdout)
    if not report.errors and args.kind in {"staff", "history"} and go_live == [None]:
        # Issue 23 item 1: without it, someone in post since 2015 is owed ten years on day one.
        print(
            "No go-live date is set: until it is, people with no supervision on record are "
            "counted from their start date. Set it with `supervision-bot init --org ORG "
            "--go-live YYYY-MM-DD` (see the README's go-live section)."
        )
    return 1 if report.errors else 0
