"""`supervision-bot score`: score a workload file under a caseload weighting scheme."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.runtime import UserError, settings_or_exit, with_engine

_LONDON = ZoneInfo("Europe/London")  # dates are people's dates (HOUSE_STYLE)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "score",
        help="score a caseload under a weighting scheme",
        description=(
            "Score a worker's caseload from a workload file (JSON or YAML; see scoring/README.md) "
            f"under a weighting scheme. Built-in schemes: {', '.join(_builtin_scheme_ids())}."
        ),
    )
    parser.add_argument("file", nargs="?", type=Path, help="workload file (.json, .yaml)")
    parser.add_argument("--scheme", help="scheme id, e.g. derbyshire_wms")
    parser.add_argument("--person", metavar="EMAIL", help="score a worker from the database")
    parser.add_argument(
        "--reason",
        default="supervision-bot score --person",
        help="why a person's caseload is read (kept in the audit trail)",
    )
    parser.add_argument("--on", metavar="YYYY-MM-DD", help="score as of this date (default today)")
    parser.add_argument("--format", choices=("json", "table"), default="json")
    parser.add_argument(
        "--schemes-dir",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="folder of a council's own scheme files (checked before the built-in ones)",
    )
    parser.add_argument(
        "--caps",
        default="cap003",
        metavar="ID",
        help="count-based caps policy to check beside the points, or 'none' (default cap003)",
    )
    parser.set_defaults(handler=handle)


def _builtin_scheme_ids() -> list[str]:
    """The shipped scheme files' names (scoring.schemes.builtin_scheme_ids), read without loading
    the scheme parser, so `--help` stays quick (issue 24: CLI start)."""
    folder = resources.files("scoring").joinpath("schemes")
    return sorted(entry.name[:-5] for entry in folder.iterdir() if entry.name.endswith(".yaml"))


def _fail(message: str) -> int:
    print(f"supervision-bot score: {message}", file=sys.stderr)
    return 2


def handle(args: argparse.Namespace) -> int:
    from scoring.caps import CountCapsError, builtin_count_caps
    from scoring.document import DataFileError
    from scoring.engine import score
    from scoring.explain import to_json_dict, to_table
    from scoring.schemes import find_scheme
    from scoring.workload_file import load_workload

    try:
        on = date.fromisoformat(args.on) if args.on else datetime.now(_LONDON).date()
    except ValueError:
        return _fail(f"--on {args.on!r} is not a date; write it as YYYY-MM-DD")
    if args.person:
        return _from_database(args, on)
    if not args.scheme or args.file is None:
        return _fail("give --scheme ID and a workload FILE, or --person EMAIL")
    try:
        scheme = find_scheme(args.scheme, args.schemes_dir)
        caps = None if args.caps == "none" else builtin_count_caps(args.caps)
        workload = load_workload(args.file, scheme)
    except (DataFileError, CountCapsError) as exc:
        return _fail(str(exc))
    result = score(workload, scheme, on, caps)
    if args.format == "table":
        sys.stdout.write(to_table(result))
    else:
        sys.stdout.write(json.dumps(to_json_dict(result), indent=2) + "\n")
    return 0


def _from_database(args: argparse.Namespace, on: date) -> int:
    """The person's own council scheme and cases, exactly as the chat reply scores them."""
    from bot.person_score import score_person  # the database: only for --person
    from scoring.explain import to_json_dict, to_table

    settings = settings_or_exit()
    try:
        result = asyncio.run(
            with_engine(
                settings,
                lambda engine: score_person(settings, engine, args.person, on, args.reason),
            )
        )
    except UserError as exc:
        return _fail(str(exc))
    if result.score is None:
        cap = "no count cap" if result.cap is None else f"cap {result.cap}"
        print(f"{result.person.name}: {result.case_count} cases ({cap}); no weighting scheme")
        return 0
    if args.format == "table":
        sys.stdout.write(to_table(result.score))
    else:
        sys.stdout.write(json.dumps(to_json_dict(result.score), indent=2) + "\n")
    return 0
