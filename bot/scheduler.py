"""Plans reminders and weekly digests into the outbox; safe to run on every instance at once.

Each planned message has an idempotency key (per reminder and day, per team and week), so two
instances planning the same tick, or one planning again after downtime, queue it once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogs.digest_card import digest_card
from dialogs.messages import Attachment, Reply
from dialogs.ports import PolicyInputs
from dialogs.reminders import QuietHours, plan_for_person
from dialogs.scores import score_person
from dialogs.serialise import to_dict
from dialogs.summary_card import summary_card
from policy.calendar import WorkingCalendar, month_from_index, month_index
from policy.compliance import monthly_compliance
from policy.digest import TeamDigest, team_digest
from policy.grouping import ByPerson
from policy.history import SessionIndex
from policy.obligations import due_items
from policy.packs import Pack
from scoring.schemes import find_scheme
from storage.db import session_factory
from storage.housekeeping import sweep
from storage.models import Organisation, OutboxMessage, Snooze, Staff, Team
from storage.outbox import destinations, destinations_of, enqueue
from storage.repositories.audit import SqlAudit
from storage.repositories.facts import SqlFacts
from storage.repositories.people import SqlCases, SqlDirectory
from storage.retention import erase, expired

log = logging.getLogger(__name__)
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def digest_moment(pack: Pack, now: datetime) -> tuple[date, datetime]:
    """This week's digest day and the moment it is due, in the pack's time zone."""
    local = now.astimezone(pack.zone)
    monday = local.date() - timedelta(days=local.weekday())
    day = monday + timedelta(days=_DAYS.index(pack.digest.day))
    hour, minute = (int(part) for part in pack.digest.time.split(":"))
    return day, datetime.combine(day, time(hour, minute), tzinfo=pack.zone)


class Scheduler:
    def __init__(
        self,
        database: AsyncEngine,
        packs: Mapping[str, Pack],
        clock: Callable[[], datetime],
    ) -> None:
        self.database = database
        self.packs = packs
        self.clock = clock
        self._purged_on: dict[int, date] = {}
        self._swept_on: date | None = None

    async def tick(self) -> int:
        """Plan everything due now; returns how many new outbox rows were queued."""
        now = self.clock()
        added = 0
        async with session_factory(self.database)() as session:
            organisations = (await session.exec(select(Organisation))).all()
        for organisation in organisations:
            pack = self.packs.get(organisation.pack_id)
            if pack is None or organisation.id is None:
                log.error(
                    "organisation %s has unknown pack %s", organisation.slug, organisation.pack_id
                )
                continue
            added += await self._organisation(organisation.id, pack, now)
            added += await self._service_summary(organisation, pack, now)
            await self._retention(organisation.id, organisation.slug, pack, now)
        await self._housekeeping(now)
        return added

    async def _housekeeping(self, now: datetime) -> None:
        """Once a day: what is kept only for a while goes (storage/housekeeping.py). Several
        instances may each do it; deleting what is already gone changes nothing."""
        if self._swept_on == now.date():
            return
        async with session_factory(self.database)() as session:
            swept = await sweep(session, now)
            await session.commit()
        self._swept_on = now.date()
        if any(swept.values()):
            log.info("housekeeping: removed %s", swept)

    async def _service_summary(self, organisation: Organisation, pack: Pack, now: datetime) -> int:
        """On the first day of the month, at the digest time: last month for senior managers."""
        local = now.astimezone(pack.zone)
        hour, minute = (int(part) for part in pack.digest.time.split(":"))
        first = local.date().replace(day=1)
        due_at = datetime.combine(first, time(hour, minute), tzinfo=pack.zone)
        if now < due_at or organisation.id is None:
            return 0
        last_month = month_from_index(month_index(first) - 1)
        key = f"summary:{organisation.id}:{last_month:%Y-%m}"
        async with session_factory(self.database)() as session:
            if await self._queued(session, f"{key}:web"):
                return 0
            inputs = await SqlFacts(session).for_organisation(organisation.id, local.date())
            teams = (
                await session.exec(select(Team).where(Team.organisation_id == organisation.id))
            ).all()
            report = monthly_compliance(
                inputs.staff,
                inputs.sessions,
                inputs.absences,
                pack,
                last_month.year,
                last_month.month,
            )
            names = {t.id: t.name for t in teams if t.id is not None}
            card = summary_card(organisation.name, f"{last_month:%B %Y}", report, names)
            added = await self._queue_channels(
                session,
                f"org:{organisation.id}",
                organisation.senior_slack_channel_id,
                organisation.senior_teams_channel_id,
                key,
                "summary",
                (card,),
                due_at,
            )
            await session.commit()
        return added

    async def _retention(self, organisation_id: int, slug: str, pack: Pack, now: datetime) -> None:
        """Once a day: erase what is past the pack's retention period (legal holds kept)."""
        today = now.astimezone(pack.zone).date()
        if self._purged_on.get(organisation_id) == today:
            return
        async with session_factory(self.database)() as session:
            items = [
                i for i in await expired(session, organisation_id, pack, today) if not i.legal_hold
            ]
            if items:
                await erase(session, items)
                await SqlAudit(session).record(
                    actor_id=None,
                    action="erase",
                    subject_type="retention",
                    subject_id=slug,
                    target_staff_id=None,
                    reason=f"scheduled retention: {pack.retention.value}",
                    detail={"people": [i.staff_id for i in items]},
                )
                log.info("retention: erased %s people's records in %s", len(items), slug)
            await session.commit()
        self._purged_on[organisation_id] = today

    async def _organisation(self, organisation_id: int, pack: Pack, now: datetime) -> int:
        today = now.astimezone(pack.zone).date()
        async with session_factory(self.database)() as session:
            inputs = await SqlFacts(session).for_organisation(organisation_id, today)
            rows = (
                await session.exec(select(Staff).where(Staff.organisation_id == organisation_id))
            ).all()
            teams = (
                await session.exec(select(Team).where(Team.organisation_id == organisation_id))
            ).all()
            quiet = {
                r.id: (QuietHours(r.quiet_hours_start, r.quiet_hours_end), ZoneInfo(r.timezone))
                for r in rows
            }
            snoozed: dict[int, dict[str, date]] = {}
            for snooze in (
                await session.exec(select(Snooze).where(col(Snooze.until) >= today))
            ).all():
                snoozed.setdefault(snooze.staff_id, {})[snooze.kind] = snooze.until
            index = SessionIndex(inputs.sessions, pack.zone)
            calendar = WorkingCalendar(pack.nation)
            by_id = {s.id: s for s in inputs.staff}
            grouped = ByPerson.of(inputs.staff, inputs.cases, inputs.absences)
            where = await destinations_of(session, [s.id for s in inputs.staff])
            added = 0
            for person in inputs.staff:
                away = grouped.absences_of(person.id)
                absent = any(a.start <= today <= a.end for a in away)
                mine = grouped.cases_of(person.id)
                items = due_items(person, pack, index, away, mine, today, calendar)
                supervisor = by_id.get(person.supervisor_id) if person.supervisor_id else None
                escalate_to = supervisor.supervisor_id if supervisor else None
                hours, zone = quiet.get(person.id, (QuietHours(), pack.zone))
                for planned in plan_for_person(
                    person,
                    items,
                    pack,
                    today,
                    now,
                    zone=zone,
                    quiet=hours,
                    escalate_to=escalate_to,
                    absent_today=absent,
                    snoozed=snoozed.get(person.id, {}),
                ):
                    added += await self._queue_person(
                        session,
                        planned.staff_id,
                        planned.key,
                        planned.kind,
                        planned.replies,
                        planned.send_at,
                        where,
                    )
            digest_day, due_at = digest_moment(pack, now)
            if now >= due_at:
                names = {s.id: s.name for s in inputs.staff}
                for team in teams:
                    if team.id is None:
                        continue
                    year, week, _ = digest_day.isocalendar()
                    key = f"digest:{team.id}:{year}-W{week:02d}"
                    if await self._queued(session, f"{key}:web"):
                        continue  # this week's digest is already on its way
                    digest = team_digest(
                        team.id,
                        pack,
                        inputs.staff,
                        index,
                        inputs.absences,
                        inputs.cases,
                        inputs.caseload_counts,
                        inputs.approvals,
                        digest_day,
                        grouped=grouped,
                    )
                    card = digest_card(digest, team.name, names)
                    charts = await self._charts(session, team, digest, pack, inputs, today)
                    added += await self._queue_team(session, team, key, (card, *charts), due_at)
            await session.commit()
        return added

    async def _queued(self, session: AsyncSession, key: str) -> bool:
        query = select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)
        return (await session.exec(query)).first() is not None

    async def _charts(
        self,
        session: AsyncSession,
        team: Team,
        digest: TeamDigest,
        pack: Pack,
        inputs: PolicyInputs,
        today: date,
    ) -> tuple[Attachment, ...]:
        """The compliance trend and the team's caseloads by band, as PNG with alt text."""
        from dialogs.outputs.charts import caseload_bands, compliance_trend

        trend = compliance_trend(
            [(p.label, p.percent) for p in digest.trend], digest.target, f"{team.name}: supervision"
        )
        files = [Attachment("compliance-trend.png", "image/png", trend.png, trend.alt)]
        rule = pack.caseload.weighting_scheme
        if rule is None or team.id is None:
            return tuple(files)
        scheme = find_scheme(rule.value)
        counts = dict(inputs.caseload_counts)
        bands: Counter[str] = Counter()
        members = [
            m
            for m in await SqlDirectory(session).team_members(team.id)
            if not m.role.is_manager and m.id in counts
        ]
        ids = [m.id for m in members]
        held = await SqlCases(session).open_cases_of(ids, today)
        personal = await SqlFacts(session).personal_elements(ids, today)
        for member in members:
            result = score_person(
                member,
                held[member.id],
                (),
                counts[member.id],
                pack,
                scheme,
                today,
                personal=personal[member.id],
            )
            if result.score is not None and result.score.band is not None:
                bands[result.score.band.name] += 1
        if bands:
            chart = caseload_bands(sorted(bands.items()), f"{team.name}: caseloads by band")
            files.append(Attachment("caseload-bands.png", "image/png", chart.png, chart.alt))
        return tuple(files)

    async def _queue_person(
        self,
        session: AsyncSession,
        staff_id: int,
        key: str,
        kind: str,
        replies: tuple[Reply, ...],
        due_at: datetime,
        where: Mapping[int, Sequence[tuple[str, str]]] | None = None,
    ) -> int:
        payload = {"replies": [to_dict(r) for r in replies]}
        added = 0
        reach = where.get(staff_id) if where is not None else None
        for platform, target in reach or await destinations(session, staff_id):
            added += await enqueue(
                session,
                key=f"{key}:{platform}",
                platform=platform,
                target=target,
                kind=kind,
                payload=payload,
                due_at=due_at,
            )
        return added

    async def _queue_team(
        self,
        session: AsyncSession,
        team: Team,
        key: str,
        replies: tuple[Reply, ...],
        due_at: datetime,
    ) -> int:
        return await self._queue_channels(
            session,
            f"team:{team.id}",
            team.slack_channel_id,
            team.teams_channel_id,
            key,
            "digest",
            replies,
            due_at,
        )

    async def _queue_channels(
        self,
        session: AsyncSession,
        web_target: str,
        slack_channel: str | None,
        teams_channel: str | None,
        key: str,
        kind: str,
        replies: tuple[Reply, ...],
        due_at: datetime,
    ) -> int:
        """One row per place the channel message goes: the playground, and Slack and Teams
        where a channel is set. Keys carry the platform, so each is queued once."""
        payload = {"replies": [to_dict(r) for r in replies], "channel": True}
        targets = [("web", web_target)]
        if slack_channel:
            targets.append(("slack", slack_channel))
        if teams_channel:
            targets.append(("teams", teams_channel))
        added = 0
        for platform, target in targets:
            added += await enqueue(
                session,
                key=f"{key}:{platform}",
                platform=platform,
                target=target,
                kind=kind,
                payload=payload,
                due_at=due_at,
            )
        return added

    async def run_forever(self, interval: float = 60.0) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("scheduler tick failed")
            await asyncio.sleep(interval)
