"""Monthly compliance (POWYS 002:20-33) for every team of an organisation and several months,
in one SQL statement (two with the lists of people), equal to policy.compliance.monthly_compliance.

Each in-post person-month is one row of a common table; whether the person was supervised is an
EXISTS test on it and whether they were away long enough to be excluded an outer join to the
person-months with enough distinct days away; the database returns counts per month, team,
service, staff group and the two flags, and Python only adds those up.

Every value from the pack or the calendar is a named bound parameter, so a statement's shape
depends only on how many months it covers and which rules the pack has: it is built once per
shape and SQLAlchemy compiles it once (building and compiling took longer than running it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    distinct,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.selectable import CTE, Subquery
from sqlmodel import col

from policy.calendar import month_index
from policy.compliance import GROUPS, ComplianceReport, Figure
from policy.packs.schema import Pack
from policy.vocabulary import SessionStatus
from scoring.vocabulary import StaffRole
from storage.models import (
    Absence,
    MissedMonth,
    Organisation,
    SessionAttendee,
    Staff,
    SupervisionSession,
    Team,
)
from storage.queries.bounds import asye_from, month_bounds
from storage.types import UTCDateTime

_LONGEST_MONTH = 31
_QUALIFIED = tuple(r.value for r in StaffRole if r.is_qualified_social_worker)


@dataclass(frozen=True, slots=True)
class MonthlyCompliance:
    """Reports keyed by each month's first day. The reports' service ids are keys of
    `services` (service names numbered in name order; "" for staff without a team)."""

    reports: Mapping[date, ComplianceReport]
    services: Mapping[int, str] = field(default_factory=dict)


def _months_table(count: int) -> CTE:
    """One row per month: its bounds as dates and instants, the earliest ASYE start still in
    the ASYE at its end, and its days d0..d30 (the last day repeated in shorter months).
    Selects of bound parameters joined by UNION ALL: SQLAlchemy cannot cache VALUES."""
    selects = [
        select(
            bindparam(f"m{i}", type_=Integer).label("m"),
            bindparam(f"m{i}_lo", type_=Date).label("lo"),
            bindparam(f"m{i}_hi", type_=Date).label("hi"),
            bindparam(f"m{i}_starts", type_=UTCDateTime()).label("starts"),
            bindparam(f"m{i}_ends", type_=UTCDateTime()).label("ends"),
            bindparam(f"m{i}_asye", type_=Date).label("asye_from"),
            *(bindparam(f"m{i}_d{n}", type_=Date).label(f"d{n}") for n in range(_LONGEST_MONTH)),
        )
        for i in range(count)
    ]
    table = selects[0] if count == 1 else union_all(*selects)
    return table.cte("months")


def _month_params(pack: Pack, firsts: Sequence[date]) -> dict[str, Any]:
    asye = pack.asye
    params: dict[str, Any] = {}
    for i, first in enumerate(firsts):
        lo, hi, starts, ends = month_bounds(first, pack.zone)
        # Without an ASYE rule nobody is in the ASYE: the window starts after the month ends.
        since = asye_from(hi, asye.duration_months) if asye else hi + timedelta(days=1)
        params.update(
            {
                f"m{i}": month_index(first),
                f"m{i}_lo": lo,
                f"m{i}_hi": hi,
                f"m{i}_starts": starts,
                f"m{i}_ends": ends,
                f"m{i}_asye": since,
            }
        )
        for n in range(_LONGEST_MONTH):
            params[f"m{i}_d{n}"] = min(lo + timedelta(days=n), hi)
    return params


def _people(months: CTE) -> CTE:
    """One row per person counted in a month: in post for part of it, in a role the pack
    counts (POWYS 002:31: per individual, the denominator grows as staff are appointed)."""
    S, T, Org = Staff, Team, Organisation
    # POWYS 002:13,29: agency first, then newly qualified (NQSW, or in the ASYE at month end).
    group = case(
        (col(S.agency).is_(True), literal("agency")),
        (
            or_(
                col(S.role) == StaffRole.NQSW.value,
                and_(col(S.asye_start) <= months.c.hi, col(S.asye_start) >= months.c.asye_from),
            ),
            literal("newly_qualified"),
        ),
        (col(S.role).in_(_QUALIFIED), literal("qualified")),
        else_=literal("other"),
    )
    in_post = and_(
        or_(col(S.start_date).is_(None), col(S.start_date) <= months.c.hi),
        or_(col(S.leaving_date).is_(None), col(S.leaving_date) >= months.c.lo),
    )
    return (
        select(
            col(S.id).label("staff_id"),
            months.c.m,
            months.c.lo,
            months.c.hi,
            months.c.starts,
            months.c.ends,
            func.coalesce(col(S.team_id), 0).label("team_id"),
            func.coalesce(col(T.service), "").label("service"),
            group.label("grp"),
        )
        .select_from(S)
        .join(months, in_post)
        .outerjoin(T, col(T.id) == col(S.team_id))
        .join(Org, col(Org.id) == col(S.organisation_id))
        .where(
            col(S.organisation_id) == bindparam("org", type_=Integer),
            # Issue 23 item 1: a month that ended before go-live is unknown, not a 0%.
            or_(col(Org.go_live).is_(None), col(Org.go_live) <= months.c.hi),
            col(S.role).in_(bindparam("roles", expanding=True, type_=String)),
        )
        .cte("people")
    )


def _away(people: CTE, days: CTE) -> Subquery:
    """POWYS 002:33: who was away (absent, not yet or no longer in post) for the pack's number
    of days or more of a month: distinct days, so overlapping absences count once. Only
    person-months with an absence in the month or a start or leaving date inside it are
    expanded into days. A grouped subquery joined once (as an EXISTS, SQLite re-ran it for
    every person-month)."""
    S, A = Staff, Absence
    absent = (
        select(people.c.staff_id, people.c.m, days.c.day)
        .select_from(people)
        .join(
            A,
            and_(
                col(A.staff_id) == people.c.staff_id,
                col(A.start_date) <= people.c.hi,
                col(A.end_date) >= people.c.lo,
            ),
        )
        .join(
            days,
            and_(
                days.c.m == people.c.m,
                days.c.day >= col(A.start_date),
                days.c.day <= col(A.end_date),
            ),
        )
    )
    out_of_post = (
        select(people.c.staff_id, people.c.m, days.c.day)
        .select_from(people)
        .join(
            S,
            and_(
                col(S.id) == people.c.staff_id,
                or_(col(S.start_date) > people.c.lo, col(S.leaving_date) < people.c.hi),
            ),
        )
        .join(
            days,
            and_(
                days.c.m == people.c.m,
                or_(days.c.day < col(S.start_date), days.c.day > col(S.leaving_date)),
            ),
        )
    )
    away = union_all(absent, out_of_post).subquery("away_days")
    return (
        select(away.c.staff_id, away.c.m)
        .group_by(away.c.staff_id, away.c.m)
        .having(func.count(distinct(away.c.day)) >= bindparam("threshold", type_=Integer))
        .subquery("away_long")
    )


def _unindexable(column: Any, sqlite: bool) -> Any:
    return column.concat("") if sqlite else column


def _supervised(people: CTE, months: CTE, sqlite: bool) -> Subquery:
    """Who had a counting session held in each month, by the London date it started (POWYS
    002:45 cut-off). Each person's sessions are read once, from the attendee index, and then
    placed in their month (as an EXISTS per person-month they were read once per month).

    On SQLite the status and type tests are written as `column || ''` so that they cannot be
    indexed: SQLite otherwise built an automatic index over every session in the database on
    each call (2.5 s instead of 0.3 s at 0.1x England). PostgreSQL then misjudged how many rows
    they keep and scanned every session instead, so it gets the plain tests. DISTINCT keeps
    the two steps apart."""
    A, SS = SessionAttendee, SupervisionSession
    status, kind = _unindexable(col(SS.status), sqlite), _unindexable(col(SS.type), sqlite)
    theirs = (
        select(col(A.staff_id).label("staff_id"), col(SS.planned_start).label("start"))
        .distinct()
        .select_from(A)
        .join(SS, col(SS.id) == col(A.session_id))
        .where(
            # An IN list on the indexed column: SQLite looks each person up in the index.
            col(A.staff_id).in_(select(people.c.staff_id)),
            status == SessionStatus.HELD.value,
            kind.in_(bindparam("types", expanding=True, type_=String)),
            # Only the months reported (m0 is the earliest): the cost stays that of those
            # months however many years of history the council has.
            col(SS.planned_start) >= bindparam("m0_starts", type_=UTCDateTime()),
        )
        .subquery("theirs")
    )
    return (
        select(theirs.c.staff_id, months.c.m)
        .select_from(theirs)
        .join(months, and_(theirs.c.start >= months.c.starts, theirs.c.start < months.c.ends))
        # GROUP BY, not DISTINCT: with DISTINCT, SQLite's planner built no automatic index for
        # the outer join to this when the pack has no absence rule and compared every
        # person-month with every supervised one (Derbyshire's digest months at 0.1x England:
        # 359 ms for one council, 26 ms grouped).
        .group_by(theirs.c.staff_id, months.c.m)
        .subquery("supervised")
    )


@lru_cache(maxsize=64)
def _statements(months: int, exclusion: bool, sqlite: bool) -> tuple[Select[Any], Select[Any]]:
    """The counting statement and the listing statement for this many months."""
    months_t = _months_table(months)
    everyone = _people(months_t)
    days = union_all(
        *(select(months_t.c.m, months_t.c[f"d{n}"].label("day")) for n in range(_LONGEST_MONTH))
    ).cte("days")
    supervised = _supervised(everyone, months_t, sqlite)
    excluded: ColumnElement[bool] = literal(False, Boolean)
    joined: Any = everyone.outerjoin(
        supervised,
        and_(supervised.c.staff_id == everyone.c.staff_id, supervised.c.m == everyone.c.m),
    )
    # DCC 000:176: the month's reason, if recorded (one per person and month, a unique key).
    joined = joined.outerjoin(
        MissedMonth,
        and_(
            col(MissedMonth.staff_id) == everyone.c.staff_id,
            col(MissedMonth.month) == everyone.c.lo,
        ),
    )
    if exclusion:
        away = _away(everyone, days)
        excluded = away.c.staff_id.is_not(None)
        joined = joined.outerjoin(
            away, and_(away.c.staff_id == everyone.c.staff_id, away.c.m == everyone.c.m)
        )
    flags = (
        select(
            everyone.c.m,
            everyone.c.staff_id,
            everyone.c.team_id,
            everyone.c.service,
            everyone.c.grp,
            excluded.label("excluded"),
            supervised.c.staff_id.is_not(None).label("supervised"),
            col(MissedMonth.id).is_not(None).label("reasoned"),
        )
        .select_from(joined)
        .subquery("flags")
    )
    keys = (
        flags.c.m, flags.c.team_id, flags.c.service, flags.c.grp, flags.c.excluded,
        flags.c.reasoned,
    )  # fmt: skip
    counted = select(*keys, flags.c.supervised, func.count().label("n")).group_by(
        *keys, flags.c.supervised
    )
    listed = (
        select(flags.c.m, flags.c.staff_id, flags.c.excluded, flags.c.reasoned)
        .where(or_(flags.c.excluded, ~flags.c.supervised))
        .order_by(flags.c.m, flags.c.staff_id)
    )
    return counted, listed


async def monthly_compliance_sql(
    connection: AsyncConnection,
    organisation_id: int,
    pack: Pack,
    months: Sequence[date],
    *,
    people: bool = False,
    people_in: Sequence[date] = (),
) -> MonthlyCompliance:
    """The pack's monthly KPI for each month (any day in it) for the organisation, its teams,
    services and staff groups. `people` also lists who was not supervised and who was excluded
    (one more statement, one row per such person-month, in id order); `people_in` lists them
    for those of the months only (a statement over just those months)."""
    firsts = sorted({d.replace(day=1) for d in months})
    if not firsts:
        return MonthlyCompliance({})
    rows = await _counted(connection, organisation_id, pack, firsts)
    lists = await _listed(connection, organisation_id, pack, firsts, people, people_in)
    return _reports(pack, firsts, rows, lists)


Counted = tuple[int, int, str, str, bool, bool, bool, int]
"""One grouped row of the counting statement: month index, team id (0: none), service, staff
group, excluded, reason recorded, supervised, and how many person-months."""


def _common(pack: Pack, organisation_id: int) -> dict[str, Any]:
    common: dict[str, Any] = {
        "org": organisation_id,
        "roles": [r.value for r in pack.compliance.roles],
        "types": [t.value for t in pack.compliance.session_types],
    }
    if pack.compliance.absence_exclusion is not None:
        common["threshold"] = pack.compliance.absence_exclusion.days
    return common


async def _counted(
    connection: AsyncConnection, organisation_id: int, pack: Pack, firsts: Sequence[date]
) -> list[Counted]:
    exclusion = pack.compliance.absence_exclusion is not None
    sqlite = connection.dialect.name == "sqlite"
    counted = _statements(len(firsts), exclusion, sqlite)[0]
    params = _month_params(pack, firsts) | _common(pack, organisation_id)
    return [
        (int(m), int(team_id), str(service), str(grp), bool(x), bool(r), bool(s), int(n))
        for m, team_id, service, grp, x, r, s, n in (
            await connection.execute(counted, params)
        ).all()
    ]


Lists = dict[int, tuple[list[int], list[int], list[int]]]


async def _listed(
    connection: AsyncConnection,
    organisation_id: int,
    pack: Pack,
    firsts: Sequence[date],
    people: bool,
    people_in: Sequence[date],
) -> Lists:
    lists: Lists = defaultdict(lambda: ([], [], []))
    chosen = sorted({d.replace(day=1) for d in people_in} & set(firsts))
    if not (people or chosen):
        return lists
    exclusion = pack.compliance.absence_exclusion is not None
    sqlite = connection.dialect.name == "sqlite"
    over = firsts if people else chosen
    listed = _statements(len(over), exclusion, sqlite)[1]
    params = _month_params(pack, over) | _common(pack, organisation_id)
    for m, staff_id, excluded, reasoned in (await connection.execute(listed, params)).all():
        lists[int(m)][1 if excluded else 0].append(int(staff_id))
        if reasoned and not excluded:
            lists[int(m)][2].append(int(staff_id))
    return lists


def _reports(
    pack: Pack, firsts: Sequence[date], rows: Sequence[Counted], lists: Lists
) -> MonthlyCompliance:
    names = sorted({service for _, _, service, *_ in rows})
    services = {name: n for n, name in enumerate(names, start=1)}
    # month -> kind ("org", "team", "service", "group", "team_group") -> key
    # -> [supervised, in post, excluded, missed with a reason recorded]
    tallies: dict[int, dict[str, dict[Any, list[int]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(lambda: [0, 0, 0, 0]))
    )
    for m, team_id, service, grp, x, reasoned, s, n in rows:
        keys: tuple[tuple[str, Any], ...] = (
            ("org", 0), ("team", team_id), ("service", services[service]), ("group", grp),
            ("team_group", (team_id, grp)),
        )  # fmt: skip
        for kind, key in keys:
            tally = tallies[m][kind][key]
            tally[0] += n * (s and not x)  # POWYS 002:33: excluded staff count on neither side
            tally[1] += n
            tally[2] += n * x
            tally[3] += n * (reasoned and not (s or x))  # DCC 000:176
    reports = {}
    for first in firsts:
        found = tallies[month_index(first)]
        figures = {kind: {k: Figure(*v) for k, v in by.items()} for kind, by in found.items()}
        groups = figures.get("group", {})
        missing, excluded_ids, reasoned_ids = lists.get(month_index(first), ([], [], []))
        reports[first] = ComplianceReport(
            f"{first:%Y-%m}",
            pack.compliance.target.percent,
            figures.get("org", {}).get(0, Figure()),
            {int(k): v for k, v in figures.get("team", {}).items()},
            {int(k): v for k, v in figures.get("service", {}).items()},
            {name: groups.get(name, Figure()) for name in GROUPS},
            tuple(missing),
            tuple(excluded_ids),
            figures.get("team_group", {}),
            tuple(reasoned_ids),
        )
    return MonthlyCompliance(reports, {n: name for name, n in services.items()})
