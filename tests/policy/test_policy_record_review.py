"""Issue 25 item 5: DCC 000:321-327, the manager selects service user records for review "with a
view to a rotation through the whole workload over time"; 000:125-135. policy.record_review."""

from __future__ import annotations

from datetime import date

from policy_factories import case, held

from policy.history import SessionIndex
from policy.packs import builtin_pack
from policy.record_review import records_for_review
from policy.vocabulary import SessionType
from scoring.vocabulary import CaseCategory

CIN = CaseCategory.CIN

DERBYSHIRE = builtin_pack("derbyshire")
CASES = [case(f"C-{n}", CIN, opened=date(2026, 1, 5)) for n in range(1, 7)]


def picks(sessions, on):  # type: ignore[no-untyped-def]
    index = SessionIndex(sessions, DERBYSHIRE.zone)
    return [p.reference for p in records_for_review(1, CASES, index, on, 2)]


def test_never_reviewed_first_then_the_longest_since() -> None:
    sessions = [
        held(date(2026, 9, 7), SessionType.ONE_TO_ONE, cases=("C-1", "C-2", "C-3", "C-4")),
        held(date(2026, 10, 5), SessionType.ONE_TO_ONE, cases=("C-1", "C-2", "C-5")),
    ]
    # C-6 was never discussed; then C-3 and C-4 (September) before anything from October.
    first = picks(sessions, date(2026, 11, 2))
    assert first[0] == "C-6"
    assert first[1] in {"C-3", "C-4"}


def test_over_the_months_the_rotation_covers_the_whole_workload() -> None:
    sessions: list = []
    seen: set[str] = set()
    for month in range(1, 4):
        day = date(2026, month, 12)
        chosen = picks(sessions, day)
        assert len(chosen) == 2
        seen |= set(chosen)
        sessions.append(held(day, SessionType.ONE_TO_ONE, cases=tuple(chosen)))
    assert seen == {c.reference for c in CASES}  # six cases, two a month: all in three months


def test_ties_are_not_always_the_same_references() -> None:
    # Nothing reviewed yet: which two come first depends on the month, not on the spelling.
    firsts = {tuple(picks([], date(2026, month, 2))) for month in range(1, 13)}
    assert len(firsts) > 3


def test_only_open_cases_of_that_worker() -> None:
    other = [
        case("C-9", CIN, worker=2, opened=date(2026, 1, 5)),
        case("C-8", CIN, opened=date(2026, 1, 5), closed=date(2026, 2, 1)),
    ]
    index = SessionIndex([], DERBYSHIRE.zone)
    assert records_for_review(1, other, index, date(2026, 3, 2), 2) == ()
