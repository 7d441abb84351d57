"""`supervision-bot demo`: add the demo council, so people can try everything on their machine."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from bot.runtime import settings_or_exit, today, with_engine

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from policy.packs import Pack
    from storage.demo import DemoSummary

DEMO_PACK = "derbyshire"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "demo",
        help="add a demo council (3 teams, about 25 staff, 400 cases, 6 months of history)",
        description=(
            "Adds 'Demoshire County Council', an invented council following Derbyshire's policy "
            "pack: three teams, about 25 staff (NQSWs at different stages of the ASYE, an agency "
            "worker and a student), about 400 cases and six months of supervision with realistic "
            "gaps and absences. All names are invented; cases have references only."
        ),
    )
    parser.add_argument(
        "--if-empty", action="store_true", help="do nothing if the demo council is already there"
    )
    parser.set_defaults(handler=run)


def review_templates(pack: Pack) -> dict[str, tuple[str, list[str]]]:
    """Templates for the reviews the demo seeds (My Plan, ASYE reviews) where the pack has one."""
    found: dict[str, tuple[str, list[str]]] = {}
    for kind in ("my_plan", "asye_review"):
        for template in pack.templates:
            if kind in template.used_for:
                found[kind] = (template.id, [s.id for s in template.sections])
                break
    return found


def demo_template(pack: Pack) -> tuple[str, tuple[str, list[str]]]:
    """The session type the pack counts for compliance, and the record template it uses."""
    session_type = pack.compliance.session_types[0]
    for template in pack.templates:
        if session_type in template.used_for:
            return session_type.value, (template.id, [s.id for s in template.sections])
    first = pack.templates[0]
    return session_type.value, (first.id, [s.id for s in first.sections])


def run(args: argparse.Namespace) -> int:
    from bot.packs import pack_or_error
    from storage.demo import demo_exists, seed_demo
    from storage.migrate import upgrade  # alembic, only when the demo is set up

    settings = settings_or_exit()
    pack = pack_or_error(settings, DEMO_PACK)
    session_type, template = demo_template(pack)

    asyncio.run(upgrade(settings.database_url))

    async def work(engine: AsyncEngine) -> DemoSummary | None:
        if await demo_exists(engine):
            return None
        return await seed_demo(
            engine,
            today(settings),
            pack_id=DEMO_PACK,
            session_type=session_type,
            template=template,
            reviews=review_templates(pack),
        )

    summary = asyncio.run(with_engine(settings, work))
    if summary is None:
        print(
            "The demo council is already there."
            if args.if_empty
            else "The demo council is already there; nothing was changed."
        )
        return 0
    print(
        f"Added {summary.organisation}: {summary.teams} teams, {summary.staff} staff, "
        f"{summary.cases} cases, {summary.sessions} supervision sessions and "
        f"{summary.records} records."
    )
    return 0
