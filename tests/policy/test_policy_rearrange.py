"""Cancelling and rearranging as policy (issue 20 item 16): DCC 000:93, POWYS 002:45."""

from __future__ import annotations

from datetime import date

import pytest
from policy_factories import at, away, held, staff

from policy.facts import AbsenceFacts
from policy.frequencies import DueItem
from policy.packs import builtin_pack
from policy.rearrange import (
    AWAY_DAYS,
    ChangeProblem,
    change_problems,
    session_timing,
    timing_warnings,
)
from policy.vocabulary import CancelReason, SessionStatus, SessionType

TODAY = date(2024, 2, 26)
R, P = CancelReason, ChangeProblem


@pytest.mark.parametrize(
    ("reason", "note", "new_day", "absences", "expected"),
    [
        # DCC 000:93: "If dates have to be changed, an early alternative date must be set."
        (R.SICKNESS, "", date(2024, 3, 1), [], ()),
        (R.SICKNESS, "", None, [], (P.NO_NEW_DATE,)),
        # "The reason for any interruption to or cancellation ... must be recorded."
        (None, "", date(2024, 3, 1), [], (P.NO_REASON,)),
        (R.OTHER, "  ", date(2024, 3, 1), [], (P.REASON_NOT_SAID,)),
        (R.OTHER, "training day", date(2024, 3, 1), [], ()),
        # No early date can be set for someone leaving, or away for the next two weeks.
        (R.LEAVING, "", None, [], ()),
        (R.SICKNESS, "", None, [away(1, date(2024, 2, 20), date(2024, 3, 11))], ()),
        (
            R.SICKNESS,
            "",
            None,
            [away(1, date(2024, 2, 27), date(2024, 3, 10))],  # back on the 14th day
            (P.NO_NEW_DATE,),
        ),
        # Two absences back to back cover the fortnight as one.
        (
            R.ANNUAL_LEAVE,
            "",
            None,
            [
                away(1, date(2024, 2, 27), date(2024, 3, 3)),
                away(1, date(2024, 3, 4), date(2024, 3, 12)),
            ],
            (),
        ),
    ],
)
def test_change_problems(
    reason: CancelReason | None,
    note: str,
    new_day: date | None,
    absences: list[AbsenceFacts],
    expected: tuple[ChangeProblem, ...],
) -> None:
    assert AWAY_DAYS == 14
    assert change_problems(reason, note, new_day, [1], absences, TODAY) == expected


def test_a_group_session_needs_a_date_unless_every_supervisee_is_away() -> None:
    one_away = [away(1, date(2024, 2, 1), date(2024, 3, 31))]
    both = [*one_away, away(2, date(2024, 2, 1), date(2024, 3, 31))]
    assert change_problems(R.SICKNESS, "", None, [1, 2], one_away, TODAY) == (P.NO_NEW_DATE,)
    assert change_problems(R.SICKNESS, "", None, [1, 2], both, TODAY) == ()


def _item(due: date) -> DueItem:
    return DueItem("one_to_one", "1:1 supervision", 1, due, 0, "000:300")


@pytest.mark.parametrize(
    ("day", "monthly", "late", "misses"),
    [
        (date(2024, 2, 29), True, None, None),  # on the due day: in time
        # POWYS 002:45: "rescheduled by just a few days" past the month: February's figure lost.
        (date(2024, 3, 1), True, 1, date(2024, 2, 1)),
        # A rule in weeks has a due date but no month cut-off.
        (date(2024, 3, 1), False, 1, None),
    ],
)
def test_timing_warnings(day: date, monthly: bool, late: int | None, misses: date | None) -> None:
    found = timing_warnings(day, [(_item(date(2024, 2, 29)), monthly)])
    if late is None:
        assert found == ()
        return
    (warning,) = found
    assert (warning.days_late, warning.misses_month, warning.day) == (late, misses, day)


def test_moving_a_session_past_the_month_end_misses_the_month() -> None:
    # Derbyshire 1:1 at least once per calendar month (000:300): last held 3 January; February's
    # session booked for the 27th is moved to 4 March: 4 days late, February's figure missed
    # (POWYS 002:45), even though by then February has closed (issue 20 item 12).
    pack = builtin_pack("derbyshire")
    person = staff()
    booked = held(date(2024, 2, 27), status=SessionStatus.BOOKED)
    sessions = [held(date(2024, 1, 3)), booked]
    moved = at(date(2024, 3, 4))
    found = session_timing(person, pack, sessions, [], [], SessionType.ONE_TO_ONE, moved, booked.id)
    assert [(w.item.kind, w.days_late, w.misses_month) for w in found] == [
        ("one_to_one", 4, date(2024, 2, 1))
    ]
    # Another session booked earlier in February goes ahead first: this one is not late.
    earlier = held(date(2024, 2, 20), status=SessionStatus.BOOKED)
    found = session_timing(
        person, pack, [*sessions, earlier], [], [], SessionType.ONE_TO_ONE, moved, booked.id
    )
    assert [w.item.kind for w in found if w.item.kind == "one_to_one"] == []


@pytest.mark.parametrize(
    ("session_day", "new_day", "others", "left"),
    [
        # DCC 000:176: cancelled with nothing else in March: March is missed.
        (date(2024, 3, 12), None, [], True),
        (date(2024, 3, 12), None, [date(2024, 2, 27), date(2024, 4, 2)], True),
        # Moved within March, or another session held or booked in March: not missed.
        (date(2024, 3, 12), date(2024, 3, 28), [], False),
        (date(2024, 3, 12), None, [date(2024, 3, 1)], False),
        # POWYS 002:45: moved "by just a few days" past the month's end, March is missed.
        (date(2024, 3, 28), date(2024, 4, 2), [], True),
    ],
)
def test_a_change_that_leaves_the_month_without_supervision(
    session_day: date, new_day: date | None, others: list[date], left: bool
) -> None:
    from policy.rearrange import month_left_unsupervised

    assert month_left_unsupervised(session_day, new_day, others) is left


def test_a_month_left_without_supervision_needs_its_follow_up_action() -> None:
    # DCC 000:176: "the reason for this and the follow up action should be explicitly recorded".
    later = date(2024, 4, 2)
    assert change_problems(R.SICKNESS, "", later, [1], [], TODAY, "  ") == (P.NO_FOLLOW_UP,)
    assert change_problems(R.SICKNESS, "", later, [1], [], TODAY, "Book 2 April") == ()
    assert change_problems(R.SICKNESS, "", later, [1], [], TODAY) == ()  # not asked
    assert change_problems(R.LEAVING, "", None, [1], [], TODAY, "") == ()  # nothing follows
