"""Property tests: holding sessions never adds lateness; denominators; working-day due dates."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from policy_factories import away, case, held, staff

from policy.calendar import WorkingCalendar
from policy.compliance import monthly_compliance
from policy.facts import AbsenceFacts, SessionFacts, StaffFacts
from policy.frequencies import DueItem
from policy.obligations import due_items
from policy.packs import builtin_pack
from policy.vocabulary import SessionType
from scoring.vocabulary import CaseCategory, StaffRole

PACKS = ("lambeth", "powys", "derbyshire", "rbwm")
TYPES = (
    SessionType.ONE_TO_ONE,
    SessionType.PROFESSIONAL,
    SessionType.CASE_MANAGEMENT,
    SessionType.REFLECTIVE_GROUP,
    SessionType.ASYE_REVIEW,
    SessionType.DIRECT_OBSERVATION,
    SessionType.AGREEMENT_REVIEW,
    SessionType.MY_PLAN,
    SessionType.CASELOAD_ANALYSIS,
)
START = date(2023, 6, 1)
days = st.dates(min_value=START, max_value=date(2025, 6, 30))
roles = st.sampled_from([StaffRole.SOCIAL_WORKER, StaffRole.NQSW, StaffRole.TEAM_MANAGER])


@st.composite
def sessions(draw: st.DrawFn) -> SessionFacts:
    cases = draw(st.lists(st.sampled_from(["A", "B"]), max_size=2, unique=True))
    return held(draw(days), draw(st.sampled_from(TYPES)), cases=tuple(cases))


@st.composite
def absences(draw: st.DrawFn) -> AbsenceFacts:
    start = draw(days)
    return away(1, start, start + timedelta(days=draw(st.integers(0, 40))))


@st.composite
def person(draw: st.DrawFn) -> StaffFacts:
    role = draw(roles)
    asye = draw(st.one_of(st.none(), days)) if role is StaffRole.NQSW else None
    return staff(role=role, start=START, asye_start=asye)


def _key(item: DueItem) -> tuple[str, str | None, int | None]:
    return (item.kind, item.case_reference, item.session_id)


CASES = [
    case("A", CaseCategory.CP, START, last=date(2023, 7, 1)),
    case("B", CaseCategory.CLA, START),
]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(PACKS),
    person(),
    st.lists(sessions(), max_size=8),
    st.lists(absences(), max_size=3),
    sessions(),
    days,
)
def test_a_held_session_never_makes_anything_more_overdue(
    pack_id: str,
    who: StaffFacts,
    before: list[SessionFacts],
    away_spans: list[AbsenceFacts],
    extra: SessionFacts,
    on: date,
) -> None:
    pack = builtin_pack(pack_id)
    old = due_items(who, pack, before, away_spans, CASES, on)
    new = due_items(who, pack, [*before, extra], away_spans, CASES, on)
    old_by_key = {_key(i): i.overdue_days for i in old}
    for item in new:
        if _key(item) in old_by_key:
            assert item.overdue_days <= old_by_key[_key(item)], (item, old)
    assert max((i.overdue_days for i in new), default=0) <= max(
        (i.overdue_days for i in old), default=0
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 20),
            days,
            st.one_of(st.none(), days),
        ),
        max_size=15,
    ),
    st.lists(st.tuples(st.integers(1, 20), days, st.integers(0, 60)), max_size=15),
    st.lists(st.tuples(days, st.lists(st.integers(1, 20), min_size=1, max_size=3)), max_size=15),
    st.integers(2023, 2025),
    st.integers(1, 12),
)
def test_excluding_absent_staff_never_takes_denominator_below_zero(
    people: list[tuple[int, date, date | None]],
    spans: list[tuple[int, date, int]],
    held_on: list[tuple[date, list[int]]],
    year: int,
    month: int,
) -> None:
    unique = {pid: (start, leave) for pid, start, leave in people}
    members = [
        staff(id=pid, start=start, leaving=leave if leave and leave >= start else None)
        for pid, (start, leave) in unique.items()
    ]
    gone = [away(pid, start, start + timedelta(days=n)) for pid, start, n in spans]
    gone = [AbsenceFacts(a.staff_id, a.kind, a.start, a.end) for a in gone]
    sessions_ = [held(day, supervisees=tuple(set(ids))) for day, ids in held_on]
    report = monthly_compliance(members, sessions_, gone, builtin_pack("powys"), year, month)
    for figure in (report.organisation, *report.by_team.values(), *report.by_group.values()):
        assert figure.denominator >= 0
        assert 0 <= figure.supervised <= figure.denominator
        assert figure.percent is None or 0 <= figure.percent <= 100


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(PACKS), person(), st.lists(sessions(), max_size=8), days)
def test_due_dates_fall_on_working_days(
    pack_id: str, who: StaffFacts, history: list[SessionFacts], on: date
) -> None:
    # Packs whose adjustment is previous_working_day, and record deadlines in working days.
    pack = builtin_pack(pack_id)
    unwritten = [held(s.start, s.type, supervisor=1, written=False) for s in history[:3]]
    calendar = WorkingCalendar(pack.nation)
    assert pack.supervision.due_date_adjustment.value == "previous_working_day"
    for item in due_items(who, pack, [*history, *unwritten], [], CASES, on):
        if item.due is not None:
            assert calendar.is_working_day(item.due), item
