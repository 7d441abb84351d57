"""Composition helpers shared by the CLI commands: settings, engine, clock, organisation lookup.

Light to import: `supervision-bot --help` loads this module, so the database, settings and
encryption libraries load inside the helpers that use them (issue 24: CLI start).
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.settings import Settings
    from storage.models import Organisation

T = TypeVar("T")


class UserError(Exception):
    """A problem the person running the command can fix; printed as one clear message."""


def settings_or_exit() -> Settings:
    from bot.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(str(exc), file=sys.stderr)
        print("Set these in the environment or in .env (see .env.example).", file=sys.stderr)
        raise SystemExit(2) from None
    configure_encryption(settings)
    return settings


def configure_encryption(settings: Settings) -> None:
    """The record key from RECORD_ENCRYPTION_KEY; on a development machine, a generated key file
    beside the data (production refuses to start without the variable: bot.settings)."""
    from storage import crypto

    key = settings.record_encryption_key
    crypto.configure(
        key.get_secret_value() if key else None, dev_key_file=Path("data") / "record.key"
    )


def today(settings: Settings) -> date:
    return datetime.now(ZoneInfo(settings.timezone)).date()


async def with_engine(settings: Settings, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from storage.db import create_engine

    engine = create_engine(settings.database_url)
    try:
        return await work(engine)
    except (OperationalError, ProgrammingError) as exc:
        text = str(exc.orig).lower()
        if "no such table" in text or "does not exist" in text:
            raise UserError(
                "the database has no tables yet: run `supervision-bot init` first"
            ) from None
        raise
    finally:
        await engine.dispose()


async def resolve_organisation(engine: AsyncEngine, slug: str | None) -> Organisation:
    """The organisation named, or the only one there is."""
    from sqlmodel import select

    from storage.db import session_factory
    from storage.models import Organisation

    async with session_factory(engine)() as session:
        organisations = (await session.exec(select(Organisation))).all()
    if slug is not None:
        for organisation in organisations:
            if organisation.slug == slug:
                return organisation
        known = ", ".join(o.slug for o in organisations) or "none yet"
        raise UserError(f"no organisation {slug!r} (known: {known})")
    if len(organisations) == 1:
        return organisations[0]
    if not organisations:
        raise UserError(
            "there is no organisation yet: run `supervision-bot init --org SLUG --name NAME "
            "--pack PACK` or `supervision-bot demo`"
        )
    known = ", ".join(o.slug for o in organisations)
    raise UserError(f"there are several organisations ({known}); choose one with --org")
