"""Go-live (issue 23 item 1): someone in post since 2015 is not years overdue on day one."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from policy_factories import case, held, staff

from policy.compliance import monthly_compliance
from policy.obligations import due_items, missed_supervision
from policy.packs import builtin_pack, builtin_pack_ids
from policy.vocabulary import SessionType
from scoring.vocabulary import CaseCategory, StaffRole

GO_LIVE = date(2026, 12, 7)
VETERAN = replace(staff(start=date(2015, 3, 2)), known_from=GO_LIVE)


@pytest.mark.parametrize("pack_id", builtin_pack_ids())
def test_nothing_is_overdue_on_go_live_day_without_history(pack_id: str) -> None:
    pack = builtin_pack(pack_id)
    cases = [
        case("C-1", CaseCategory.CP, date(2019, 5, 1)),
        case("C-2", CaseCategory.CLA, date(2016, 1, 4)),
    ]
    for person in (VETERAN, replace(VETERAN, role=StaffRole.TEAM_MANAGER)):
        items = due_items(person, pack, [], [], cases, GO_LIVE)
        assert items, pack_id
        late = [(i.kind, i.due, i.overdue_days) for i in items if i.overdue_days]
        assert late == [], pack_id
        # The clock starts at go-live: the rules are owed after it, not on it.
        periodic = [i for i in items if i.kind not in {"record", "record_signoff"}]
        assert all(i.due is not None and i.due >= GO_LIVE for i in periodic), items


def test_without_go_live_the_old_answer_stands() -> None:
    # The behaviour the issue reported, kept where no go-live is set (a council that started
    # with the product): 2015's start date is the anchor.
    items = due_items(
        replace(VETERAN, known_from=None), builtin_pack("lambeth"), [], [], [], GO_LIVE
    )
    assert max(i.overdue_days for i in items) > 4000


def test_imported_last_session_counts_and_is_never_due_before_go_live() -> None:
    pack = builtin_pack("lambeth")
    professional = SessionType.PROFESSIONAL
    # Supervised a week before go-live: the next is due from that session, as if recorded here.
    recent = [held(date(2026, 11, 30), professional)]
    fresh = [
        i for i in due_items(VETERAN, pack, recent, [], [], GO_LIVE) if i.kind == "professional"
    ]
    without = [i for i in due_items(VETERAN, pack, [], [], [], GO_LIVE) if i.kind == "professional"]
    assert fresh[0].due is not None
    assert without[0].due is not None
    assert fresh[0].due < without[0].due
    # Last supervised a year before go-live: due on go-live day, not "overdue by 300 days";
    # late from the next day on.
    old = [held(date(2025, 12, 1), professional, written=False, signed=False)]
    items = due_items(VETERAN, pack, old, [], [], GO_LIVE)
    mine = next(i for i in items if i.kind == "professional")
    assert (mine.due, mine.overdue_days) == (GO_LIVE, 0)
    # Its record is history: whether it was written on time was never ours to know.
    assert not [i for i in items if i.kind in {"record", "record_signoff"}]
    later = due_items(VETERAN, pack, old, [], [], date(2026, 12, 10))
    assert next(i for i in later if i.kind == "professional").overdue_days == 3


def test_months_before_go_live_are_not_missed_nor_counted() -> None:
    pack = builtin_pack("derbyshire")
    # December, the go-live month, closed without supervision: missed. The years before: unknown.
    missed = missed_supervision(VETERAN, pack, [], [], [], date(2027, 1, 15))
    assert {m.month for m in missed} == {date(2026, 12, 1)}
    before = missed_supervision(
        replace(VETERAN, known_from=None), pack, [], [], [], date(2027, 1, 15)
    )
    assert min(m.month for m in before) < date(2016, 1, 1)
    november = monthly_compliance([VETERAN], [], [], pack, 2026, 11)
    assert november.organisation.denominator == 0
    december = monthly_compliance([VETERAN], [], [], pack, 2026, 12)
    assert december.organisation.denominator == 1
