"""Issue 25 item 5: DCC 000:89, "More frequent supervision may be necessary during an employee's
first 6 months in employment": a pack rule (`first_months`) that holds only in someone's first
months in post. Derbyshire's pack sets it fortnightly (its choice: the policy gives no number)."""

from __future__ import annotations

from datetime import date

from policy_factories import held, staff

from policy.history import SessionIndex
from policy.obligations import due_items, stable_until
from policy.packs import builtin_pack
from policy.vocabulary import SessionType
from scoring.vocabulary import StaffRole

DERBYSHIRE, POWYS = builtin_pack("derbyshire"), builtin_pack("powys")
START = date(2026, 9, 1)
KIND = "first_months_supervision"


def owed(on: date, sessions=(), pack=DERBYSHIRE, role=StaffRole.SOCIAL_WORKER):  # type: ignore[no-untyped-def]
    person = staff(role=role, start=START)
    return {i.kind: i for i in due_items(person, pack, list(sessions), [], [], on)}


def test_a_new_starter_owes_fortnightly_supervision_beside_the_monthly_one() -> None:
    items = owed(date(2026, 9, 10))
    assert items[KIND].due == date(2026, 9, 15)  # two weeks from the start
    assert items[KIND].source == "000:89"
    assert "one_to_one" in items  # the monthly 1:1 (000:300) still stands


def test_each_session_moves_it_on_a_fortnight() -> None:
    session = held(date(2026, 9, 14), SessionType.ONE_TO_ONE)
    assert owed(date(2026, 9, 20), [session])[KIND].due == date(2026, 9, 28)


def test_it_ends_after_six_months_and_the_day_it_ends_is_a_recompute_day() -> None:
    assert KIND in owed(date(2027, 2, 28))
    assert KIND not in owed(date(2027, 3, 1))
    # Someone who started mid-month: nothing else changes on the day their six months end.
    person = staff(role=StaffRole.SOCIAL_WORKER, start=date(2026, 9, 15))
    index = SessionIndex([], DERBYSHIRE.zone)
    day = stable_until(person, DERBYSHIRE, index, [], [], date(2027, 3, 10), date(2027, 6, 1))
    assert day == date(2027, 3, 15)


def test_only_where_a_pack_says_so() -> None:
    assert KIND not in owed(date(2026, 9, 10), pack=POWYS)
