"""The weekly team digests and the monthly summary for senior managers, queued into the outbox.

Which digests are still to queue is one query per council; the inputs are read once per council
(bounded to the history the figures need), outside any write transaction; charts are drawn in a
worker process; and the rows are written a few teams at a time, each in a short transaction.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from functools import partial
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from dialogs.digest_card import digest_card
from dialogs.i18n import channel_languages, format_month, in_each, period_label, use_language
from dialogs.messages import Attachment, Reply
from dialogs.serialise import to_dict
from dialogs.summary_card import summary_card
from policy.asye import short_asye_session
from policy.calendar import WorkingCalendar, month_from_index, month_index
from policy.caps import TeamOverAverage, teams_over_average
from policy.citations import cite
from policy.digest import WEEK, PersonItem, ShortSession, TeamDigest
from policy.frequencies import DueItem, overdue_days
from policy.obligations import history_window
from policy.packs import Pack
from policy.packs.schema import TeamAverage
from policy.vocabulary import SessionStatus, SessionType
from scheduling.charts import ChartPool, ChartRequest
from scheduling.obligations import Stats, _chunks
from scheduling.roster import Roster
from scoring.vocabulary import StaffRole
from storage.db import session_factory
from storage.models import (
    Obligation,
    Organisation,
    OutboxMessage,
    RecordAction,
    SessionAttendee,
    Staff,
    SupervisionRecord,
    SupervisionSession,
    Team,
)
from storage.outbox import Queued, by_size, enqueue_many, sealed
from storage.queries import caseload_counts_sql, digest_figures, monthly_compliance_sql
from storage.queries.reach import held_counts, unreachable

_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
TEAMS_PER_WRITE = 25  # drawn together in the chart worker
# Outbox rows per write transaction: up to 50, and up to 256 KB of payload (a row with its two
# charts is 20-50 KB; without charts a few KB). At 512 KB, the longest write of the 1x Monday
# tick on PostgreSQL was 61.9 ms (17 rows, with both chart workers and the server on 2 cores):
# over issue 18's 50 ms; a commit more per 10 rows costs far less than that.
ROWS_PER_WRITE, BYTES_PER_WRITE = 50, 256 * 1024
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


class _Council:
    """One council's digest batches in the pipeline: when the last is written, `on_done` hears
    whether every team's digest was made (else the next tick tries the council again)."""

    def __init__(self, batches: int, on_done: Callable[[bool], None] | None) -> None:
        self.left, self.ok, self.on_done = batches, True, on_done

    def written(self) -> None:
        self.left -= 1
        if self.left == 0 and self.on_done is not None:
            self.on_done(self.ok)


class _Batch:
    """A few teams' digests: their charts drawing in a worker, then their rows to write."""

    def __init__(
        self,
        drawing: asyncio.Future[Drawn],
        write: Callable[[Drawn], Awaitable[int]],
        council: _Council,
    ) -> None:
        self.drawing, self.write, self.council = drawing, write, council

    async def finish(self) -> int:
        written = await self.write(await self.drawing)
        self.council.written()
        return written


class Pipeline:
    """The batches still drawing, across councils. A council's last batches are not waited for
    when its rows are made: the chart workers go on drawing them while this process computes
    the next council's figures, and they are written when that council's own batches start
    (or at the end of the tick, `drain`). So the workers and this process each work while the
    other does, rather than in turns, council by council."""

    def __init__(self) -> None:
        self.pending: deque[_Batch] = deque()

    async def write_down_to(self, keep: int) -> int:
        written = 0
        try:
            while len(self.pending) > keep:
                written += await self.pending[0].finish()
                self.pending.popleft()
        except BaseException:
            await self.cancel()  # a failure: what was still drawing is drawn again next tick
            raise
        return written

    async def drain(self) -> int:
        """Write everything still in the pipeline (the tick's end)."""
        return await self.write_down_to(0)

    async def cancel(self) -> None:
        batches, self.pending = list(self.pending), deque()
        for batch in batches:
            batch.drawing.cancel()
        if batches:
            await asyncio.gather(*(b.drawing for b in batches), return_exceptions=True)


