"""The ASYE schedule as Lambeth writes it (LAM 3.3, 004:268,317,319): the plan and the engine."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from policy_factories import held, staff

from policy.asye import AsyeStep, PlannedStep, asye_plan
from policy.calendar import WorkingCalendar, add_months
from policy.facts import SessionFacts, StaffFacts
from policy.frequencies import DueItem
from policy.obligations import due_items
from policy.packs import builtin_pack
from policy.vocabulary import SessionType
from scoring.vocabulary import StaffRole

P, REVIEW = SessionType.PROFESSIONAL, SessionType.ASYE_REVIEW
LAMBETH = builtin_pack("lambeth")


def nqsw(start: date) -> StaffFacts:
    return staff(role=StaffRole.NQSW, start=start, asye_start=start)


def owed(kind: str, person: StaffFacts, on: date, sessions: list[SessionFacts]) -> DueItem:
    return next(i for i in due_items(person, LAMBETH, sessions, [], [], on) if i.kind == kind)


def steps_from(start: date) -> tuple[PlannedStep, ...]:
    assert LAMBETH.asye is not None
    calendar = WorkingCalendar(LAMBETH.nation)
    return asye_plan(start, LAMBETH.asye, LAMBETH.supervision.due_date_adjustment, calendar)


def plan(start: date) -> list[tuple[AsyeStep, date]]:
    return [(s.step, s.due) for s in steps_from(start)]


# --- The engine, held to the clause -----------------------------------------------------------

MONDAY = date(2024, 9, 2)


def test_after_six_weekly_sessions_the_next_is_fortnightly() -> None:
    # LAM 004:317: "weekly for the first 6 weeks": six weekly sessions, then fortnightly. Six held
    # by 7 October (one on the first day) leave no seventh weekly session owed on the 14th.
    six = [held(MONDAY + timedelta(weeks=n), P) for n in range(6)]
    assert owed("asye_supervision", nqsw(MONDAY), date(2024, 10, 8), six).due == date(2024, 10, 21)


def test_fewer_than_six_weekly_sessions_in_the_first_weeks_stay_weekly() -> None:
    # LAM 004:317: five held in the first six weeks: the sixth is due a week after the fifth.
    five = [held(MONDAY + timedelta(weeks=n), P) for n in range(5)]
    assert owed("asye_supervision", nqsw(MONDAY), date(2024, 10, 1), five).due == date(2024, 10, 7)


THURSDAY = date(2024, 9, 5)  # its 6-month review falls on Wednesday 5 March 2025


def test_monthly_from_the_day_the_six_month_review_was_held_even_early() -> None:
    # LAM 004:268: "Progress to Monthly ... upon successful completion of probation and 6 months
    # ASYE review"; 004:317 "fortnightly up to the 6 month review and at least monthly
    # thereafter". Held two days early with the day's supervision, the next is a month on.
    sessions = [
        held(date(2025, 2, 17), P),
        held(date(2025, 3, 3), REVIEW),
        held(date(2025, 3, 3), P),
    ]
    due = owed("asye_supervision", nqsw(THURSDAY), date(2025, 3, 4), sessions).due
    assert due == date(2025, 4, 3)


def test_review_after_the_last_fortnightly_session_moves_the_next_to_monthly() -> None:
    # LAM 004:317: the fortnightly session that would fall after the review is monthly instead.
    sessions = [held(date(2025, 2, 24), P), held(date(2025, 3, 5), REVIEW)]
    due = owed("asye_supervision", nqsw(THURSDAY), date(2025, 3, 6), sessions).due
    assert due == date(2025, 3, 24)


def test_a_fortnightly_session_due_before_the_review_stays_due() -> None:
    # LAM 004:317: fortnightly "up to the 6 month review": one missed before it is still owed.
    sessions = [held(date(2025, 1, 20), P), held(date(2025, 3, 5), REVIEW)]
    due = owed("asye_supervision", nqsw(THURSDAY), date(2025, 3, 6), sessions).due
    assert due == date(2025, 2, 3)


def test_a_missing_three_month_review_does_not_make_the_six_month_review_the_first() -> None:
    # LAM 004:319: reviews at 3, 6 and 9 months, "the final review 11 months post starting":
    # a review is the one its date says. The 6-month review held, the next is the 9-month.
    sessions = [held(date(2025, 3, 5), REVIEW)]
    found = owed("asye_review", nqsw(THURSDAY), date(2025, 3, 10), sessions)
    assert (found.description, found.due) == ("ASYE 9-month review", date(2025, 6, 5))


def test_monthly_needs_the_six_month_review_by_its_date_not_by_count() -> None:
    # LAM 004:268: the 3-month review alone (however late) does not open monthly supervision.
    sessions = [held(date(2025, 1, 6), REVIEW), held(date(2025, 3, 17), P)]
    due = owed("asye_supervision", nqsw(THURSDAY), date(2025, 3, 18), sessions).due
    assert due == date(2025, 3, 31)


@pytest.mark.parametrize(
    ("clause", "held_on", "on", "expected"),
    [
        ("004:319 nothing held, 2 months in", [], date(2024, 11, 5), "ASYE 3-month review"),
        ("004:319 3-month review late", [], date(2025, 1, 10), "ASYE 3-month review"),
        # Past the 6-month review's window with neither held: the 6-month review is the one owed.
        ("004:319 3-month missed", [], date(2025, 3, 10), "ASYE 6-month review"),
        (
            "004:319 held late at 4 months",
            [date(2025, 1, 6)],
            date(2025, 1, 7),
            "ASYE 6-month review",
        ),
        (
            "004:319 final review",
            [date(2025, 6, 5)],
            date(2025, 6, 6),
            "ASYE final review (11 months)",
        ),
    ],
)
def test_which_review_is_owed(clause: str, held_on: list[date], on: date, expected: str) -> None:
    sessions = [held(day, REVIEW) for day in held_on]
    assert owed("asye_review", nqsw(THURSDAY), on, sessions).description == expected, clause


# --- The whole plan, from any start ------------------------------------------------------------


def test_plan_from_a_monday() -> None:
    # LAM 004:317,319: six weekly, fortnightly to the 6-month review, monthly after; four reviews.
    steps = plan(MONDAY)
    weekly = [d for s, d in steps if s is AsyeStep.WEEKLY]
    fortnightly = [d for s, d in steps if s is AsyeStep.FORTNIGHTLY]
    monthly = [d for s, d in steps if s is AsyeStep.MONTHLY]
    reviews = [d for s, d in steps if s is AsyeStep.REVIEW]
    assert weekly == [MONDAY + timedelta(weeks=n) for n in range(1, 7)]
    assert fortnightly[0] == date(2024, 10, 28)
    assert fortnightly[-1] == date(2025, 2, 17)
    assert all(b - a == timedelta(weeks=2) for a, b in itertools.pairwise(fortnightly))
    # 2 March 2025 is a Sunday: the review is due on Friday 28 February.
    assert reviews == [date(2024, 12, 2), date(2025, 2, 28), date(2025, 6, 2), date(2025, 8, 1)]
    assert monthly[0] == date(2025, 3, 17)
    assert monthly[-1] == date(2025, 8, 15)
    assert len(monthly) == 6
    assert [d for _, d in steps] == sorted(d for _, d in steps)


def test_plan_from_a_sunday_is_all_working_days() -> None:
    # A start on Sunday 1 September 2024: the first week's session is due by Friday 6 September.
    steps = plan(date(2024, 9, 1))
    calendar = WorkingCalendar(LAMBETH.nation)
    assert steps[0] == (AsyeStep.WEEKLY, date(2024, 9, 6))
    assert all(calendar.is_working_day(d) for _, d in steps)
    assert sum(s is AsyeStep.WEEKLY for s, _ in steps) == 6
    assert all(d < add_months(date(2024, 9, 1), 12) for _, d in steps)


def test_plan_labels_are_the_packs_words() -> None:
    assert LAMBETH.asye is not None
    steps = steps_from(MONDAY)
    labels = {s.label for s in steps}
    assert "ASYE 3-month review" in labels
    assert "ASYE final review (11 months)" in labels
    assert not any("_" in label for label in labels)


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=date(2023, 1, 1), max_value=date(2027, 12, 31)))
def test_the_engine_asks_for_each_planned_session_in_turn(start: date) -> None:
    # The plan is what the engine asks for when every session and review is held on its day:
    # held so, each planned supervision is the one due (LAM 004:317,319).
    person = nqsw(start)
    steps = steps_from(start)
    sessions: list[SessionFacts] = []
    for step in steps:
        if step.step is AsyeStep.REVIEW:
            sessions.append(held(step.due, REVIEW))
            continue
        assert owed("asye_supervision", person, step.due, sessions).due == step.due, step
        sessions.append(held(step.due, P))


def test_the_plan_is_the_packs_configuration() -> None:
    # What differs between councils is data: four weekly sessions, monthly from the 4th month
    # whether or not a review is held, reviews at 4 and 12 months.
    assert LAMBETH.asye is not None
    other = LAMBETH.asye.model_copy(
        update={
            "weekly_weeks": 4,
            "fortnightly_until_month": 4,
            "monthly_requires_review": False,
            "review_months": (4, 12),
        }
    )
    calendar = WorkingCalendar(LAMBETH.nation)
    steps = asye_plan(MONDAY, other, LAMBETH.supervision.due_date_adjustment, calendar)
    assert sum(s.step is AsyeStep.WEEKLY for s in steps) == 4
    reviews = [s.due for s in steps if s.step is AsyeStep.REVIEW]
    assert reviews == [date(2025, 1, 2), date(2025, 9, 2)]
    first_monthly = next(s.due for s in steps if s.step is AsyeStep.MONTHLY)
    assert add_months(MONDAY, 4) <= first_monthly < add_months(MONDAY, 5)


def test_the_stored_review_owed_is_recomputed_when_a_reviews_window_opens() -> None:
    # LAM 004:319: the review owed moves from the 3-month to the 6-month one on the day the
    # 6-month one's window opens (5 February for a 5 September start), with no fact changing.
    from policy.history import SessionIndex
    from policy.obligations import stable_until

    person, on = nqsw(THURSDAY), date(2025, 2, 1)
    index = SessionIndex([], LAMBETH.zone)
    assert stable_until(person, LAMBETH, index, [], [], on, date(2025, 12, 31)) == date(2025, 2, 5)
