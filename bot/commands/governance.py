"""Information governance commands: the audit trail, retention, legal holds, subject access."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from bot.runtime import UserError, resolve_organisation, settings_or_exit, today, with_engine

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.settings import Settings
    from storage.models import AuditEvent, Organisation, Staff


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = commands.add_parser(
        "audit", help="list and verify the audit trail (who looked at or changed what)"
    )
    audit.add_argument("--last", type=int, default=20, help="how many recent events to list")
    audit.add_argument("--verify", action="store_true", help="check the hash chain is unbroken")
    audit.set_defaults(handler=run_audit)
    retention = commands.add_parser(
        "retention",
        help="report (or, with --apply, erase) what is past the pack's retention period",
        description=(
            "Lists leavers whose supervision records, informal notes and absences are past the "
            "council's retention period. Nothing changes unless --apply is given; anyone under a "
            "legal hold is kept."
        ),
    )
    retention.add_argument("--org", help="organisation short name (needed if there are several)")
    retention.add_argument("--apply", action="store_true", help="erase what the report lists")
    retention.set_defaults(handler=run_retention)
    hold = commands.add_parser("hold", help="put a legal hold on (or off) a person's records")
    hold.add_argument("email")
    hold.add_argument("state", choices=("on", "off"))
    hold.add_argument("--reason", required=True, help="why (kept in the audit trail)")
    hold.set_defaults(handler=run_hold)


def register_export(kinds: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    person = kinds.add_parser(
        "person", help="everything held about a staff member (subject access): JSON and PDF"
    )
    person.add_argument("email")
    person.add_argument("--output", type=Path, default=Path("."), help="folder to write into")
    person.add_argument(
        "--reason", default="subject access request", help="kept in the audit trail"
    )
    person.set_defaults(handler=run_person)


def run_audit(args: argparse.Namespace) -> int:
    settings = settings_or_exit()
    return asyncio.run(with_engine(settings, lambda engine: _audit(engine, args)))


async def _audit(engine: AsyncEngine, args: argparse.Namespace) -> int:
    from sqlmodel import col, select

    from storage.db import session_factory
    from storage.models import AuditEvent, Staff
    from storage.repositories.audit import verify_chain

    async with session_factory(engine)() as session:
        events = (
            await session.exec(
                select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(args.last)
            )
        ).all()
        people = {i for e in events for i in (e.actor_id, e.target_staff_id) if i is not None}
        people |= {i for e in events for i in (e.detail or {}).get("covered", [])}
        query = select(Staff.id, Staff.name).where(col(Staff.id).in_(people))
        names: dict[int | None, str] = dict((await session.exec(query)).all())
        for event in reversed(events):
            print(_audit_line(event, names))
        if not args.verify:
            return 0
        count, problems = await verify_chain(session)
    for problem in problems:
        print(f"BROKEN at event {problem.event_id}: {problem.problem}", file=sys.stderr)
    print(f"Audit trail: {count} events, " + ("intact." if not problems else "TAMPERED."))
    return 1 if problems else 0


def _audit_line(event: AuditEvent, names: Mapping[int | None, str]) -> str:
    """One event in words: people by name (their number if the row is gone), what was done to
    what, whose it was and why; a subject that is the person themselves is not repeated."""

    def name(staff_id: int) -> str:
        return names.get(staff_id) or f"staff {staff_id}"

    who = name(event.actor_id) if event.actor_id else "system"
    what = event.subject_type.replace("_", " ")
    if event.subject_id != str(event.target_staff_id):
        what = f"{what} {event.subject_id}"
    whose = f" (about {name(event.target_staff_id)})" if event.target_staff_id else ""
    covered = event.detail.get("covered") if isinstance(event.detail, dict) else None
    if covered:  # one event for a team view: the people it showed (issue 24)
        whose = f" (about {', '.join(name(i) for i in covered)})"
    why = f": {event.reason}" if event.reason else ""
    return (
        f"{event.id:>6} {event.occurred_at:%Y-%m-%d %H:%M} {who} {event.action} {what}{whose}{why}"
    )


def run_retention(args: argparse.Namespace) -> int:
    settings = settings_or_exit()
    return asyncio.run(with_engine(settings, lambda engine: _retention(settings, engine, args)))


async def _retention(settings: Settings, engine: AsyncEngine, args: argparse.Namespace) -> int:
    from bot.packs import pack_or_error
    from storage.db import session_factory
    from storage.repositories.audit import SqlAudit
    from storage.retention import erase, expired

    organisation = await resolve_organisation(engine, args.org)
    assert organisation.id is not None
    pack = pack_or_error(settings, organisation.pack_id)
    async with session_factory(engine)() as session:
        items = await expired(session, organisation.id, pack, today(settings))
        if not items:
            print("Nothing is past the retention period.")
            return 0
        for item in items:
            held = " — LEGAL HOLD, kept" if item.legal_hold else ""
            print(
                f"{item.name} (left {item.leaving_date}, retention ended {item.expired_on}): "
                f"{item.records} records, {item.informal_notes} informal notes, "
                f"{item.absences} absences{held}"
            )
        if not args.apply:
            print("Dry run: nothing was changed. Add --apply to erase.")
            return 0
        erased = await erase(session, items)
        await SqlAudit(session).record(
            actor_id=None,
            action="erase",
            subject_type="retention",
            subject_id=organisation.slug,
            target_staff_id=None,
            reason=f"retention: {pack.retention.value}",
            detail={"people": [i.staff_id for i in items if not i.legal_hold]},
        )
        await session.commit()
    print(f"Erased {erased} people's records; their staff entries are anonymised.")
    return 0


async def _person_by_email(engine: AsyncEngine, email: str) -> tuple[Staff, Organisation]:
    from sqlmodel import func, select

    from storage.db import session_factory
    from storage.models import Organisation, Staff

    async with session_factory(engine)() as session:
        rows = (
            await session.exec(
                select(Staff).where(func.lower(Staff.email) == email.strip().lower())
            )
        ).all()
        if len(rows) != 1:
            raise UserError(f"no single staff member has the email {email!r}")
        organisation = await session.get(Organisation, rows[0].organisation_id)
        assert organisation is not None
        return rows[0], organisation


def run_hold(args: argparse.Namespace) -> int:
    from storage.db import session_factory
    from storage.models import Staff
    from storage.repositories.audit import SqlAudit

    settings = settings_or_exit()

    async def work(engine: AsyncEngine) -> str:
        person, _ = await _person_by_email(engine, args.email)
        async with session_factory(engine)() as session:
            row = await session.get(Staff, person.id)
            assert row is not None
            row.legal_hold = args.state == "on"
            session.add(row)
            await SqlAudit(session).record(
                actor_id=None,
                action="access_change",
                subject_type="legal_hold",
                subject_id=str(row.id),
                target_staff_id=row.id,
                reason=args.reason,
                detail={"legal_hold": row.legal_hold},
            )
            await session.commit()
            return row.name

    name = asyncio.run(with_engine(settings, work))
    print(f"Legal hold {args.state} for {name}.")
    return 0


def run_person(args: argparse.Namespace) -> int:
    from storage.db import session_factory
    from storage.repositories.audit import SqlAudit
    from storage.subject_access import person_export

    settings = settings_or_exit()

    async def work(engine: AsyncEngine) -> tuple[Path, Path]:
        person, organisation = await _person_by_email(engine, args.email)
        assert person.id is not None
        async with session_factory(engine)() as session:
            data = await person_export(session, person.id)
            await SqlAudit(session).record(
                actor_id=None,
                action="export",
                subject_type="subject_access",
                subject_id=str(person.id),
                target_staff_id=person.id,
                reason=args.reason,
            )
            await session.commit()
        args.output.mkdir(parents=True, exist_ok=True)
        json_path = args.output / f"person-{person.id}.json"
        pdf_path = args.output / f"person-{person.id}.pdf"
        json_path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        from dialogs.outputs.person_pdf import person_pdf  # reportlab loads only when needed

        pdf_path.write_bytes(person_pdf(data, organisation.name))
        return json_path, pdf_path

    json_path, pdf_path = asyncio.run(with_engine(settings, work))
    print(f"Wrote {json_path} and {pdf_path}.")
    return 0
