"""Every item of the Swindon Caseload Weighting Scheme, with the clause behind each expectation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from scoring_helpers import D, case, item_points, personal_points, run, task

from scoring.schemes import builtin_scheme

S = "swindon_cws"
d = date
COURT = {"court_papers_start": d(2024, 11, 1)}

EXAMPLES = [
    ("cin_family_base", case("cin", 3), D(10)),  # 001:4586
    ("cin_family_base", case("cin", 3, flags=["supervision_order"]), None),
    # 001:4586: 4+ children may get +10, over 6 a further +10
    ("cin_large_family_uplift", case("cin", 3, flags=["large_family_uplift"]), D(0)),
    ("cin_large_family_uplift", case("cin", 4, flags=["large_family_uplift"]), D(10)),
    ("cin_large_family_uplift", case("cin", 6, flags=["large_family_uplift"]), D(10)),
    ("cin_large_family_uplift", case("cin", 7, flags=["large_family_uplift"]), D(20)),
    ("cin_large_family_uplift", case("cin", 7), None),
    ("supervision_order", case("cin", 2, flags=["supervision_order"]), D(10)),  # 001:4596
    ("lac_cp_child_base", case("cp", 2), D(20)),  # 001:4589
    ("lac_cp_child_base", case("cp", 5, flags=["siblings_seen_together"]), D(30)),
    ("lac_cp_child_base", case("cla", 5), D(50)),
    ("lac_standard", case("cla", 2), D(12)),  # 001:4599
    ("lac_standard", case("cp", 2), None),
    ("lac_complex", case("cla", 2, flags=["complex"]), D(8)),  # 001:4603
    ("lac_complex", case("cla", dates={"placement_start": d(2024, 11, 1)}), D(4)),
    ("lac_complex", case("cla", dates={"placement_start": d(2024, 9, 1)}), None),
    ("cp_standard", case("cp", 3), D(18)),  # 001:4607
    ("cp_complex", case("cp", 3, flags=["complex"]), D(12)),  # 001:4611
    ("cp_complex", case("cla", 3, flags=["complex"]), None),
    ("court_family", case("cla", flags=["in_proceedings"]), D(5)),  # 001:4615
    ("court_initial_papers", case("cla", flags=["in_proceedings"], dates=COURT), D(5)),
    ("court_initial_papers", case("cla", flags=["in_proceedings"]), None),
    # 001:4622: ~40 days; started 11 Oct, day 40 is 19 Nov: nothing on 20 Nov
    ("single_assessment", case("cla", 2, dates={"assessment_start": d(2024, 10, 12)}), D(20)),
    ("single_assessment", case("cla", 2, dates={"assessment_start": d(2024, 10, 11)}), None),
    ("single_assessment", case("cin", 5, dates={"assessment_start": d(2024, 11, 1)}), D(10)),
    ("s47_enquiry", case("cin", 2, dates={"s47_start": d(2024, 11, 1)}), D(10)),  # 001:4626
    ("pre_proceedings_plo", case("cp", 2, flags=["pre_proceedings"]), D(4)),  # 001:4630
    ("travel", case("cp", choices={"travel": "within_swindon"}), D(0)),  # 001:4634-4654
    ("travel", case("cp", choices={"travel": "neighbouring_area"}), D(4)),
    ("travel", case("cp", choices={"travel": "one_to_two_hours"}), D(6)),
    ("travel", case("cp", choices={"travel": "over_two_hours"}), D(10)),
    # 001:4658: 5 points, no more than three continuous months
    ("time_limited_task", case("cla", tasks=[task("time_limited_task", d(2024, 9, 1))]), D(5)),
    ("time_limited_task", case("cla", tasks=[task("time_limited_task", d(2024, 8, 1))]), None),
    ("supervised_contact", case("cla", tasks=[task("supervised_contact", d(2024, 11, 5))]), D(5)),
    # 001:4678: for one month, the month in which it is written
    ("cpr_annex_b", case("cp", tasks=[task("cpr_annex_b", d(2024, 11, 2))]), D(5)),
    ("cpr_annex_b", case("cp", tasks=[task("cpr_annex_b", d(2024, 10, 30))]), None),
    # 001:4682: no more than two continuous months
    (
        "parenting_assessment_specific_work",
        case("cin", 2, tasks=[task("parenting_assessment", d(2024, 9, 21))]),
        D(5),
    ),
    (
        "parenting_assessment_specific_work",
        case("cin", 2, tasks=[task("parenting_assessment", d(2024, 9, 20))]),
        None,
    ),
    # 001:4686: may attract an additional 5 only while actively worked
    (
        "s7_private_proceedings",
        case("cin", tasks=[task("s7_report", d(2024, 11, 1), None, "3")]),
        D(3),
    ),
]


@pytest.mark.parametrize(("item", "one_case", "expected"), EXAMPLES)
def test_item(item: str, one_case, expected: Decimal | None) -> None:  # type: ignore[no-untyped-def]
    assert item_points(S, one_case, item) == expected


def test_personal_elements() -> None:
    assert personal_points(S, "group_work_project", ("group_work_project", "1")) == D(10)  # 4817
    assert personal_points(
        S, "higher_specialist_psw_tasks", ("higher_specialist_psw_tasks", "1")
    ) == D(50)


def test_case_closure_keeps_points_for_the_closing_month_only() -> None:
    # 001:4693-4697: points remain for the month the case is to be closed, then are removed
    closing = case("cp", 2, dates={"closing": d(2024, 11, 28)})
    assert run(S, closing).total == D(32)
    line = run(S, closing).cases[0].lines[0]
    assert line.expires_on == d(2024, 12, 1)
    after = run(S, closing, on=d(2024, 12, 2))
    assert after.total == D(0)
    assert any("withdrawn" in note for note in after.notes)


def test_every_item_has_an_example() -> None:
    scheme = builtin_scheme(S)
    tested = {e[0] for e in EXAMPLES} | {"group_work_project", "higher_specialist_psw_tasks"}
    assert {i.id for i in scheme.items} | {p.id for p in scheme.personal} == tested
    assert scheme.closure is not None
    assert scheme.closure.id == "case_closure"


def test_bands_by_grade() -> None:
    # 001:4555-4559: new 300, more experienced 330-350, experienced / Higher Specialist 350-400
    assert run(S, role="nqsw").band.capacity == D(300)  # type: ignore[union-attr]
    assert run(S, grade="Basic").band.capacity == D(350)  # type: ignore[union-attr]
    assert run(S, grade="HSp", fte="0.5").band.capacity == D(200)  # type: ignore[union-attr]
    assert run(S, role="student").band is None
