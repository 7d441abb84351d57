"""`supervision-bot reach`: who the bot cannot reach yet, listed under their manager (issue 23
item 5). A Teams person who has not installed the app has no chat the bot may open, so their
reminders go nowhere they will see: roll the app out to them (docs/deployment.md)."""

from __future__ import annotations

import argparse
import asyncio
from collections import defaultdict
from typing import TYPE_CHECKING

from bot.runtime import resolve_organisation, settings_or_exit, today, with_engine

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from storage.queries.reach import Unreachable


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "reach",
        help="list the people the bot cannot reach yet, under their manager",
        description=(
            "People in post with no Slack or Teams chat with the bot: it cannot speak to them "
            "first, so they get no reminders. In Teams, install the app for them from the "
            "Teams admin centre (docs/deployment.md); each is reachable once it is installed."
        ),
    )
    parser.add_argument("--org", help="organisation short name (needed if there are several)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sqlalchemy import select
    from sqlmodel import col

    from storage.models import Staff
    from storage.queries.reach import held_counts, unreachable

    settings = settings_or_exit()

    async def work(
        engine: AsyncEngine,
    ) -> tuple[list[Unreachable], dict[int, str], dict[int, int]]:
        organisation = await resolve_organisation(engine, args.org)
        assert organisation.id is not None
        async with engine.connect() as connection:
            found = await unreachable(connection, organisation.id, today(settings))
            rows = await connection.execute(
                select(col(Staff.id), col(Staff.name)).where(
                    col(Staff.organisation_id) == organisation.id
                )
            )
            names = {sid or 0: name for sid, name in rows.all()}
            held = await held_counts(connection, [p.staff_id for p in found])
        return found, names, held

    found, names, held = asyncio.run(with_engine(settings, work))
    if not found:
        print("Everyone in post can be reached in Slack or Teams.")
        return 0
    by_manager: dict[int | None, list[Unreachable]] = defaultdict(list)
    for person in found:
        by_manager[person.manager_id].append(person)
    count = len(found)
    who = "person" if count == 1 else "people"
    print(f"{count} {who} in post cannot be reached by the bot yet (no Slack or Teams chat):")
    waiting = sum(held.values())
    if waiting:
        # Issue 23 item 5: held, not lost; sent as soon as the app is installed for them.
        print(
            f"{waiting} message{'s' if waiting != 1 else ''} held for them, sent as soon as "
            "the app is installed for each."
        )
    for manager_id in sorted(by_manager, key=lambda m: names.get(m, "~") if m else "~"):
        people = by_manager[manager_id]
        heading = names.get(manager_id, "no line manager") if manager_id else "no line manager"
        heading = f"Line manager {heading}" if manager_id else heading
        print(f"\n{heading} ({len(people)}):")
        for person in people:
            hint = " (Teams: install the app for them)" if person.teams_user else ""
            count_held = held.get(person.staff_id, 0)
            if count_held:
                hint += f", {count_held} held"
            print(f"  {person.name} <{person.email}>{hint}")
    print("\nRoll the app out to them: docs/deployment.md.")
    return 0
