"""Caseload notices to the manager responsible, privately, once (issue 25).

- A team above the pack's average caseload (WSX/LUT 001:93, "agreed by the relevant Service
  Lead ... a clear, maximum timescale and ... regular review"): its team manager is told, in
  counts only, once a month while it stays above (the regular review).
- An allocation the pack lets through flagged (CAP003 003:64: an NQSW co-working a Section 47
  enquiry, "agreed in supervision and recorded on their personal supervision record"): the
  worker's supervisor (else their team's manager) is told, by case reference, once an enquiry.

Checked once a day per council (bot.scheduler); a notice already queued is never queued again
(its idempotency key), and a day with nothing new writes nothing. The words: policy.caps
(team_average_notice) and policy.allocation (flag_notice).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime, time

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from sqlmodel import select as select_model

from dialogs.messages import Say
from dialogs.serialise import to_dict
from policy.allocation import (
    Verdict,
    allocation_check,
    flag_notice,
    restricted_person,
    restricted_work,
)
from policy.caps import team_average_notice, teams_over_average
from policy.facts import StaffFacts
from policy.packs import Pack
from scheduling.digests import _already_queued
from scheduling.obligations import Stats
from scoring.vocabulary import AllocationRole
from storage.db import session_factory
from storage.models import CaseAllocation, Organisation, Team
from storage.outbox import Queued, destinations_of, enqueue_many, sealed
from storage.queries import caseload_counts_sql, staff_in_post_sql
from storage.repositories.notes import courses_of
from storage.repositories.people import SqlCases

KIND = "caseload_notice"
NOTICE_HOUR = time(9)  # a notice found overnight waits for the working day


def flags_restrictions(pack: Pack) -> bool:
    """Whether any of the pack's allocation restrictions lets an allocation through flagged."""
    return any(r.co_working == "flag" or r.as_lead == "flag" for r in pack.caseload.restrictions)


def has_notices(pack: Pack) -> bool:
    return pack.caseload.team_average is not None or flags_restrictions(pack)


async def caseload_notices(
    database: AsyncEngine, organisation: Organisation, pack: Pack, now: datetime, stats: Stats
) -> int:
    """Queue today's notices not yet queued; returns the rows added."""
    org = organisation.id
    if org is None or not has_notices(pack):
        return 0
    today = now.astimezone(pack.zone).date()
    due_at = max(now, datetime.combine(today, NOTICE_HOUR, tzinfo=pack.zone))
    async with database.connect() as connection:
        staff = await staff_in_post_sql(connection, org, today)
        counts = (
            await caseload_counts_sql(connection, org, today)
            if pack.caseload.team_average is not None
            else {}
        )
    notices = [
        *await _team_average(database, org, pack, today, staff, counts),
        *await _flagged(database, org, pack, today, staff),
    ]
    if not notices:
        return 0
    recipients = sorted({staff_id for _, staff_id, _ in notices})
    async with session_factory(database)() as session:
        reach = await destinations_of(session, recipients)
    rows = [
        Queued(
            f"{key}:{staff_id}:{platform}",
            platform,
            target,
            KIND,
            {"replies": [to_dict(Say(said))]},
            due_at,
        )
        for key, staff_id, said in notices
        for platform, target in reach[staff_id]
    ]
    done = await _already_queued(database, [row.key for row in rows])
    new = [row for row in rows if row.key not in done]
    if not new:
        return 0
    with stats.write("caseload notices"):
        async with session_factory(database)() as session:
            added = await enqueue_many(session, sealed(new))
            await session.commit()
    stats.queued += added
    return added


async def _team_average(
    database: AsyncEngine,
    org: int,
    pack: Pack,
    today: date,
    staff: Mapping[int, StaffFacts],
    counts: Mapping[int, int],
) -> list[tuple[str, int, str]]:
    """(key, team manager, text) for each team above the average (WSX/LUT 001:93)."""
    found = teams_over_average(sorted(counts.items()), staff, pack)
    if not found:
        return []
    async with session_factory(database)() as session:
        teams = {
            t.id: t
            for t in (
                await session.exec(select_model(Team).where(Team.organisation_id == org))
            ).all()
        }
    notices = []
    for over in found:
        team = teams.get(over.team_id)
        if team is None or team.manager_id is None or team.manager_id not in staff:
            continue
        said = team_average_notice(pack, team.name, over)
        if said is not None:
            key = f"teamavg:{org}:{over.team_id}:{today:%Y-%m}"
            notices.append((key, team.manager_id, said))
    return notices


async def _flagged(
    database: AsyncEngine, org: int, pack: Pack, today: date, staff: Mapping[int, StaffFacts]
) -> list[tuple[str, int, str]]:
    """(key, supervisor, text) for each open allocation the pack's restrictions flag (003:64)."""
    rules = [r for r in pack.caseload.restrictions if r.co_working == "flag" or r.as_lead == "flag"]
    if not rules:
        return []
    async with session_factory(database)() as session:
        courses = (
            await courses_of(session, list(staff)) if any(r.unless_course for r in rules) else {}
        )
        bound = [
            person
            for person in staff.values()
            if any(
                restricted_person(
                    r, pack, person.role, person.asye_start, today, courses.get(person.id)
                )
                for r in rules
            )
        ]
        if not bound:
            return []
        held = await SqlCases(session).open_cases_of([p.id for p in bound], today)
        running = {
            case.id
            for cases in held.values()
            for case in cases
            if any(restricted_work(r, case.facts) for r in rules)
        }
        workers: dict[int, set[int]] = defaultdict(set)
        if running:
            CA = CaseAllocation
            rows = await session.exec(
                select_model(CA.case_id, CA.staff_id).where(
                    col(CA.case_id).in_(sorted(running)),
                    col(CA.start_date) <= today,
                    or_(col(CA.end_date).is_(None), col(CA.end_date) > today),
                )
            )
            for case_id, staff_id in rows.all():
                workers[int(case_id)].add(int(staff_id))
        teams = {
            t.id: t.manager_id
            for t in (
                await session.exec(select_model(Team).where(Team.organisation_id == org))
            ).all()
        }
    notices = []
    for person in bound:
        supervisor = person.supervisor_id or teams.get(person.team_id)
        if supervisor is None or supervisor == person.id:
            continue
        for case in held.get(person.id, ()):
            if case.id not in running:
                continue
            findings = allocation_check(
                pack,
                role=person.role,
                asye_start=person.asye_start,
                part=case.allocation,
                co_worked=len(workers[case.id] - {person.id}) > 0,
                facts=case.facts,
                on=today,
                courses=courses.get(person.id),
            )
            for finding in findings:
                if finding.verdict is not Verdict.FLAG:
                    continue
                rule = next(r for r in rules if r.id == finding.restriction)
                began = case.facts.get(rule.while_fact)
                part = "lead" if case.allocation is AllocationRole.LEAD else "co-worker"
                key = f"flag:{org}:{case.id}:{person.id}:{rule.id}:{began}"
                notices.append(
                    (key, supervisor, flag_notice(finding, case.reference, person.name, part))
                )
    return notices
