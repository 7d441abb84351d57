"""The weekly team digests and the monthly summary for senior managers, queued into the outbox.

Which digests are still to queue is one query per council; the inputs are read once per council
(bounded to the history the figures need), outside any write transaction; charts are drawn in a
worker process; and the rows are written a few teams at a time, each in a short transaction.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from sqlmodel import select as select_model

from dialogs.digest_card import digest_card
from dialogs.messages import Attachment, Reply
from dialogs.serialise import to_dict
from dialogs.summary_card import summary_card
from policy.asye import short_asye_session
from policy.calendar import WorkingCalendar, month_from_index, month_index
from policy.digest import WEEK, PersonItem, ShortSession, TeamDigest
from policy.frequencies import DueItem, overdue_days
from policy.obligations import history_window
from policy.packs import Pack
from policy.vocabulary import SessionStatus, SessionType
from scheduling.charts import ChartPool, ChartRequest, Member
from scheduling.obligations import Stats, _chunks
from storage.db import session_factory
from storage.models import (
    Obligation,
    Organisation,
    OutboxMessage,
    SessionAttendee,
    Staff,
    SupervisionSession,
    Team,
)
from storage.outbox import Queued, by_size, enqueue_many, sealed
from storage.queries import caseload_counts_sql, digest_figures, monthly_compliance_sql
from storage.repositories.facts import SqlFacts
from storage.repositories.mapping import staff_view
from storage.repositories.people import SqlCases

_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
TEAMS_PER_WRITE = 25  # drawn together in the chart worker
# Outbox rows per write transaction: up to 50, and up to 512 KB of payload (a row with its two
# charts is 20-50 KB; without charts a few KB).
ROWS_PER_WRITE, BYTES_PER_WRITE = 50, 512 * 1024
Row = tuple[Any, ...]  # a team: id, name, Slack channel, Teams channel
Drawn = list[tuple[Attachment, ...]]  # each team's chart files


def digest_moment(pack: Pack, now: datetime) -> tuple[date, datetime]:
    """This week's digest day and the moment it is due, in the pack's time zone."""
    local = now.astimezone(pack.zone)
    monday = local.date() - timedelta(days=local.weekday())
    day = monday + timedelta(days=_DAYS.index(pack.digest.day))
    # Issue 23 item 2: on a bank holiday Monday the digest goes on the next working day (the
    # one before, for a Good Friday digest: the week's digest stays in its week).
    calendar = WorkingCalendar(pack.nation)
    shifted = calendar.next_working_day(day)
    day = shifted if shifted < monday + timedelta(days=7) else calendar.previous_working_day(day)
    hour, minute = (int(part) for part in pack.digest.time.split(":"))
    return day, datetime.combine(day, clock_time(hour, minute), tzinfo=pack.zone)


def figures_from(pack: Pack, today: date) -> date:
    """The oldest day the digest's figures read in full: the trend's first month, or the due
    items' window (policy.obligations.history_window), whichever is older."""
    trend_start = month_from_index(month_index(today) - pack.digest.trend_periods - 1)
    return min(trend_start, today - history_window(pack))


def channel_rows(
    web_target: str,
    slack_channel: str | None,
    teams_channel: str | None,
    key: str,
    kind: str,
    replies: Sequence[Reply],
    due_at: datetime,
) -> list[Queued]:
    """One row per place a channel message goes: the playground, and Slack and Teams where a
    channel is set. Keys carry the platform, so each is queued once."""
    payload = {"replies": [to_dict(r) for r in replies], "channel": True}
    targets = [("web", web_target)]
    if slack_channel:
        targets.append(("slack", slack_channel))
    if teams_channel:
        targets.append(("teams", teams_channel))
    return [
        Queued(f"{key}:{platform}", platform, target, kind, payload, due_at)
        for platform, target in targets
    ]


