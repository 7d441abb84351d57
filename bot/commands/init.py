"""`supervision-bot init`: migrate the database and, optionally, add or update an organisation."""

from __future__ import annotations

import argparse
import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.packs import pack_or_error
from bot.runtime import settings_or_exit, with_engine
from storage.db import session_factory
from storage.migrate import upgrade
from storage.models import Organisation


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
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_or_exit()
    if args.org and not (args.name and args.pack):
        print("supervision-bot init: --org needs --name and --pack as well")
        return 2
    if args.pack:
        pack_or_error(settings, args.pack)
    asyncio.run(upgrade(settings.database_url))
    print(f"Database ready ({_describe(settings.database_url)}).")
    if args.org:
        asyncio.run(with_engine(settings, lambda e: _upsert(e, args.org, args.name, args.pack)))
        print(f"Organisation {args.org!r} follows the {args.pack!r} policy pack.")
    return 0


def _describe(url: str) -> str:
    return "SQLite" if url.startswith("sqlite") else "PostgreSQL"


async def _upsert(engine: AsyncEngine, slug: str, name: str, pack: str) -> None:
    async with session_factory(engine)() as session:
        query = select(Organisation).where(Organisation.slug == slug)
        organisation = (await session.exec(query)).first()
        if organisation is None:
            organisation = Organisation(slug=slug, name=name, pack_id=pack)
        organisation.name, organisation.pack_id = name, pack
        session.add(organisation)
        await session.commit()
