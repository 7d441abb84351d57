"""Every item of Warrington's 2014 Workload Management Scheme, with the clause behind each."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from scoring_helpers import D, case, item_points, personal_points, run, task

from scoring.schemes import builtin_scheme

S = "warrington_wms_2014"
d = date
NOV = d(2024, 11, 5)

EXAMPLES = [
    # 001:5701: two points for each child apart from Child in Need families
    ("allocated_child_cp_cic", case("cp", 3), D(6)),
    ("allocated_child_cp_cic", case("private_fostering", 1), D(2)),
    ("allocated_child_cp_cic", case("cin", 3), None),
    ("allocated_fostering_household", case("fostering_household"), D(2)),
    # 001:5705-5713: CIN families 1-2 children 2, 3-6 children 3, 7+ children 4
    ("allocated_cin_family_1_2", case("cin", 2), D(2)),
    ("allocated_cin_family_1_2", case("cin", 3), None),
    ("allocated_cin_family_3_6", case("cin", 3), D(3)),
    ("allocated_cin_family_3_6", case("cin", 6), D(3)),
    ("allocated_cin_family_7_plus", case("cin", 7), D(4)),
    # 001:5717: +1 statutory point; not for Child in Need plans
    ("statutory_private_fostering", case("private_fostering"), D(1)),
    ("statutory_cp_plan", case("cp", 3), D(3)),
    ("statutory_cic", case("cla", 2), D(2)),
    ("statutory_cic", case("cin", 2), None),
    ("statutory_fostering_household", case("fostering_household"), D(1)),
    # 001:5720-5723: +1 in the month of allocation; CIN 1 / 2 / 3 by group size
    ("newly_allocated", case("cp", 2, dates={"allocated": NOV}), D(2)),
    ("newly_allocated", case("cin", 5, dates={"allocated": NOV}), D(2)),
    ("newly_allocated", case("cin", 8, dates={"allocated": NOV}), D(3)),
    ("newly_allocated", case("cp", 2, dates={"allocated": d(2024, 10, 31)}), None),
    # 001:5726-5736: the closure point in the closing month
    ("case_to_be_closed", case("cp", 2, dates={"closing": d(2024, 11, 29)}), D(2)),
    ("case_to_be_closed", case("cin", 2, dates={"closing": d(2024, 11, 29)}), D(1)),
    # 001:5931 table: 2 per child in the month of transfer (narrative says 1: choice)
    ("case_to_be_transferred", case("cp", 2, dates={"transfer": d(2024, 11, 30)}), D(4)),
    ("case_to_be_transferred", case("cin", 7, dates={"transfer": d(2024, 11, 30)}), D(3)),
    # 001:5746: 1, 2 or 3 extra points by risk / complexity of the task
    ("assessment_low", case("cla", tasks=[task("assessment_low", NOV)]), D(1)),
    ("assessment_medium", case("cla", tasks=[task("assessment_medium", NOV)]), D(2)),
    ("assessment_high", case("cp", tasks=[task("assessment_high", NOV, d(2024, 11, 30))]), D(3)),
    ("assessment_high", case("cp", tasks=[task("assessment_high", NOV, d(2024, 11, 19))]), None),
    # 001:5753: +1 in the month court attendance falls
    ("court_attendance_later_month", case("cla", tasks=[task("court_attendance", NOV)]), D(1)),
    (
        "court_attendance_later_month",
        case("cla", tasks=[task("court_attendance", d(2024, 10, 7))]),
        None,
    ),
    # 001:5756: child placed or foster family more than an hour away: +1
    ("travel_child_placed_far", case("cla", 2, flags=["over_one_hour_away"]), D(2)),
    ("travel_foster_family_far", case("fostering_household", flags=["over_one_hour_away"]), D(1)),
]

PERSONAL = [
    ("practice_teaching", "1", D(10)),  # 001:6177-6180
    ("pq_training", "1", D(10)),  # 001:6186-6189 (table; narrative 5: choice)
    ("long_arm_supervision", "1", D(5)),  # 001:6195-6198
    ("foster_panel", "1", D(5)),  # 001:6204-6207
    ("fostering_info_meeting", "2", D(10)),  # 001:6213-6216, per session
    ("skills_to_foster", "1", D(15)),  # 001:6222-6225
    ("abe_interviews", "3", D(6)),  # 001:6231-6237, per case (table 2; narrative 1: choice)
    ("mentoring_practice_managers", "1", D(5)),  # 001:5769
    ("group_work", "1", D(5)),  # 001:5772
]


@pytest.mark.parametrize(("item", "one_case", "expected"), EXAMPLES)
def test_item(item: str, one_case, expected: Decimal | None) -> None:  # type: ignore[no-untyped-def]
    assert item_points(S, one_case, item) == expected


@pytest.mark.parametrize(("item", "quantity", "expected"), PERSONAL)
def test_extra_responsibilities(item: str, quantity: str, expected: Decimal) -> None:
    assert personal_points(S, item, (item, quantity)) == expected


def test_stable_element_and_workload_weight() -> None:
    # 001:5672: 15 stable points for every worker; 001:5749: +1 per 10 case points accrued
    assert run(S).total == D(15)
    five_cp = case("cp", 5)  # 5 x 2 allocated + 5 x 1 statutory = 15 case points -> 1 more
    result = run(S, five_cp)
    weight = [line for line in result.personal if line.item_id == "workload_weight"]
    assert weight[0].points == D(1)
    assert result.total == D(15 + 1 + 15)
    seven_cp = case("cp", 7, reference="C-7")  # 21 more case points: 36 in all -> 3
    assert run(S, five_cp, seven_cp).total == D(36 + 3 + 15)


def test_closure_replaces_then_withdraws() -> None:
    # 001:5731: the closure point replaces any other points; 001:5736: not closed, all withdrawn
    closing = case("cp", 2, dates={"closing": d(2024, 11, 29)})
    assert [line.item_id for line in run(S, closing).cases[0].lines] == ["case_to_be_closed"]
    late = run(S, closing, on=d(2024, 12, 3))
    assert late.cases[0].points == D(0)
    assert late.total == D(15)


@pytest.mark.parametrize(
    ("role", "fte", "capacity"),
    [
        ("social_worker", "1", 100),
        ("nqsw", "1", 90),
        ("student", "1", 60),
        ("social_worker", "0.5", 50),
    ],
)
def test_capacity(role: str, fte: str, capacity: int) -> None:
    # 001:5648-5652: 100 for a full-time worker, 90 in the ASYE year, 60 for a student
    band = run(S, role=role, fte=fte).band
    assert band is not None
    assert band.capacity == D(capacity)


def test_every_item_has_an_example() -> None:
    scheme = builtin_scheme(S)
    assert {i.id for i in scheme.items} == {e[0] for e in EXAMPLES}
    assert {p.id for p in scheme.personal} == {p[0] for p in PERSONAL} | {"stable"}
    assert [x.id for x in scheme.derived] == ["workload_weight"]
