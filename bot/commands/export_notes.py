"""`supervision-bot export decisions`: case notes for the child's record, marked exported only
once they have been written in full (issue 21 item 10).

Marking happens after the write, not before: output cut short (`| head`, a full disk) marks
nothing. Standard output that is a pipe or a terminal is not marked unless `--mark` says the
reader keeps everything, since a reader such as `head` may stop early without the writer knowing.
`--again-since DATE` sends again what was exported on or after a date.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import stat
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.runtime import UserError, resolve_organisation, settings_or_exit, with_engine

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.settings import Settings


@dataclass(frozen=True, slots=True)
class Found:
    data: bytes
    decision_ids: tuple[int, ...]
    discussion_ids: tuple[int, ...]
    organisation_slug: str

    @property
    def count(self) -> int:
        return len(self.decision_ids) + len(self.discussion_ids)


def register(kinds: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    notes = kinds.add_parser(
        "decisions",
        help="decisions and case discussions not yet sent to the child's record",
        description=(
            "Writes manager decisions and supervision case discussions as notes named as your "
            "council names them, for upload to the case management system. Once written in "
            "full to a file they are marked exported, so the next run sends only new ones. "
            "Written to a pipe or the screen they are not marked unless you add --mark."
        ),
    )
    notes.add_argument("--org", help="organisation short name (needed if there are several)")
    notes.add_argument("--format", choices=("csv", "json"), default="csv")
    notes.add_argument("--output", type=Path, help="file to write (default: standard output)")
    notes.add_argument(
        "--dry-run", action="store_true", help="write the notes but mark nothing as exported"
    )
    notes.add_argument(
        "--mark",
        action="store_true",
        help="mark them exported even when written to a pipe (the reader keeps everything)",
    )
    notes.add_argument(
        "--again-since",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="also include notes already exported on or after this date (to send them again)",
    )
    notes.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_or_exit()
    zone = ZoneInfo(settings.timezone)
    since = (
        datetime.combine(args.again_since, time(0), tzinfo=zone).astimezone(UTC)
        if args.again_since
        else None
    )
    found = asyncio.run(with_engine(settings, lambda e: _find(settings, e, args.org, since, args)))
    if not found.count:
        print("Nothing new to export.", file=sys.stderr)
        if args.output is not None:
            args.output.write_bytes(found.data)
        return 0
    where = _write(found.data, args.output)
    what = f"{found.count} case notes"
    if where == "cut":
        print(
            f"The output was cut short, so none of the {what} was marked as exported; "
            "run the command again to send them all.",
            file=sys.stderr,
        )
        return 1
    if args.output is not None:
        print(f"Wrote {what} to {args.output.resolve()}", file=sys.stderr)
    if args.dry_run:
        print(f"Dry run: the {what} were not marked as exported.", file=sys.stderr)
        return 0
    if where == "stream" and not args.mark:
        print(
            f"The {what} went to a pipe or the screen, so they were not marked as exported "
            "(a reader such as head may stop early). Write them to a file with --output FILE, "
            "or add --mark if the program reading them keeps everything.",
            file=sys.stderr,
        )
        return 0
    asyncio.run(with_engine(settings, lambda e: _mark(e, found)))
    print(f"Marked {what} as exported.", file=sys.stderr)
    return 0


def _write(data: bytes, output: Path | None) -> str:
    """'file' when written in full to a file, 'stream' to a pipe or terminal, 'cut' if not all."""
    if output is not None:
        try:
            with output.open("wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
        except OSError as error:
            raise UserError(f"could not write {output}: {error.strerror}") from None
        return "file"
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        # Python would report the closed pipe again at exit: point stdout at nothing instead.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return "cut"
    mode = os.fstat(sys.stdout.fileno()).st_mode
    return "file" if stat.S_ISREG(mode) else "stream"


async def _find(
    settings: Settings,
    engine: AsyncEngine,
    org: str | None,
    since: datetime | None,
    args: argparse.Namespace,
) -> Found:
    from bot.packs import pack_or_error
    from dialogs.i18n import use_language
    from dialogs.outputs.case_notes import decision_note, discussion_note, notes_csv, notes_json
    from storage.db import session_factory
    from storage.exports import pending_case_notes

    organisation = await resolve_organisation(engine, org)
    assert organisation.id is not None
    pack = pack_or_error(settings, organisation.pack_id)
    zone = ZoneInfo(settings.timezone)
    async with session_factory(engine)() as session:
        decisions, discussions = await pending_case_notes(session, organisation.id, since)
    # Issue 28: the notes' headings in the council's default language (the columns are the
    # field names the case management system's import maps, so they stay as they are).
    with use_language(pack.language.default):
        notes = [
            decision_note(
                pack,
                reference=d.reference,
                decision=d.decision,
                rationale=d.rationale,
                decided_on=d.decided_on,
                decided_by=d.decided_by,
                source_id=f"decision:{d.id}",
            )
            for d in decisions
        ] + [
            discussion_note(
                pack,
                reference=d.reference,
                headings=d.headings,
                held_on=d.held_at.astimezone(zone).date(),
                author=d.author,
                source_id=f"discussion:{d.id}",
            )
            for d in discussions
        ]
    data = notes_json(notes) if args.format == "json" else notes_csv(notes)
    return Found(
        data,
        tuple(d.id for d in decisions),
        tuple(d.id for d in discussions),
        organisation.slug,
    )


async def _mark(engine: AsyncEngine, found: Found) -> None:
    from storage.db import session_factory
    from storage.exports import mark_exported
    from storage.repositories.audit import SqlAudit

    now = datetime.now(UTC)
    async with session_factory(engine)() as session:
        await mark_exported(session, found.decision_ids, found.discussion_ids, now)
        await SqlAudit(session).record(
            actor_id=None,
            action="export",
            subject_type="case_notes",
            subject_id=f"{found.organisation_slug}:{now.date()}",
            target_staff_id=None,
            reason="export for the case management system",
            detail={"notes": found.count},
        )
        await session.commit()
