"""The rest of a weekly digest's figures for every team of an organisation at once: late or
unsigned records, caseload counts and cap breaches, supervisor ratios and case supervision.

Each is one or two SQL statements over the organisation. Where the policy's rule needs the
working-day calendar, SQL narrows the rows (only sessions that can be late, only people over
the lowest cap) and the policy's own function decides on those few rows, so the result is the
policy's by construction. Case supervision is counted entirely in SQL: its working-day
adjustment becomes a date threshold computed in Python (storage/queries/bounds.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    false,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import Subquery
from sqlmodel import col

from policy.asye import in_asye
from policy.calendar import WorkingCalendar, local_date
from policy.caps import CapBreach, RatioBreach, cap_breaches
from policy.case_supervision import case_items
from policy.compliance import CaseCompliance
from policy.digest import RECORD_LOOKBACK
from policy.facts import (
    CaseFacts,
    CaseloadPeriod,
    OverCapApproval,
    RecordFacts,
    SessionFacts,
    StaffFacts,
)
from policy.history import SessionIndex
from policy.packs.schema import Pack
from policy.recording import DEFAULT_KIND, RecordStatus, kinds_of, record_statuses
from policy.vocabulary import CancelReason, SessionStatus, SessionType
from scoring.vocabulary import AllocationRole, CaseCategory, StaffRole
from storage.models import (
    Case,
    CaseAllocation,
    Organisation,
    RecordCaseDiscussion,
    SessionAttendee,
    Staff,
    SupervisionRecord,
    SupervisionSession,
)
from storage.models import OverCapApproval as ApprovalRow
from storage.queries.bounds import asye_from, day_start, first_not_overdue, least_at_least
from storage.types import UTCDateTime

_NO_DATE = date(2000, 1, 1)  # storage.repositories.facts: a missing start date reads as this


def in_post(on: date) -> ColumnElement[bool]:
    """StaffFacts.in_post for rows of `staff` (no start date: in post, as SqlFacts reads it)."""
    return and_(
        or_(col(Staff.start_date).is_(None), col(Staff.start_date) <= on),
        or_(col(Staff.leaving_date).is_(None), col(Staff.leaving_date) >= on),
    )


def _staff_facts(row: object) -> StaffFacts:
    r = row._mapping  # type: ignore[attr-defined]
    return StaffFacts(
        id=r["id"],
        name=r["name"],
        role=StaffRole(r["role"]),
        team_id=r["team_id"] or 0,
        supervisor_id=r["line_manager_id"],
        start_date=r["start_date"] or _NO_DATE,
        leaving_date=r["leaving_date"],
        agency=r["agency"],
        asye_start=r["asye_start"],
        fte=r["fte"],
    )


_STAFF_COLUMNS = (
    col(Staff.id), col(Staff.name), col(Staff.role), col(Staff.team_id),
    col(Staff.line_manager_id), col(Staff.start_date), col(Staff.leaving_date),
    col(Staff.agency), col(Staff.asye_start), col(Staff.fte),
)  # fmt: skip


async def staff_in_post_sql(
    connection: AsyncConnection, organisation_id: int, on: date
) -> dict[int, StaffFacts]:
    """Everyone in post on `on`, by id, as the policy reads staff (no sessions or cases)."""
    rows = await connection.execute(
        select(*_STAFF_COLUMNS).where(col(Staff.organisation_id) == organisation_id, in_post(on))
    )
    return {int(r.id): _staff_facts(r) for r in rows.all()}


_LOOKBACK_DAYS = RECORD_LOOKBACK.days + 1  # the London days a session can end on


Required = tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]


def _required(pack: Pack) -> Required:
    """Per session type, each kind of record it calls for and the kind ids that meet it (the
    first kind is also met by a record saved as the default kind: policy.recording)."""
    found = []
    for session_type in pack.recording.applies_to:
        kinds = kinds_of(session_type, pack)
        found.append(
            (
                session_type.value,
                tuple(
                    (k.id, DEFAULT_KIND) if i == 0 and k.id != DEFAULT_KIND else (k.id,)
                    for i, k in enumerate(kinds)
                ),
            )
        )
    return tuple(found)


@lru_cache(maxsize=8)
def _late_statement(both_sign: bool, required: Required, grouped: bool) -> Select[*tuple[Any, ...]]:
    """Held sessions of in-post team members, started in the look-back, with a record late or
    unsigned past its deadline, or a kind of record missing past it. Each London day the
    sessions can end on is a row with its bounds and the record deadline for a session ending
    then (computed in Python, working days and all; the shortest of the kinds' deadlines, so
    the rows are a superset), and policy.recording decides on the few rows found."""
    S, SS, R = Staff, SupervisionSession, SupervisionRecord
    days = union_all(
        *(
            select(
                bindparam(f"d{i}_lo", type_=UTCDateTime()).label("lo"),
                bindparam(f"d{i}_hi", type_=UTCDateTime()).label("hi"),
                # The first instant a record written then is late: the day after the deadline.
                bindparam(f"d{i}_late", type_=UTCDateTime()).label("late_from"),
            )
            for i in range(_LOOKBACK_DAYS)
        )
    ).cte("end_days")
    # A scalar lookup per session, not a join: SQLite put the days table outermost and read
    # the organisation's sessions once per day.
    late_from = (
        select(days.c.late_from)
        .where(col(SS.planned_end) >= days.c.lo, col(SS.planned_end) < days.c.hi)
        .correlate(SS)
        .scalar_subquery()
    )
    # The deadline is before `on` exactly for sessions ending before a day found in Python.
    past_due = col(SS.planned_end) < bindparam("past_due_before", type_=UTCDateTime())
    unsigned_row = or_(col(R.supervisor_signed_at).is_(None), col(R.supervisee_signed_at).is_(None))
    records: Subquery | None = None
    if grouped:
        # PostgreSQL: what the tests need of a session's records, aggregated once for the
        # council's sessions in the look-back and joined by session. As a correlated EXISTS per
        # test (each kind, late, unsigned) it probed the records four to six times a session:
        # 0.92 s against 0.25 s over England's councils at 0.1x once Lambeth's record kinds came
        # in. SQLite is the other way round (0.20 s with EXISTS, 0.34 s grouped): it keeps them.
        groups = sorted({ids for _, kinds in required for ids in kinds})
        SS2, S2 = aliased(SupervisionSession), aliased(Staff)
        records = (
            select(
                col(R.session_id).label("session_id"),
                func.max(col(R.written_at)).label("last_written"),
                func.max(case((unsigned_row, 1), else_=0)).label("unsigned"),
                *(
                    func.max(case((col(R.kind).in_(ids), 1), else_=0)).label(f"has_{n}")
                    for n, ids in enumerate(groups)
                ),
            )
            .join(SS2, col(SS2.id) == col(R.session_id))
            .join(S2, col(S2.id) == col(SS2.supervisor_id))
            .where(
                col(S2.organisation_id) == bindparam("org", type_=Integer),
                col(SS2.planned_start) >= bindparam("since", type_=UTCDateTime()),
                col(SS2.planned_end) < bindparam("until", type_=UTCDateTime()),
            )
            .group_by(col(R.session_id))
            .subquery("records")
        )

        def has(ids: tuple[str, ...]) -> ColumnElement[bool]:
            assert records is not None
            return func.coalesce(records.c[f"has_{groups.index(ids)}"], 0) == 1

        # A record written on or after the first late instant (none written: NULL, not late).
        written_late: ColumnElement[bool] = records.c.last_written >= late_from
        any_unsigned: ColumnElement[bool] = records.c.unsigned == 1
    else:

        def has_record(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
            found = select(col(R.id)).where(col(R.session_id) == col(SS.id), *conditions)
            return found.correlate(SS).exists()

        def has(ids: tuple[str, ...]) -> ColumnElement[bool]:
            return has_record(col(R.kind).in_(ids))

        written_late = has_record(col(R.written_at) >= late_from)
        any_unsigned = has_record(unsigned_row)

    # LAM 004:350,356: each kind the session's type calls for, missing past its deadline.
    missing = [
        and_(col(SS.type) == session_type, or_(*(~has(ids) for ids in kinds)))
        for session_type, kinds in required
        if kinds
    ]
    late = [and_(past_due, or_(*missing)), written_late]
    if both_sign:
        # DCC 000:103: both parties sign (each record); unsigned once the deadline has passed.
        late.append(and_(past_due, any_unsigned))
    columns: tuple[Any, ...] = (
        col(S.team_id),
        col(SS.id),
        col(SS.type),
        col(SS.supervisor_id),
        col(SS.planned_start),
        col(SS.planned_end),
        col(SS.rescheduled_from_id),
        col(SS.cancel_reason),
    )
    query = select(*columns).select_from(S).join(SS, col(SS.supervisor_id) == col(S.id))
    if records is not None:
        query = query.outerjoin(records, records.c.session_id == col(SS.id))
    return query.where(
        col(S.organisation_id) == bindparam("org", type_=Integer),
        col(S.team_id).is_not(None),
        or_(col(S.start_date).is_(None), col(S.start_date) <= bindparam("on", type_=Date)),
        or_(col(S.leaving_date).is_(None), col(S.leaving_date) >= bindparam("on", type_=Date)),
        col(SS.status) == SessionStatus.HELD.value,
        col(SS.type).in_(bindparam("types", expanding=True, type_=String)),
        # Started on a London day in the look-back (policy.digest.team_digest), held by `on`.
        col(SS.planned_start) >= bindparam("since", type_=UTCDateTime()),
        col(SS.planned_end) < bindparam("until", type_=UTCDateTime()),
        or_(*late),
    )


async def late_records_sql(
    connection: AsyncConnection, organisation_id: int, pack: Pack, on: date
) -> dict[int, tuple[RecordStatus, ...]]:
    """Per team, the records its in-post members supervised in the last 12 weeks that are late
    or unsigned past their deadline (policy.digest.team_digest), each kind of a session's
    records apart, in supervisor id, date and the pack's kind order. SQL finds the sessions;
    policy.recording.record_statuses then decides on each of their records."""
    A, R = SessionAttendee, SupervisionRecord
    rules = pack.recording
    deadlines = [k.deadline_working_days for k in rules.record_kinds]
    if None in deadlines:
        deadlines = [d for d in deadlines if d is not None]
    if not deadlines:
        return {}  # DCC 000:103 "as soon as possible": no date to be late against
    shortest = min(d for d in deadlines if d is not None)
    calendar = WorkingCalendar(pack.nation)
    zone = pack.zone
    first = on - RECORD_LOOKBACK
    params: dict[str, Any] = {
        "org": organisation_id,
        "on": on,
        "types": [t.value for t in rules.applies_to],
        "since": day_start(first, zone),
        "until": day_start(on + timedelta(days=1), zone),
        "past_due_before": day_start(
            least_at_least(lambda d: calendar.add_working_days(d, shortest), on), zone
        ),
    }
    for i in range(_LOOKBACK_DAYS):
        # Ends on `day`: held then (record_status reads the end's London date), so due then.
        day = first + timedelta(days=i)
        due = calendar.add_working_days(day, shortest)
        params |= {
            f"d{i}_lo": day_start(day, zone),
            f"d{i}_hi": day_start(day + timedelta(days=1), zone),
            f"d{i}_late": day_start(due + timedelta(days=1), zone),
        }
    grouped = connection.dialect.name == "postgresql"
    candidates = _late_statement(rules.both_parties_sign.value, _required(pack), grouped)
    rows = (await connection.execute(candidates, params)).all()
    if not rows:
        return {}
    ids = [r.id for r in rows]
    attendees: dict[int, list[int]] = defaultdict(list)
    for session_id, staff_id in (
        await connection.execute(
            select(col(A.session_id), col(A.staff_id)).where(col(A.session_id).in_(ids))
        )
    ).all():
        attendees[session_id].append(staff_id)
    records: dict[int, list[RecordFacts]] = defaultdict(list)
    for session_id, written, by_supervisor, by_supervisee, kind in (
        await connection.execute(
            select(
                col(R.session_id), col(R.written_at), col(R.supervisor_signed_at),
                col(R.supervisee_signed_at), col(R.kind),
            ).where(col(R.session_id).in_(ids)).order_by(col(R.id))
        )
    ).all():  # fmt: skip
        records[session_id].append(RecordFacts(written, by_supervisor, by_supervisee, kind=kind))
    found: list[tuple[int, date, int, int, RecordStatus]] = []
    for r in rows:
        session = SessionFacts(
            id=r.id,
            type=SessionType(r.type),
            supervisor_id=r.supervisor_id,
            supervisee_ids=tuple(sorted(attendees[r.id])),
            start=r.planned_start,
            end=r.planned_end,
            status=SessionStatus.HELD,
            rescheduled_from_id=r.rescheduled_from_id,
            cancel_reason=CancelReason(r.cancel_reason) if r.cancel_reason else None,
            records=tuple(records[r.id]),
        )
        for order, status in enumerate(record_statuses(session, pack, calendar, on)):
            past_due = bool(status.unsigned_by) and status.due is not None and on > status.due
            if status.late or past_due:
                day = local_date(r.planned_start, pack.zone)
                found.append((r.team_id, day, r.id, order, status))
    by_team: dict[int, list[RecordStatus]] = defaultdict(list)
    for team_id, *_, status in sorted(found, key=lambda f: (f[4].supervisor_id, *f[1:4])):
        by_team[team_id].append(status)
    return {k: tuple(v) for k, v in by_team.items()}


async def caseload_counts_sql(
    connection: AsyncConnection,
    organisation_id: int,
    on: date,
    *,
    above: int | None = None,
    co_worked: bool = False,
) -> dict[int, int]:
    """Children in each person's lead allocations open on `on` (CAP003 003:24: a case is one
    child, so a sibling group counts each child); `above` keeps only counts over it;
    `co_worked` counts co-worked cases too (WSX/LUT 001:59-61: students co-work theirs)."""
    allocations = [AllocationRole.LEAD.value]
    if co_worked:
        allocations.append(AllocationRole.CO_WORKER.value)
    S, C, CA = Staff, Case, CaseAllocation
    total = func.sum(col(C.children))
    query = (
        select(col(CA.staff_id), total)
        .select_from(CA)
        .join(C, col(C.id) == col(CA.case_id))
        .join(S, col(S.id) == col(CA.staff_id))
        .where(
            col(S.organisation_id) == organisation_id,
            col(CA.role).in_(allocations),
            col(CA.start_date) <= on,
            or_(col(CA.end_date).is_(None), col(CA.end_date) > on),
            col(C.opened) <= on,
            or_(col(C.closed).is_(None), col(C.closed) > on),
        )
        .group_by(col(CA.staff_id))
    )
    if above is not None:
        query = query.having(total > above)
    return {int(k): int(v) for k, v in (await connection.execute(query)).all()}


async def caseload_history_sql(
    connection: AsyncConnection, staff_ids: Sequence[int]
) -> tuple[CaseloadPeriod, ...]:
    """Every allocation these people have held, lead or co-worker, as the days it counted
    towards their caseload (caseload_counts_sql: the allocation and its case both open), for
    policy.caps.over_cap_since (WSX/LUT 001:92)."""
    if not staff_ids:
        return ()
    C, CA = Case, CaseAllocation
    rows = (
        await connection.execute(
            select(
                col(CA.staff_id), col(CA.start_date), col(CA.end_date), col(C.opened),
                col(C.closed), col(C.children), col(CA.role),
            )
            .join(C, col(C.id) == col(CA.case_id))
            .where(col(CA.staff_id).in_(list(staff_ids)))
            .order_by(col(CA.staff_id), col(CA.id))
        )
    ).all()  # fmt: skip
    found = []
    for staff_id, start, end, opened, closed, children, role in rows:
        ends = [day for day in (end, closed) if day is not None]
        found.append(
            CaseloadPeriod(
                int(staff_id),
                max(start, opened),
                min(ends) if ends else None,
                int(children),
                AllocationRole(role) is AllocationRole.LEAD,
            )
        )
    return tuple(found)


async def cap_breaches_sql(
    connection: AsyncConnection, organisation_id: int, pack: Pack, on: date
) -> dict[int, tuple[CapBreach, ...]]:
    """Per team, its in-post members over their role's cap (policy.caps.cap_breaches). SQL
    returns only counts above the lowest cap of any role (any count when caps are pro rata or
    a share of the team's caseload, whose counts make that caseload);
    the policy then applies each person's own cap, approvals and escalation, the last from the
    caseload history of those over (WSX/LUT 001:92), read for them alone."""
    capped = {role: rule for role in StaffRole if (rule := pack.cap_for(role)) is not None}
    # A cap that is a share of the team's caseload (CAP003 003:36) needs the team's counts.
    policy = pack.count_caps()
    shared = policy is not None and policy.needs_team_caseload
    roles = set(capped) | (set(policy.roles) | policy.team_roles if policy and shared else set())
    if not roles:
        return {}
    every = pack.caseload.prorate_caps_by_fte or shared or not capped
    lowest = -1 if every else min(r.lowest for r in capped.values())  # RBWM: by experience
    co_worked = policy is not None and policy.count_co_worked
    counts = await caseload_counts_sql(
        connection, organisation_id, on, above=lowest, co_worked=co_worked
    )
    if not counts:
        return {}
    S, P = Staff, ApprovalRow
    people = [
        _staff_facts(r)
        for r in (
            await connection.execute(
                select(*_STAFF_COLUMNS).where(
                    col(S.id).in_(list(counts)),
                    col(S.team_id).is_not(None),
                    in_post(on),
                    col(S.role).in_([r.value for r in roles]),
                )
            )
        ).all()
    ]
    if not people:
        return {}
    approvals = [
        OverCapApproval(*row)
        for row in (
            await connection.execute(
                select(
                    col(P.staff_id), col(P.approver_id), col(P.reason), col(P.start_date),
                    col(P.max_end_date),
                ).where(col(P.staff_id).in_([p.id for p in people]))
            )
        ).all()
    ]  # fmt: skip
    by_id = {p.id: p for p in people}
    ordered = sorted((k, v) for k, v in counts.items() if k in by_id)
    over = [b.staff_id for b in cap_breaches(ordered, by_id, approvals, pack, on)]
    history = await caseload_history_sql(connection, over)
    by_team: dict[int, list[CapBreach]] = defaultdict(list)
    for breach in cap_breaches(ordered, by_id, approvals, pack, on, history):
        by_team[by_id[breach.staff_id].team_id].append(breach)
    return {k: tuple(v) for k, v in by_team.items()}


async def ratio_breaches_sql(
    connection: AsyncConnection, organisation_id: int, pack: Pack, on: date
) -> dict[int, tuple[RatioBreach, ...]]:
    """Per team, its in-post supervisors with more in-post supervisees than the pack's
    recommended maximum (LAM 3.2, 004:304), in supervisor id order."""
    rule = pack.supervision.ratio_max
    if rule is None:
        return {}
    S = Staff
    load = (
        select(col(S.line_manager_id).label("supervisor_id"), func.count().label("n"))
        .where(
            col(S.organisation_id) == organisation_id,
            col(S.line_manager_id).is_not(None),
            in_post(on),
        )
        .group_by(col(S.line_manager_id))
        .having(func.count() > rule.value)
        .subquery("load")
    )
    rows = (
        await connection.execute(
            select(col(S.team_id), load.c.supervisor_id, load.c.n)
            .join(load, load.c.supervisor_id == col(S.id))
            .where(
                col(S.organisation_id) == organisation_id,
                col(S.team_id).is_not(None),
                in_post(on),
            )
            .order_by(load.c.supervisor_id)
        )
    ).all()
    by_team: dict[int, list[RatioBreach]] = defaultdict(list)
    for team_id, supervisor_id, n in rows:
        by_team[team_id].append(RatioBreach(supervisor_id, n, rule.value, rule.source))
    return {k: tuple(v) for k, v in by_team.items()}


async def case_compliance_sql(
    connection: AsyncConnection,
    organisation_id: int,
    pack: Pack,
    on: date,
    *,
    items: bool = False,
) -> dict[int, CaseCompliance]:
    """Per team, open cases of its in-post members (each allocation, lead or co-worker) whose
    case supervision is in time on `on` (LAM 004:352 tracking), counted in SQL. `items` also
    lists the overdue ones as the policy's DueItems (one more statement, overdue rows only)."""
    rules = pack.case_supervision
    if rules is None:
        return {}
    S, C, CA = Staff, Case, CaseAllocation
    D, R, SS = RecordCaseDiscussion, SupervisionRecord, SupervisionSession
    calendar = WorkingCalendar(pack.nation)
    tomorrow = day_start(on + timedelta(days=1), pack.zone)
    not_overdue_from = first_not_overdue(on, pack.supervision.due_date_adjustment, calendar)

    open_here = and_(
        col(S.organisation_id) == organisation_id,
        in_post(on),
        col(CA.start_date) <= on,
        or_(col(CA.end_date).is_(None), col(CA.end_date) > on),
        col(C.opened) <= on,
        or_(col(C.closed).is_(None), col(C.closed) > on),
    )
    allocated = (
        select(col(CA.case_id))
        .join(C, col(C.id) == col(CA.case_id))
        .join(S, col(S.id) == col(CA.staff_id))
        .where(open_here)
    )
    # Per open case, once: the last held session that discussed it, and the last one of the
    # types that satisfy the rule up to `on` (a grouped join: correlated subqueries ran once
    # per reference to them on PostgreSQL).
    start = col(SS.planned_start)
    satisfies = and_(col(SS.type).in_([t.value for t in rules.satisfied_by]), start < tomorrow)
    discussed = (
        select(
            col(D.case_id).label("case_id"),
            func.max(start).label("any_kind"),
            func.max(case((satisfies, start))).label("satisfying"),
        )
        .join(R, col(R.id) == col(D.record_id))
        .join(SS, col(SS.id) == col(R.session_id))
        .where(col(SS.status) == SessionStatus.HELD.value, col(D.case_id).in_(allocated))
        .group_by(col(D.case_id))
        .subquery("discussed")
    )
    # SqlFacts: the last discussion of any type stands if it is not after `on`; otherwise the
    # last of the types that satisfy the rule up to `on` (policy.case_supervision.case_items).
    last = case(
        (discussed.c.any_kind < tomorrow, discussed.c.any_kind), else_=discussed.c.satisfying
    )
    nqsw: ColumnElement[bool] = col(S.role) == StaffRole.NQSW.value
    if pack.asye is not None:
        earliest = asye_from(on, pack.asye.duration_months)
        # Not NULL for staff without an ASYE start: the test is negated below.
        in_window = and_(col(S.asye_start) <= on, col(S.asye_start) >= earliest)
        nqsw = or_(nqsw, and_(col(S.asye_start).is_not(None), in_window))
    # Due = (last or opened) + the interval's weeks, overdue when before `not_overdue_from`:
    # the last day (or opening) must be before not_overdue_from - weeks.
    date_whens, time_whens = [], []
    categories = []
    for interval in rules.intervals:
        if interval.category in categories:
            continue  # case_due takes the first interval for a category
        categories.append(interval.category)
        override = rules.nqsw_override
        for when_nqsw in (True, False):
            weeks = interval.weeks
            if when_nqsw and override is not None and override.weeks < weeks:
                weeks = override.weeks  # LAM 004:265: the shorter applies to an NQSW
            cut = not_overdue_from - timedelta(weeks=weeks)
            test = and_(col(C.category) == interval.category.value, nqsw if when_nqsw else ~nqsw)
            date_whens.append((test, literal(cut, Date)))
            time_whens.append((test, literal(day_start(cut, pack.zone), UTCDateTime())))
    before = or_(
        and_(last.is_not(None), last < case(*time_whens)),
        and_(last.is_(None), col(C.opened) < case(*date_whens)),
    )
    # Issue 20 item 11: a case that changed category is on the new interval from the change
    # (policy.case_supervision.case_due: the later of the last discussion and the change).
    before = and_(
        before,
        or_(col(C.category_since).is_(None), col(C.category_since) < case(*date_whens)),
    )
    extension = rules.matched_stable_extension
    extended: ColumnElement[bool] = false()
    if extension is not None and extension.allowed:
        # LAM 3.1 (004:260): an agreed extension later than the due date replaces it.
        extended = and_(
            col(C.category).in_([c.value for c in extension.categories]),
            col(C.case_supervision_extension_until).is_not(None),  # negated: never NULL
            col(C.case_supervision_extension_until) >= not_overdue_from,
        )
    overdue = and_(before, ~extended)
    go_live = (
        await connection.execute(
            select(col(Organisation.go_live)).where(col(Organisation.id) == organisation_id)
        )
    ).scalar()
    if go_live is not None:
        # Issue 23 item 1 (policy.case_supervision.case_items, obligations._not_before): nothing
        # is due before go-live, and a child never discussed here counts from it.
        if go_live >= not_overdue_from:
            overdue = false()
        else:
            never_cut = case(*date_whens)
            overdue = and_(overdue, or_(last.is_not(None), literal(go_live, Date) < never_cut))
    team = func.coalesce(col(S.team_id), 0)
    base = (
        select(team.label("team_id"))
        .select_from(CA)
        .join(C, col(C.id) == col(CA.case_id))
        .join(S, col(S.id) == col(CA.staff_id))
        .outerjoin(discussed, discussed.c.case_id == col(C.id))
        .where(open_here, col(C.category).in_([c.value for c in categories]))
    )
    counted = base.add_columns(
        func.count().label("n"), func.sum(case((overdue, 1), else_=0)).label("late")
    ).group_by(team)
    figures = {
        int(t): (int(n), int(late or 0)) for t, n, late in (await connection.execute(counted)).all()
    }
    listed: dict[int, list] = defaultdict(list)  # type: ignore[type-arg]
    if items:
        rows = (
            await connection.execute(
                base.add_columns(
                    *_STAFF_COLUMNS[:1],
                    col(S.role),
                    col(S.asye_start),
                    col(C.reference),
                    col(C.category),
                    col(C.opened),
                    col(C.closed),
                    col(C.case_supervision_extension_until),
                    col(C.category_since),
                    last.label("last"),
                ).where(overdue)
            )
        ).all()
        empty = SessionIndex(())
        for r in rows:
            worker = StaffFacts(r.id, "", StaffRole(r.role), r.team_id, None, _NO_DATE,
                                asye_start=r.asye_start, known_from=go_live)  # fmt: skip
            facts = CaseFacts(
                r.reference, CaseCategory(r.category), r.id, r.opened, r.closed,
                local_date(r.last, pack.zone) if r.last is not None else None,
                r.case_supervision_extension_until, category_since=r.category_since,
            )  # fmt: skip
            listed[r.team_id] += case_items(
                worker, rules, [facts], empty, on, in_asye(worker, pack.asye, on),
                pack.supervision.due_date_adjustment, calendar,
            )  # fmt: skip
    return {
        team_id: CaseCompliance(
            n,
            n - late,
            tuple(sorted(listed[team_id], key=lambda i: (i.staff_id, i.case_reference or ""))),
        )
        for team_id, (n, late) in figures.items()
    }


async def first_held_by_team(
    connection: AsyncConnection, organisation_id: int, pack: Pack
) -> dict[int, date]:
    """Each team's first held supervision (of its members), the month its trend starts from:
    before it there was nothing to count (issue 21 item 8)."""
    start = func.min(col(SupervisionSession.planned_start))
    rows = await connection.execute(
        select(col(Staff.team_id), start)
        .join(SessionAttendee, col(SessionAttendee.session_id) == col(SupervisionSession.id))
        .join(Staff, col(Staff.id) == col(SessionAttendee.staff_id))
        .where(
            col(SupervisionSession.organisation_id) == organisation_id,
            col(SupervisionSession.status) == SessionStatus.HELD.value,
            col(Staff.team_id).is_not(None),
        )
        .group_by(col(Staff.team_id))
    )
    found = rows.all()
    return {
        # min() over a UTC column: SQLite may hand back a naive value
        int(team_id): local_date(first if first.tzinfo else first.replace(tzinfo=UTC), pack.zone)
        for team_id, first in found
        if first is not None and team_id is not None
    }
