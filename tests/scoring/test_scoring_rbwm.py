"""Every item of the RBWM caseload weighting scheme, with the clause behind each expectation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from scoring_helpers import D, case, item_points, run, task

from scoring.schemes import builtin_scheme

S = "rbwm_cws"
d = date

EXAMPLES = [
    ("cin_family_base", case("cin", 4), D(10)),  # 001:5232-5242
    ("cin_family_base", case("cp", 4), None),
    ("cic_standard", case("cla", 2), D(12)),  # 001:5426-5438
    ("cic_standard", case("care_leaver", 1), D(6)),
    ("cic_standard", case("fostering_household", 1), D(6)),  # foster carers (5426)
    ("cic_complex", case("cla", 2, flags=["complex"]), D(8)),  # 001:5442-5444
    ("cp_standard", case("cp", 2), D(12)),  # 001:5449-5459
    ("cp_complex", case("cp", 2, flags=["complex"]), D(8)),  # 001:5463-5467
    # 001:5472-5482: 35 days, per child (CP / CiC) or per family (CIN)
    ("single_assessment_child", case("cp", 3, dates={"assessment_start": d(2024, 11, 1)}), D(30)),
    ("single_assessment_child", case("cp", 3, dates={"assessment_start": d(2024, 10, 16)}), None),
    ("single_assessment_cin", case("cin", 3, dates={"assessment_start": d(2024, 11, 1)}), D(10)),
    (
        "s47_enquiry",
        case("cin", dates={"s47_start": d(2024, 11, 1), "conference": d(2024, 11, 21)}),
        D(10),
    ),
    ("court_pre_proceedings", case("cla", flags=["pre_proceedings"]), D(5)),  # 001:5498-5502
    ("court_pre_proceedings", case("cla", flags=["in_proceedings"]), D(5)),
    ("court_in_proceedings", case("cla", flags=["in_proceedings"]), D(3)),  # 001:5506
    ("court_complex", case("cla", flags=["complex_court"]), D(5)),  # 001:5510-5512
    ("court_directions_exceptional", case("cla", flags=["directions_exceptional"]), D(10)),
    ("court_final_hearing", case("cla", flags=["final_hearing"]), D(3)),  # 001:5522
    ("other_assessment", case("cin", tasks=[task("other_assessment", d(2024, 11, 1))]), D(10)),
    (
        "reports",
        case("cp", 2, tasks=[task("report", d(2024, 11, 1)), task("report", d(2024, 11, 1))]),
        D(20),
    ),
    ("fostering_activity", case("cla", tasks=[task("fostering_activity", d(2024, 1, 1))]), D(3)),
    ("travel", case("cp", choices={"travel": "within_rbwm"}), D(0)),  # 001:5555-5574
    ("travel", case("cp", choices={"travel": "local_under_one_hour"}), D(4)),
    ("travel", case("cp", choices={"travel": "one_to_two_hours"}), D(6)),
    ("travel", case("cp", choices={"travel": "over_two_hours"}), D(10)),
    # 001:5579-5585: no time limit stated, so a task started long ago still counts
    ("time_limited_task", case("cla", tasks=[task("time_limited_task", d(2023, 1, 1))]), D(5)),
    ("supervised_contact", case("cla", tasks=[task("supervised_contact", d(2024, 11, 1))]), D(5)),
]


@pytest.mark.parametrize(("item", "one_case", "expected"), EXAMPLES)
def test_item(item: str, one_case, expected: Decimal | None) -> None:  # type: ignore[no-untyped-def]
    assert item_points(S, one_case, item) == expected


def test_no_basic_weight_for_cic_or_cp_children() -> None:
    # RBWM has no 10-point CiC / CP base column: a stable CP child scores 6 (001:5449)
    assert run(S, case("cp", 1)).total == D(6)


def test_every_item_has_an_example() -> None:
    assert {i.id for i in builtin_scheme(S).items} == {e[0] for e in EXAMPLES}


def test_nqsw_band_is_220_to_250() -> None:
    # 001:5153-5171
    band = run(S, role="nqsw").band
    assert band is not None
    assert band.name == "below"
    assert band.upper == D(220)
    assert band.capacity == D(250)
