"""`supervision-bot init`: migrate the database and, optionally, add or update an organisation.

`--downgrade-to REVISION` undoes migrations, for going back to an older release.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import date
from typing import TYPE_CHECKING

from bot.runtime import UserError, settings_or_exit, with_engine

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "init",
        help="create or update the database; optionally add your organisation",
        description=(
            "Creates the database (or brings it up to date) and, with --org, adds or updates your "
            "organisation and the council policy pack it follows. Safe to run again."
        ),
    )
    parser.add_argument("--org", help="short name for your organisation, e.g. derbyshire-cc")
    parser.add_argument("--name", help="the organisation's full name")
    parser.add_argument("--pack", help="the council policy pack to follow, e.g. derbyshire")
    parser.add_argument(
        "--go-live",
        metavar="YYYY-MM-DD",
        type=_day,
        help="with --org: the day you start using Supervision Assistant. Before it, supervision "
        "not imported is unknown, never overdue: due dates count from the later of the start "
        "date, the last imported session and this day",
    )
    parser.add_argument(
        "--downgrade-to",
        metavar="REVISION",
        help='undo migrations down to REVISION ("base" undoes all), to run an older release; '
        "lists what it undoes and needs --yes",
    )
    parser.add_argument("--yes", action="store_true", help="with --downgrade-to: go ahead")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from bot.packs import pack_or_error
    from storage.migrate import upgrade  # alembic: loaded by the commands that migrate

    settings = settings_or_exit()
    if args.downgrade_to:
        return _downgrade(settings.database_url, args.downgrade_to, confirmed=args.yes)
    if args.go_live and not args.org:
        print("supervision-bot init: --go-live needs --org")
        return 2
    if args.org and not (args.name and args.pack) and not args.go_live:
        print("supervision-bot init: --org needs --name and --pack as well (or --go-live)")
        return 2
    if args.pack:
        pack_or_error(settings, args.pack)
    asyncio.run(upgrade(settings.database_url))
    print(f"Database ready ({_describe(settings.database_url)}).")
    if args.org and args.name and args.pack:
        asyncio.run(with_engine(settings, lambda e: _upsert(e, args.org, args.name, args.pack)))
        print(f"Organisation {args.org!r} follows the {args.pack!r} policy pack.")
    if args.org and args.go_live:
        asyncio.run(with_engine(settings, lambda e: _set_go_live(e, args.org, args.go_live)))
        print(
            f"Organisation {args.org!r} goes live on {args.go_live:%d %B %Y}: supervision "
            "before it that was not imported counts as unknown, not overdue."
        )
    return 0


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date; write YYYY-MM-DD") from None


async def _set_go_live(engine: AsyncEngine, slug: str, day: date) -> None:
    from sqlmodel import select

    from storage.db import session_factory
    from storage.models import Organisation

    async with session_factory(engine)() as session:
        query = select(Organisation).where(Organisation.slug == slug)
        organisation = (await session.exec(query)).first()
        if organisation is None:
            raise UserError(
                f"no organisation {slug!r}; add it with --org {slug} --name NAME --pack PACK"
            )
        organisation.go_live = day  # the trigger marks everyone's obligations for recompute
        session.add(organisation)
        await session.commit()


def _describe(url: str) -> str:
    return "SQLite" if url.startswith("sqlite") else "PostgreSQL"


async def _upsert(engine: AsyncEngine, slug: str, name: str, pack: str) -> None:
    from sqlmodel import select

    from storage.db import session_factory
    from storage.models import Organisation

    async with session_factory(engine)() as session:
        query = select(Organisation).where(Organisation.slug == slug)
        organisation = (await session.exec(query)).first()
        if organisation is None:
            organisation = Organisation(slug=slug, name=name, pack_id=pack)
        organisation.name, organisation.pack_id = name, pack
        session.add(organisation)
        await session.commit()


def _downgrade(url: str, target: str, *, confirmed: bool) -> int:
    """Undo migrations newer than `target`; record text is decrypted with the record key."""
    from alembic.util import CommandError

    from storage.migrate import MigrationRefused, current_revision, downgrade, revisions

    chain = revisions(url)
    if target != "base" and target not in chain:
        raise UserError(
            f"no revision {target!r}; the revisions, newest first: {', '.join(chain)}, or base"
        )
    current = asyncio.run(current_revision(url))
    if current is None:
        raise UserError("the database has no migrations applied: there is nothing to undo")
    if current not in chain:
        raise UserError(
            f"the database is at revision {current}, which this version does not know: undo it "
            "with the release that applied it"
        )
    newer = chain[chain.index(current) :]
    undo = newer if target == "base" else newer[: newer.index(target)] if target in newer else []
    if not undo:
        print(f"The database is at {current}, not newer than {target}: nothing to undo.")
        return 0
    if not confirmed:
        print(
            f"This undoes {len(undo)} migration(s) ({', '.join(undo)}): tables and columns they "
            "added are dropped with their data, and record text is decrypted with the record "
            "key. Back up the database first (or export what you need), then run it again with "
            "--yes."
        )
        return 2
    try:
        removed = asyncio.run(downgrade(url, target))
    except MigrationRefused as exc:
        raise UserError(str(exc)) from None
    except CommandError as exc:
        raise UserError(f"cannot downgrade to {target}: {exc}") from None
    print(f"Database downgraded from {current} to {target} ({_describe(url)}).")
    if removed:
        print("Removed with the newer migrations: " + ", ".join(str(r) for r in removed) + ".")
    return 0
