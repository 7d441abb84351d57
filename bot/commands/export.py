"""`supervision-bot export record|decisions|compliance`: documents and files people ask for."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.commands.export_notes import register as register_notes
from bot.commands.governance import register_export as register_person
from bot.runtime import UserError, resolve_organisation, settings_or_exit, today, with_engine

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.settings import Settings


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
    register_notes(kinds)
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
    from bot.packs import pack_or_error
    from dialogs.flows.record_plan import record_title
    from dialogs.outputs.record_pdf import RecordDocument, record_pdf  # reportlab, when needed
    from storage.db import session_factory
    from storage.exports import record_bundle
    from storage.repositories.audit import SqlAudit

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
        # A template the pack no longer has (the council changed packs): the record's own keys.
        template = next((t for t in pack.templates if t.id == record.template_id), None)
        sections = (
            [(s.id, s.title) for s in template.sections]
            if template
            else [(key, key.replace("_", " ").capitalize()) for key in record.sections]
        )
        supervisee = ", ".join(bundle.names.get(i, "?") for i in meeting.supervisee_ids)
        document = RecordDocument(
            council=bundle.organisation.name,  # the organisation's own name, not its pack's
            title=record_title(
                pack, record.kind, meeting.type
            ),  # each kind its own file (LAM 004:350,356)
            supervisor=bundle.names.get(meeting.supervisor_id, "?"),
            supervisee=supervisee,
            held_at=meeting.start,
            section_titles=sections,
            owners=bundle.names,
            zone=ZoneInfo(settings.timezone),
            action_success=(
                template.action_success.value
                if template and template.action_success
                else "I will know this works when"
            ),
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


def run_compliance(args: argparse.Namespace) -> int:
    settings = settings_or_exit()
    if not 1 <= args.months <= 60:
        raise UserError("--months must be from 1 to 60")
    data = asyncio.run(with_engine(settings, lambda e: _compliance(settings, e, args)))
    _write(data, args.output, "the compliance figures")
    return 0


async def _compliance(settings: Settings, engine: AsyncEngine, args: argparse.Namespace) -> bytes:
    from sqlmodel import select

    from bot.packs import pack_or_error
    from dialogs.i18n import use_language
    from dialogs.outputs.figures import compliance_csv
    from policy.calendar import month_from_index, month_index
    from storage.db import session_factory
    from storage.models import Team
    from storage.repositories.facts import SqlFacts

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
    # Issue 28: a file from the command line is in the council's default language.
    with use_language(pack.language.default):
        return compliance_csv(
            pack, inputs.staff, inputs.sessions, inputs.absences, names, months, now
        )
