"""`supervision-bot channel`: where a team's weekly digest and the monthly summary are posted."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from bot.runtime import UserError, resolve_organisation, settings_or_exit, with_engine

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "channel",
        help="set the Slack or Teams channel for a team's digest or the senior managers' summary",
        description=(
            "Team digests carry names, counts and dates only. Invite the app to the channel "
            "first; in Teams a manager can also @mention the bot with 'link' in the channel."
        ),
    )
    parser.add_argument("target", help="a team's name, or 'senior' for the monthly summary")
    parser.add_argument("--slack", metavar="CHANNEL_ID", help="Slack channel id (C0...)")
    parser.add_argument("--teams", metavar="CONVERSATION_ID", help="Teams channel id (19:...)")
    parser.add_argument(
        "--meeting-link",
        metavar="URL",
        help="a team's standing online meeting (https://teams.microsoft.com/l/meetup-join/...): "
        "invitations to its virtual supervision carry it",
    )
    parser.add_argument("--org", help="organisation short name (needed if there are several)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if not (args.slack or args.teams or args.meeting_link):
        raise UserError(
            "give --slack CHANNEL_ID, --teams CONVERSATION_ID and/or --meeting-link URL"
        )
    if args.meeting_link and not args.meeting_link.startswith("https://"):
        raise UserError("--meeting-link must be an https:// link, e.g. a Teams meeting's")
    if args.meeting_link and args.target.lower() == "senior":
        raise UserError("--meeting-link is set for a team, not for the senior managers' summary")
    settings = settings_or_exit()
    print(asyncio.run(with_engine(settings, lambda engine: _set(engine, args))))
    return 0


async def _set(engine: AsyncEngine, args: argparse.Namespace) -> str:
    from sqlmodel import select

    from storage.db import session_factory
    from storage.models import Organisation, Team
    from storage.repositories.audit import SqlAudit

    organisation = await resolve_organisation(engine, args.org)
    async with session_factory(engine)() as session:
        if args.target.lower() == "senior":
            row: Organisation | Team | None = await session.get(Organisation, organisation.id)
            assert isinstance(row, Organisation)
            if args.slack:
                row.senior_slack_channel_id = args.slack
            if args.teams:
                row.senior_teams_channel_id = args.teams
            what = "the monthly service summary"
        else:
            query = select(Team).where(
                Team.organisation_id == organisation.id, Team.name == args.target
            )
            row = (await session.exec(query)).first()
            if row is None:
                names = (
                    await session.exec(
                        select(Team.name).where(Team.organisation_id == organisation.id)
                    )
                ).all()
                raise UserError(f"no team {args.target!r} (teams: {', '.join(names)})")
            if args.slack:
                row.slack_channel_id = args.slack
            if args.teams:
                row.teams_channel_id = args.teams
            if args.meeting_link:
                row.meeting_link = args.meeting_link
            what = f"{row.name}'s weekly digest"
            if args.meeting_link and not (args.slack or args.teams):
                what = f"{row.name}'s virtual supervision"
        session.add(row)
        await SqlAudit(session).record(
            actor_id=None,
            action="access_change",
            subject_type="channel",
            subject_id=args.target,
            target_staff_id=None,
            detail={"slack": args.slack, "teams": args.teams, "meeting_link": args.meeting_link},
        )
        await session.commit()
    return f"Set the {'meeting link' if 'virtual' in what else 'channel'} for {what}."