async def weekly_digests(
    database: AsyncEngine,
    organisation_id: int,
    pack: Pack,
    now: datetime,
    charts: ChartPool,
    stats: Stats,
    pipeline: Pipeline | None = None,
    on_done: Callable[[bool], None] | None = None,
) -> int:
    """Queue this week's digest for every team of the council that has not had it yet. With a
    `pipeline`, the council's last batches may still be drawing when this returns: they are
    written by the next council's call or the pipeline's `drain`, and `on_done` is told when
    all are written (True: every team's digest was made). Returns the rows written by this
    call, whichever council's they were."""
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
        if on_done is not None:
            on_done(True)
        return 0
    digests = await team_digests(database, organisation_id, pack, digest_day, today, stats)
    counts = await _counts(database, organisation_id, pack, today) if charts.enabled else {}
    # The band chart's caseworkers are read where it is drawn (scheduling.roster).
    url = database.url.render_as_string(hide_password=False)
    languages = channel_languages(pack.language.default, pack.language.bilingual_channels)
    roster = Roster(url, counts) if counts else None
    make = session_factory(database)

    async def write_rows(ready: list[Row], cards: list[list[Reply]], drawn: Drawn) -> int:
        rows: list[Queued] = []
        # Each language's charts follow its own card (issue 28: Welsh card, Welsh charts).
        per_team = [drawn[i : i + len(languages)] for i in range(0, len(drawn), len(languages))]
        for (team_id, _name, slack, teams_channel), card, files in zip(
            ready, cards, per_team, strict=True
        ):
            shown = [r for made, charts in zip(card, files, strict=True) for r in (made, *charts)]
            rows += channel_rows(
                f"team:{team_id}", slack, teams_channel, keys[team_id], "digest",
                tuple(shown), due_at,
            )  # fmt: skip
        written = 0
        # Rows with charts are large: a few to a transaction, each encrypted before it begins.
        for part in by_size(sealed(rows), ROWS_PER_WRITE, BYTES_PER_WRITE):
            with stats.write(f"{len(part)} digest rows"):
                async with make() as session:
                    written += await enqueue_many(session, part)
                    await session.commit()
        await stats.checkpoint(database)  # charts fill the WAL fast: back into the database now
        stats.queued += written
        return written

    # A pipeline: while the chart workers draw a few teams, the next few are read and their
    # cards made here, and what is drawn is written; at most `charts.parallel` batches draw.
    own = pipeline is None
    line = Pipeline() if pipeline is None else pipeline
    chunks = list(_chunks(todo, TEAMS_PER_WRITE))
    council = _Council(len(chunks), on_done)
    added = 0
    try:
        for number, chunk in enumerate(chunks, start=1):
            cards: list[list[Reply]] = []
            requests: list[ChartRequest] = []
            ready: list[Row] = []
            for team in chunk:
                team_id, name = team[0], team[1]
                try:
                    digest, names = digests[team_id]
                    # Issue 28: in the council's channel languages, Welsh first where both.
                    made = partial(
                        digest_card, digest, name, names, pack.compliance.missed_reason, pack
                    )
                    cards.append(in_each(made, languages))
                except Exception as error:  # queued at the next tick; the other teams' go now
                    stats.failed(f"digest of team {team_id} {name!r}", error)
                    council.ok = False
                    continue
                ready.append(tuple(team))
                requests += [
                    _chart_request(name, digest, int(team_id) if counts else None, language)
                    for language in languages
                ]
            drawing = asyncio.ensure_future(charts.draw(requests, pack, today, roster, database))

            async def write(
                drawn: Drawn, ready: list[Row] = ready, cards: list[list[Reply]] = cards
            ) -> int:
                return await write_rows(ready, cards, drawn)

            line.pending.append(_Batch(drawing, write, council))
            # The last batch of a council the caller's pipeline carries on: not waited for.
            last = number == len(chunks) and own
            added += await line.write_down_to(0 if last else charts.parallel)
    except BaseException:
        await line.cancel()  # a failure above: nothing is left drawing
        raise
    return added


async def team_digests(
    database: AsyncEngine,
    organisation_id: int,
    pack: Pack,
    digest_day: date,
    today: date,
    stats: Stats | None = None,
) -> dict[int, tuple[TeamDigest, dict[int, str]]]:
    """Every team's digest from the stored obligations (who is overdue, what falls due this
    week) and the set-based figures (storage.queries), in a few statements for the council.
    The obligations are as the tick left them today: on the digest day, the day's own. The
    trend's closed months come from their kept tallies (storage.queries.tallies)."""
    week_end = digest_day + timedelta(days=6)
    ob = Obligation
    async with database.connect() as connection:
        figures = await digest_figures(
            connection,
            organisation_id,
            pack,
            digest_day,
            case_items=True,
            kept=database,
            timed=stats.write if stats is not None else None,
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
    actions = await _actions_overdue(database, organisation_id, digest_day)
    out_of_reach = await _out_of_reach(database, organisation_id, today)
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
            actions.get(team_id, ()),
            *out_of_reach.get(team_id, (0, 0)),
        )
        found[team_id] = (digest, names)
    return found


