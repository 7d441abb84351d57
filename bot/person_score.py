"""Scoring a person from the database for the CLI, through the same code the chat uses."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import func, select

from bot.packs import all_packs
from bot.runtime import UserError
from bot.settings import Settings
from dialogs.flow import Turn
from dialogs.scores import CaseloadResult, caseload_of
from storage.models import Staff
from storage.repositories.mapping import staff_view
from storage.unit_of_work import unit_of_work_factory


async def score_person(
    settings: Settings,
    engine: AsyncEngine,
    email: str,
    on: date,
    reason: str = "supervision-bot score --person",
) -> CaseloadResult:
    zone = ZoneInfo(settings.timezone)
    schemes = (settings.schemes_dir,) if settings.schemes_dir else ()
    make_unit = unit_of_work_factory(engine, all_packs(settings), schemes)
    async with make_unit() as ports:
        query = select(Staff).where(func.lower(Staff.email) == email.strip().lower())
        rows = (await ports.session.exec(query)).all()
        if not rows:
            raise UserError(f"no staff member has the email {email!r}")
        if len(rows) > 1:
            raise UserError(f"{email!r} is in several organisations; this cannot be scored")
        person = staff_view(rows[0])
        moment = datetime.combine(on, time(12), tzinfo=zone).astimezone(UTC)
        turn = Turn(
            ports=ports,
            actor=person,
            pack=ports.packs.for_organisation(person.organisation_id),
            now=moment,
            platform="cli",
            zone=zone,
        )
        result = await caseload_of(turn, person)
        # Reading someone's caseload is audited, from the command line as in the chat
        # (README "Privacy"; dialogs/flows/caseload.py): nobody is signed in, so no actor.
        await ports.audit.record(
            actor_id=None,
            action="read",
            subject_type="caseload_score",
            subject_id=str(person.id),
            target_staff_id=person.id,
            reason=reason,
        )
        await ports.commit()
        return result
