"""`supervision-bot export record|decisions|compliance`: documents and files people ask for."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.commands.governance import register_export as register_person
from bot.packs import pack_or_error
from bot.runtime import UserError, resolve_organisation, settings_or_exit, today, with_engine
from bot.settings import Settings
from dialogs.outputs.case_notes import decision_note, discussion_note, notes_csv, notes_json
from dialogs.outputs.figures import compliance_csv
from policy.calendar import month_from_index, month_index
from storage.db import session_factory
from storage.exports import mark_exported, pending_case_notes, record_bundle
from storage.models import Team
from storage.repositories.audit import SqlAudit
from storage.repositories.facts import SqlFacts


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "export", help="export a signed record (PDF), case notes (CSV/JSON) or compliance (CSV)"
    )
    kinds = parser.add_subparsers(title="what to export", metavar="WHAT", required=True)
    record = kinds.add_parser("record", help="a signed supervision record as a PDF")
    record.add_argument("record_id", type=int, metavar="ID")
    record.add_argument("--output", type=Path, help="file to write (default record-ID.pdf)")
    record.add_argument("--reason", default="", help="why it is exported (kept in the audit trail)")
    record.set_defaults(handler=run_record)
    notes = kinds.add_parser(
        "decisions",
        help="decisions and case discussions not yet sent to the child's record",
        description=(
            "Writes manager decisions and supervision case discussions as notes named as your "
            "council names them, for upload to the case management system, and marks them "
            "exported (use --dry-run to look without marking)."
        ),
    )
    notes.add_argument("--org", help="organisation short name (needed if there are several)")
    notes.add_argument("--format", choices=("csv", "json"), default="csv")
    notes.add_argument("--output", type=Path, help="file to write (default: standard output)")
    notes.add_argument("--dry-run", action="store_true", help="do not mark anything as exported")
    notes.set_defaults(handler=run_decisions)
    figures = kinds.add_parser("compliance", help="monthly supervision compliance per team (CSV)")
    figures.add_argument("--org", help="organisation short name (needed if there are several)")
    figures.add_argument("--months", type=int, default=12, help="how many months back (default 12)")
    figures.add_argument("--output", type=Path, help="file to write (default: standard output)")
    figures.set_defaults(handler=run_compliance)
    register_person(kinds)


def _write(data: bytes, output: Path | None, what: str) -> None:
    if output is None:
        sys.stdout.buffer.write(data)
        return
    output.write_bytes(data)
    print(f"Wrote {what} to {output.resolve()}", file=sys.stderr)


def run_record(args: argparse.Namespace) -> int:
    settings = settings_or_exit()
    data = asyncio.run(with_engine(settings, lambda e: _record(settings, e, args)))
    _write(data, args.output or Path(f"record-{args.record_id}.pdf"), "the record")
    return 0


async def _record(settings: Settings, engine: AsyncEngine, args: argparse.Namespace) -> bytes:
    from dialogs.outputs.record_pdf import RecordDocument, record_pdf  # reportlab, when needed

    async with session_factory(engine)() as session:
        bundle = await record_bundle(session, args.record_id)
        if bundle is None:
            raise UserError(f"there is no supervision record {args.record_id}")
        record, meeting = bundle.record, bundle.session
        if record.supervisor_signed_at is None or record.supervisee_signed_at is None:
            raise UserError(
                f"record {args.record_id} is not signed by both parties yet; only signed "
                "records go on the supervision file (DCC 000:103)"
            )
        pack = pack_or_error(settings, bundle.organisation.pack_id)
        template = pack.template(record.template_id)
        sections = (
            [(s.id, s.title) for s in template.sections]
            if template
            else [(key, key.replace("_", " ").capitalize()) for key in record.sections]
        )
        supervisee = ", ".join(bundle.names.get(i, "?") for i in meeting.supervisee_ids)
        document = RecordDocument(
            council=bundle.organisation.name,  # the organisation's own name, not its pack's
            title=pack.terms.supervision_record.value,
            supervisor=bundle.names.get(meeting.supervisor_id, "?"),
            supervisee=supervisee,
            held_at=meeting.start,
            section_titles=sections,
            owners=bundle.names,
            zone=ZoneInfo(settings.timezone),
        )
        pdf = record_pdf(record, document)
        await SqlAudit(session).record(
            actor_id=None,
            action="export",
            subject_type="supervision_record",
            subject_id=str(record.id),
            target_staff_id=meeting.supervisee_ids[0],
            reason=args.reason or "exported with the command line",
            detail={"format": "pdf"},
        )
        await session.commit()
        return pdf


def run_decisions(args: argparse.Namespace) -> int:
    settings = settings_or_exit()
    data, count = asyncio.run(with_engine(settings, lambda e: _decisions(settings, e, args)))
    _write(data, args.output, f"{count} case notes")
    if not count:
        print("Nothing new to export.", file=sys.stderr)
    return 0


async def _decisions(
    settings: Settings, engine: AsyncEngine, args: argparse.Namespace
) -> tuple[bytes, int]:
    organisation = await resolve_organisation(engine, args.org)
    assert organisation.id is not None
    pack = pack_or_error(settings, organisation.pack_id)
    zone = ZoneInfo(settings.timezone)
    async with session_factory(engine)() as session:
        decisions, discussions = await pending_case_notes(session, organisation.id)
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
        if not args.dry_run and notes:
            now = datetime.now(UTC)
            await mark_exported(
                session, [d.id for d in decisions], [d.id for d in discussions], now
            )
            await SqlAudit(session).record(
                actor_id=None,
                action="export",
                subject_type="case_notes",
                subject_id=f"{organisation.slug}:{now.date()}",
                target_staff_id=None,
                reason="export for the case management system",
                detail={"notes": len(notes)},
            )
            await session.commit()
        return data, len(notes)


def run_compliance(args: argparse.Namespace) -> int:
    settings = settings_or_exit()
    if not 1 <= args.months <= 60:
        raise UserError("--months must be from 1 to 60")
    data = asyncio.run(with_engine(settings, lambda e: _compliance(settings, e, args)))
    _write(data, args.output, "the compliance figures")
    return 0


async def _compliance(settings: Settings, engine: AsyncEngine, args: argparse.Namespace) -> bytes:
    organisation = await resolve_organisation(engine, args.org)
    assert organisation.id is not None
    pack = pack_or_error(settings, organisation.pack_id)
    now = today(settings)
    async with session_factory(engine)() as session:
        inputs = await SqlFacts(session).for_organisation(organisation.id, now)
        teams = (
            await session.exec(select(Team).where(Team.organisation_id == organisation.id))
        ).all()
    last = month_index(date(now.year, now.month, 1))
    months = []
    for index in range(last - args.months + 1, last + 1):
        first = month_from_index(index)
        months.append((first.year, first.month))
    names = {t.id: t.name for t in teams if t.id is not None}
    return compliance_csv(pack, inputs.staff, inputs.sessions, inputs.absences, names, months, now)