async def _out_of_reach(
    database: AsyncEngine, organisation_id: int, on: date
) -> dict[int, tuple[int, int]]:
    """Each team's people the bot cannot reach and the messages held for them (issue 23 item
    5): two queries for the council."""
    async with database.connect() as connection:
        people = await unreachable(connection, organisation_id, on)
        held = await held_counts(connection, [p.staff_id for p in people])
    found: dict[int, tuple[int, int]] = {}
    for person in people:
        if person.team_id is not None:
            count, messages = found.get(person.team_id, (0, 0))
            found[person.team_id] = (count + 1, messages + held.get(person.staff_id, 0))
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


async def _actions_overdue(
    database: AsyncEngine, organisation_id: int, on: date
) -> dict[int, tuple[tuple[int, int], ...]]:
    """Each team's owners of actions from signed records past their due date on `on` and still
    open, with how many (issue 27): one grouped query for the council, counts only."""
    a, r, s, st = RecordAction, SupervisionRecord, SupervisionSession, Staff
    query = (
        select(col(st.team_id), col(a.owner_id), func.count())
        .join(r, col(r.id) == col(a.record_id))
        .join(s, col(s.id) == col(r.session_id))
        .join(st, col(st.id) == col(a.owner_id))
        .where(
            col(s.organisation_id) == organisation_id,
            col(r.supervisor_signed_at).is_not(None),
            col(a.done_at).is_(None),
            col(a.due_date) < on,
            col(st.team_id).is_not(None),
        )
        .group_by(col(st.team_id), col(a.owner_id))
    )
    async with database.connect() as connection:
        rows = (await connection.execute(query)).all()
    found: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for team_id, owner_id, count in rows:
        found[int(team_id or 0)].append((int(owner_id), int(count)))
    return {team_id: tuple(sorted(owners)) for team_id, owners in found.items()}


def _chart_request(
    name: str, digest: TeamDigest, team_id: int | None, language: str
) -> ChartRequest:
    with use_language(language):
        trend = tuple((period_label(p.label, p.so_far), p.percent) for p in digest.trend)
    return ChartRequest(name, trend, digest.target, (), team_id, language)


async def _counts(
    database: AsyncEngine, organisation_id: int, pack: Pack, today: date
) -> dict[int, int]:
    """Every caseworker's open case count, once for the council (none: no band chart)."""
    if pack.caseload.weighting_scheme is None:
        return {}
    async with database.connect() as connection:
        return dict(await caseload_counts_sql(connection, organisation_id, today))


@dataclass(frozen=True, slots=True)
class _Member:
    team_id: int | None
    role: StaffRole


async def _over_average(
    database: AsyncEngine, organisation_id: int, pack: Pack, on: date
) -> tuple[TeamAverage, str | None, list[TeamOverAverage]] | None:
    """Teams above the pack's average caseload on `on` (WSX/LUT 001:93), for the summary: the
    children each person leads (caseload_counts_sql, as the caps read them) and their team and
    role, two statements for the council (it read the council's whole history before)."""
    rule = pack.caseload.team_average
    if rule is None:
        return None
    async with database.connect() as connection:
        counts = await caseload_counts_sql(connection, organisation_id, on)
        members = {
            int(staff_id or 0): _Member(team_id, StaffRole(role))
            for staff_id, team_id, role in (
                await connection.execute(
                    select(col(Staff.id), col(Staff.team_id), col(Staff.role)).where(
                        col(Staff.organisation_id) == organisation_id
                    )
                )
            ).all()
        }
    found = teams_over_average(sorted(counts.items()), members, pack)
    return (rule, cite(pack, rule.source), found) if found else None


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
    over_average = await _over_average(database, organisation.id, pack, first)
    # Issue 28: in the council's channel languages, Welsh first where both (as the digests).
    languages = channel_languages(pack.language.default, pack.language.bilingual_channels)
    cards = in_each(
        lambda: summary_card(
            organisation.name,
            format_month(last_month),
            report,
            names,
            pack.compliance.staff_groups,
            pack.compliance.missed_reason,
            over_average,
            pack,
        ),
        languages,
    )
    rows = channel_rows(
        f"org:{organisation.id}",
        organisation.senior_slack_channel_id,
        organisation.senior_teams_channel_id,
        key,
        "summary",
        cards,
        due_at,
    )
    rows = sealed(rows)
    with stats.write("the monthly summary"):
        async with make() as session:
            added = await enqueue_many(session, rows)
            await session.commit()
    stats.queued += added
    return added