async def _already_queued(database: AsyncEngine, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    async with database.connect() as connection:
        for chunk in _chunks(list(keys), 500):
            query = select(col(OutboxMessage.idempotency_key)).where(
                col(OutboxMessage.idempotency_key).in_(chunk)
            )
            found |= {key for (key,) in (await connection.execute(query)).all()}
    return found


async def weekly_digests(
    database: AsyncEngine,
    organisation_id: int,
    pack: Pack,
    now: datetime,
    charts: ChartPool,
    stats: Stats,
) -> int:
    """Queue this week's digest for every team of the council that has not had it yet."""
    digest_day, due_at = digest_moment(pack, now)
    if now < due_at:
        return 0
    today = now.astimezone(pack.zone).date()
    year, week, _ = digest_day.isocalendar()
    async with database.connect() as connection:
        teams = (
            await connection.execute(
                select(
                    col(Team.id),
                    col(Team.name),
                    col(Team.slack_channel_id),
                    col(Team.teams_channel_id),
                ).where(col(Team.organisation_id) == organisation_id)
            )
        ).all()
    keys = {team_id: f"digest:{team_id}:{year}-W{week:02d}" for team_id, *_ in teams}
    done = await _already_queued(database, [f"{k}:web" for k in keys.values()])
    todo = [t for t in teams if f"{keys[t[0]]}:web" not in done]
    if not todo:
        return 0
    digests = await team_digests(database, organisation_id, pack, digest_day, today)
    counts = await _counts(database, organisation_id, pack, today) if charts.enabled else {}
    make = session_factory(database)

    async def write(ready: list[Row], cards: list[Reply], drawn: Drawn) -> int:
        rows: list[Queued] = []
        for (team_id, _name, slack, teams_channel), card, files in zip(
            ready, cards, drawn, strict=True
        ):
            rows += channel_rows(
                f"team:{team_id}", slack, teams_channel, keys[team_id], "digest",
                (card, *files), due_at,
            )  # fmt: skip
        written = 0
        # Rows with charts are large: a few to a transaction, each encrypted before it begins.
        for part in by_size(sealed(rows), ROWS_PER_WRITE, BYTES_PER_WRITE):
            with stats.write(f"{len(part)} digest rows"):
                async with make() as session:
                    written += await enqueue_many(session, part)
                    await session.commit()
        await stats.checkpoint(database)  # charts fill the WAL fast: back into the database now
        return written

    # A pipeline: while the chart workers draw a few teams, the next few are read and their
    # cards made here, and what is drawn is written; at most `charts.parallel` batches draw.
    pending: deque[tuple[list[Row], list[Reply], asyncio.Future[Drawn]]] = deque()
    added = 0
    try:
        chunks = list(_chunks(todo, TEAMS_PER_WRITE))
        for number, chunk in enumerate(chunks, start=1):
            ids = [int(team_id) for team_id, *_ in chunk]
            members = (
                await _members(database, ids, counts, today) if charts.enabled and counts else {}
            )
            cards: list[Reply] = []
            requests: list[ChartRequest] = []
            ready: list[Row] = []
            for team in chunk:
                team_id, name = team[0], team[1]
                try:
                    digest, names = digests[team_id]
                    cards.append(digest_card(digest, name, names, pack.compliance.missed_reason))
                except Exception as error:  # queued at the next tick; the other teams' go now
                    stats.failed(f"digest of team {team_id} {name!r}", error)
                    continue
                ready.append(tuple(team))
                requests.append(_chart_request(name, digest, members.get(team_id, ())))
            drawing = asyncio.ensure_future(charts.draw(requests, pack, today))
            pending.append((ready, cards, drawing))
            keep = charts.parallel if number < len(chunks) else 0  # the last: drain them all
            while len(pending) > keep:
                done_ready, done_cards, task = pending.popleft()
                added += await write(done_ready, done_cards, await task)
    finally:
        for _ready, _cards, task in pending:  # a failure above: nothing is left drawing
            task.cancel()
        if pending:
            await asyncio.gather(*(task for *_, task in pending), return_exceptions=True)
    stats.queued += added
    return added


async def team_digests(
    database: AsyncEngine, organisation_id: int, pack: Pack, digest_day: date, today: date
) -> dict[int, tuple[TeamDigest, dict[int, str]]]:
    """Every team's digest from the stored obligations (who is overdue, what falls due this
    week) and the set-based figures (storage.queries), in a few statements for the council.
    The obligations are as the tick left them today: on the digest day, the day's own."""
    week_end = digest_day + timedelta(days=6)
    ob = Obligation
    async with database.connect() as connection:
        figures = await digest_figures(
            connection, organisation_id, pack, digest_day, case_items=True
        )
        names = {
            int(staff_id or 0): name
            for staff_id, name in (
                await connection.execute(
                    select(col(Staff.id), col(Staff.name)).where(
                        col(Staff.organisation_id) == organisation_id
                    )
                )
            ).all()
        }
        owed = (
            await connection.execute(
                select(
                    col(ob.team_id), col(ob.staff_id), col(ob.kind), col(ob.description),
                    col(ob.source), col(ob.case_reference), col(ob.session_id), col(ob.due),
                    col(ob.record_kind),
                ).where(
                    col(ob.organisation_id) == organisation_id,
                    col(ob.due) <= week_end,  # overdue or due this week: all the digest lists
                )
            )
        ).all()  # fmt: skip
    overdue: dict[int, list[PersonItem]] = defaultdict(list)
    upcoming: dict[int, list[PersonItem]] = defaultdict(list)
    for team_id, staff_id, kind, description, source, reference, session_id, due, rk in owed:
        late = overdue_days(due, digest_day)
        item = DueItem(kind, description, staff_id, due, late, source, reference, session_id, rk)
        entry = PersonItem(names.get(staff_id, ""), item)
        if late > 0:
            overdue[team_id].append(entry)
        elif due is not None and digest_day <= due <= week_end:
            upcoming[team_id].append(entry)
    short = await _short_asye(database, organisation_id, pack, digest_day)
    found: dict[int, tuple[TeamDigest, dict[int, str]]] = {}
    for team_id, figure in figures.items():
        late_items = sorted(overdue[team_id], key=lambda p: (-p.item.overdue_days, p.name))
        soon = sorted(upcoming[team_id], key=lambda p: (p.item.due or date.max, p.name))
        digest = TeamDigest(
            team_id,
            digest_day,
            week_end,
            pack.compliance.target.percent,
            figure.month_to_date,
            figure.last_month,
            figure.case_supervision,
            tuple(late_items),
            figure.late_records,
            tuple(soon),
            figure.cap_breaches,
            figure.ratio_breaches,
            figure.trend,
            short.get(team_id, ()),
            figure.by_group,
            figure.missed_last_month,
            figure.missed_reason_given,
        )
        found[team_id] = (digest, names)
    return found


async def _short_asye(
    database: AsyncEngine, organisation_id: int, pack: Pack, on: date
) -> dict[int, tuple[ShortSession, ...]]:
    """Each team's shorter ASYE sessions of last week (LAM 004:317): the held sessions of NQSWs
    in post, in one query, judged by the policy's own rule (policy.asye.short_asye_session, as
    policy.digest.short_asye_last_week does)."""
    if pack.asye is None:
        return {}
    s, a, st = SupervisionSession, SessionAttendee, Staff
    margin = timedelta(days=1)  # the week is in the pack's time zone; the column is UTC
    since = datetime.combine(on - WEEK - margin, clock_time(), tzinfo=UTC)
    until = datetime.combine(on + margin, clock_time(), tzinfo=UTC)
    query = (
        select(
            col(st.id), col(st.team_id), col(st.name), col(st.asye_start),
            col(s.type), col(s.planned_start), col(s.planned_end),
        )
        .join(a, col(a.session_id) == col(s.id))
        .join(st, col(st.id) == col(a.staff_id))
        .where(
            col(st.organisation_id) == organisation_id,
            col(st.asye_start).is_not(None),
            col(st.team_id).is_not(None),
            col(st.start_date) <= on,
            or_(col(st.leaving_date).is_(None), col(st.leaving_date) >= on),
            col(s.status) == SessionStatus.HELD.value,
            col(s.planned_start) >= since,
            col(s.planned_start) < until,
        )
    )  # fmt: skip
    async with database.connect() as connection:
        rows = (await connection.execute(query)).all()
    found: dict[int, list[ShortSession]] = defaultdict(list)
    for staff_id, team_id, name, asye_start, kind, start, end in rows:
        day = start.astimezone(pack.zone).date()
        minutes = int((end - start).total_seconds() // 60)
        if on - WEEK <= day < on and short_asye_session(
            pack.asye, asye_start, SessionType(kind), day, minutes
        ):
            found[int(team_id or 0)].append(ShortSession(int(staff_id or 0), name, day, minutes))
    return {t: tuple(sorted(v, key=lambda x: (x.day, x.name))) for t, v in found.items()}


def _chart_request(name: str, digest: TeamDigest, members: tuple[Member, ...]) -> ChartRequest:
    trend = tuple((p.label, p.percent) for p in digest.trend)
    return ChartRequest(name, trend, digest.target, members)


async def _counts(
    database: AsyncEngine, organisation_id: int, pack: Pack, today: date
) -> dict[int, int]:
    """Every caseworker's open case count, once for the council (none: no band chart)."""
    if pack.caseload.weighting_scheme is None:
        return {}
    async with database.connect() as connection:
        return dict(await caseload_counts_sql(connection, organisation_id, today))


async def _members(
    database: AsyncEngine, team_ids: Sequence[int], counts: Mapping[int, int], today: date
) -> dict[int, tuple[Member, ...]]:
    """Each team's caseworkers with what scoring them needs, for a few teams in three queries
    (the scoring itself happens with the drawing, in scheduling.charts)."""
    async with session_factory(database)() as session:
        rows = await session.exec(select_model(Staff).where(col(Staff.team_id).in_(list(team_ids))))
        everyone = [(row.team_id, staff_view(row)) for row in rows.all()]
        chosen = [(t, m) for t, m in everyone if not m.role.is_manager and m.id in counts]
        ids = [m.id for _, m in chosen]
        held = await SqlCases(session).open_cases_of(ids, today)
        personal = await SqlFacts(session).personal_elements(ids, today)
    found: dict[int, list[Member]] = defaultdict(list)
    for team_id, m in chosen:
        if team_id is not None:
            found[team_id].append(Member(m, tuple(held[m.id]), counts[m.id], personal[m.id]))
    return {team_id: tuple(members) for team_id, members in found.items()}


def summary_done(pack: Pack, now: datetime) -> bool:
    """Whether this month's summary moment has passed (then it is queued or already was)."""
    local = now.astimezone(pack.zone)
    hour, minute = (int(part) for part in pack.digest.time.split(":"))
    due_at = datetime.combine(local.date().replace(day=1), clock_time(hour, minute), pack.zone)
    return now >= due_at


async def monthly_summary(
    database: AsyncEngine, organisation: Organisation, pack: Pack, now: datetime, stats: Stats
) -> int:
    """On the first day of the month, at the digest time: last month for senior managers."""
    local = now.astimezone(pack.zone)
    hour, minute = (int(part) for part in pack.digest.time.split(":"))
    first = local.date().replace(day=1)
    due_at = datetime.combine(first, clock_time(hour, minute), tzinfo=pack.zone)
    if now < due_at or organisation.id is None:
        return 0
    last_month = month_from_index(month_index(first) - 1)
    key = f"summary:{organisation.id}:{last_month:%Y-%m}"
    if await _already_queued(database, [f"{key}:web"]):
        return 0
    make = session_factory(database)
    async with database.connect() as connection:
        # Set-based, as the digests (storage.queries; equal to policy.compliance's
        # monthly_compliance over the same rows, tests/storage/test_storage_compliance_sql.py).
        monthly = await monthly_compliance_sql(
            connection, organisation.id, pack, [last_month], people=True
        )
        teams = (
            await connection.execute(
                select(col(Team.id), col(Team.name)).where(
                    col(Team.organisation_id) == organisation.id
                )
            )
        ).all()
    report = monthly.reports[last_month.replace(day=1)]
    names = {int(team_id or 0): name for team_id, name in teams}
    card = summary_card(
        organisation.name,
        f"{last_month:%B %Y}",
        report,
        names,
        pack.compliance.staff_groups,
        pack.compliance.missed_reason,
    )
    rows = channel_rows(
        f"org:{organisation.id}",
        organisation.senior_slack_channel_id,
        organisation.senior_teams_channel_id,
        key,
        "summary",
        (card,),
        due_at,
    )
    rows = sealed(rows)
    with stats.write("the monthly summary"):
        async with make() as session:
            added = await enqueue_many(session, rows)
            await session.commit()
    stats.queued += added
    return added
