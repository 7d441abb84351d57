"""Workload returns produced on time (issue 25 item 2), queued into the outbox like the monthly
summary: a CSV to everyone holding the role the pack names, and counts only to the senior
managers' channel. When and what: policy.returns; the words: dialogs.returns_card."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from sqlmodel import select as select_model

from dialogs.i18n import channel_languages, in_each, use_language
from dialogs.returns_card import position, return_counts_card, return_replies
from dialogs.scores import counted_children, score_person
from dialogs.serialise import to_dict
from policy.calendar import WorkingCalendar
from policy.citations import cite
from policy.packs import Pack
from policy.packs.schema import WorkloadReturn
from policy.returns import ReturnPeriod, ReturnRow, current_return, return_counts, return_csv
from scheduling.digests import _already_queued, channel_rows
from scheduling.obligations import Stats
from scoring.schemes import find_scheme
from scoring.vocabulary import AllocationRole, StaffRole
from storage.db import session_factory
from storage.models import Organisation, Staff, Team
from storage.outbox import Queued, destinations_of, enqueue_many, sealed
from storage.repositories.facts import SqlFacts
from storage.repositories.mapping import staff_view
from storage.repositories.people import SqlCases


async def workload_returns(
    database: AsyncEngine, organisation: Organisation, pack: Pack, now: datetime, stats: Stats
) -> int:
    """Queue each return whose production day has come and is not yet queued; returns rows."""
    if not pack.returns or organisation.id is None:
        return 0
    today = now.astimezone(pack.zone).date()
    calendar = WorkingCalendar(pack.nation)
    added = 0
    for rule in pack.returns:
        period = current_return(rule, calendar, today)
        if period is not None:
            added += await _one(database, organisation, pack, rule, period, now, stats)
    return added


async def _one(
    database: AsyncEngine,
    organisation: Organisation,
    pack: Pack,
    rule: WorkloadReturn,
    period: ReturnPeriod,
    now: datetime,
    stats: Stats,
) -> int:
    org = organisation.id or 0
    key = f"return:{org}:{rule.id}:{period.due.isoformat()}"
    async with database.connect() as connection:
        recipients = [
            int(staff_id or 0)
            for (staff_id,) in (
                await connection.execute(
                    select(col(Staff.id)).where(
                        col(Staff.organisation_id) == org,
                        col(Staff.role).in_([role.value for role in rule.send_to]),
                        (col(Staff.leaving_date).is_(None))
                        | (col(Staff.leaving_date) > now.date()),
                    )
                )
            ).all()
        ]
    make = session_factory(database)
    async with make() as session:
        reach = await destinations_of(session, recipients)
    keys = [f"{key}:staff:{s}:{platform}" for s in recipients for platform, _ in reach[s]]
    if rule.channel:
        keys.append(f"{key}:channel:web")
    if not keys or set(keys) <= await _already_queued(database, keys):
        return 0
    rows = await _rows(database, org, pack, period.send)
    due_at = datetime.combine(period.send, time(9), tzinfo=pack.zone)
    due_at = max(due_at, now)
    filename = f"{rule.id}-{period.start:%Y-%m}-{period.end:%Y-%m}.csv"
    # Issue 28: the note in the council's language (a person's own choice is not read here yet:
    # docs/welsh.md); the channel's card in its channel languages, Welsh first where both.
    with use_language(pack.language.default):
        replies = return_replies(
            rule.title,
            period,
            rule.send_to_label,
            rule.then,
            cite(pack, rule.source),
            return_csv(rows),
            filename,
            pack,
        )
        payload = {"replies": [to_dict(r) for r in replies]}
    queued = [
        Queued(f"{key}:staff:{s}:{platform}", platform, target, "return", payload, due_at)
        for s in recipients
        for platform, target in reach[s]
    ]
    if rule.channel:
        counts = return_counts(rows)
        languages = channel_languages(pack.language.default, pack.language.bilingual_channels)
        cards = in_each(
            lambda: return_counts_card(rule.title, period, rule.send_to_label, counts, pack),
            languages,
        )
        queued += channel_rows(
            f"org:{org}",
            organisation.senior_slack_channel_id,
            organisation.senior_teams_channel_id,
            f"{key}:channel",
            "return",
            cards,
            due_at,
        )
    with stats.write(f"the {rule.id} return"):
        async with make() as session:
            added = await enqueue_many(session, sealed(queued))
            await session.commit()
    stats.queued += added
    return added


async def _rows(database: AsyncEngine, org: int, pack: Pack, day: date) -> list[ReturnRow]:
    """Every caseworker in post with a team: counts of their open cases and, where the council
    weights caseloads, their points and band on the day (dialogs.scores.score_person)."""
    scheme_rule = pack.caseload.weighting_scheme
    scheme = find_scheme(scheme_rule.value) if scheme_rule is not None else None
    caps = pack.count_caps()
    async with session_factory(database)() as session:
        teams = {
            team.id: team.name
            for team in (
                await session.exec(select_model(Team).where(Team.organisation_id == org))
            ).all()
        }
        people = [
            staff_view(row)
            for row in (
                await session.exec(
                    select_model(Staff).where(
                        Staff.organisation_id == org, col(Staff.team_id).is_not(None)
                    )
                )
            ).all()
        ]
        people = [
            p
            for p in people
            if not p.role.is_manager and (p.leaving_date is None or p.leaving_date > day)
        ]
        ids = [p.id for p in people]
        held = await SqlCases(session).open_cases_of(ids, day)
        personal = await SqlFacts(session).personal_elements(ids, day)
    found = []
    for person in people:
        cases = held.get(person.id, [])
        if not cases and person.role in (StaffRole.ADMIN_SUPPORT, StaffRole.OTHER):
            continue  # case holders (NOTTS 001:1335 "all case holders") and caseworkers only
        lead = [c for c in cases if c.allocation is AllocationRole.LEAD]
        points = band = None
        if scheme is not None:
            result = score_person(
                person,
                cases,
                (),
                counted_children(cases, caps),
                pack,
                scheme,
                day,
                personal=personal.get(person.id, ()),
            )
            if result.score is not None:
                points = result.score.total
                band = result.score.band.label if result.score.band is not None else None
        found.append(
            ReturnRow(
                teams.get(person.team_id, ""),
                person.name,
                position(person.role),
                person.fte,
                sum(c.children for c in lead),
                len(lead),
                points,
                band,
            )
        )
    return found
