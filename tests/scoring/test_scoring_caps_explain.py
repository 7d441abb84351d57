"""Count-based caps beside the points (policy_rules §9-10), and the explanation of a score."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from scoring_helpers import D, case, run, workload

from scoring.caps import CountCapsError, builtin_count_caps, check_caps
from scoring.engine import score
from scoring.explain import summary, to_json_dict, to_table
from scoring.model import OverCapApproval, Workload
from scoring.schemes import builtin_scheme
from scoring.vocabulary import StaffRole

ON = date(2024, 11, 20)
CAP003 = builtin_count_caps("cap003")


def _children(n: int, **kwargs: object) -> tuple:  # type: ignore[type-arg]
    return tuple(case("cp", 1, reference=f"C-{i}", **kwargs) for i in range(n))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("role", "children", "cap", "over"),
    [
        ("social_worker", 22, 22, False),  # 003:68 normally at most 22
        ("social_worker", 23, 22, True),
        ("nqsw", 19, 18, True),  # 003:56 never more than 18
        ("consultant_social_worker", 8, 8, False),  # 003:77
        ("team_manager", 1, 0, True),  # 003:81
        ("iro", 60, None, False),  # CAP003 sets no number for IROs
    ],
)
def test_cap003(role: str, children: int, cap: int | None, over: bool) -> None:
    result = check_caps(CAP003, workload(*_children(children), role=role), ON)
    assert (result.count, result.cap, result.over_cap) == (children, cap, over)


def test_a_case_is_one_child_and_co_worked_cases_are_not_counted() -> None:
    # 003:24: a case is one child; co-worked cases count for the lead worker only (choice)
    held = workload(case("cp", 3), case("cin", 2, reference="C-2", allocation="co_worker"))
    assert check_caps(CAP003, held, ON).count == 3


def test_over_cap_approval_in_force() -> None:
    # 003:70-71: agreement before allocation, with a timescale to return to 22 or fewer
    base = workload(*_children(23))
    approved = Workload(
        base.role,
        cases=base.cases,
        over_cap_approvals=(OverCapApproval(date(2024, 11, 1), date(2024, 12, 31), "ops manager"),),
    )
    assert check_caps(CAP003, approved, ON).approval_in_force
    assert not check_caps(CAP003, approved, date(2025, 1, 1)).approval_in_force
    assert not check_caps(CAP003, base, ON).approval_in_force


def test_nqsw_benchmark_rises_from_half_to_ninety_percent() -> None:
    # 003:54: half the team caseload at the start, 90% by the end of the year; month 6 -> 70%
    nqsw = Workload(StaffRole.NQSW, asye_start=date(2024, 5, 20), team_caseload=Decimal(20))
    assert "month 6 of the ASYE: about 14.0 children" in check_caps(CAP003, nqsw, ON).benchmark


def test_student_at_most_half_the_team() -> None:
    # 003:36: not more than half the caseload of social workers in the host team
    student = Workload(StaffRole.STUDENT, team_caseload=Decimal(19))
    assert check_caps(CAP003, student, ON).cap == 9


def test_policies_are_selectable_by_id() -> None:
    assert builtin_count_caps("wsx_luton").roles[StaffRole.PRACTICE_MANAGER].cap == 0  # 001:49
    with pytest.raises(CountCapsError, match="no count-caps policy 'x'; known: cap003, wsx_luton"):
        builtin_count_caps("x")


def test_json_keeps_points_exact_and_traces_every_line() -> None:
    # NOTTS 001:1573: PQ module 7.5; 001:1612: 2 hours extra duties = 1 point
    result = run(
        "nottinghamshire_wlm",
        role="social_worker",
        personal=[("pq_module", "1"), ("extra_duties", "2")],
    )
    data = to_json_dict(result)
    assert data["total"] == "8.5"
    assert [line["points"] for line in data["personal"]] == ["7.5", "1"]
    assert data["personal"][0]["source"] == "001:1573-1576"
    assert data["band"]["name"] == "below_sustainable"


def test_part_time_band_edges_stay_exact() -> None:
    # NOTTS half a day (0.1 FTE): 9.5 / 11 / 11.1 (001:1400-1466)
    result = run("nottinghamshire_wlm", fte="0.1", personal=[("extra_duties", "21")])
    assert result.total == D("10.5")
    assert result.band is not None
    assert result.band.name == "demanding"
    assert to_json_dict(result)["band"]["lower"] == "9.5"
    assert to_json_dict(result)["band"]["upper"] == "11"


def test_explanation_lists_cases_changes_and_caps() -> None:
    c = case("cp", 2, dates={"assessment_start": date(2024, 10, 31)})
    result = score(workload(c, grade="10"), builtin_scheme("derbyshire_wms"), ON, CAP003)
    assert [ch.text for ch in result.changes] == ["assessment points for C-1042 end on 5 Dec"]
    assert summary(result).startswith("52 points under Derbyshire")
    table = to_table(result)
    assert "core_assessment" in table
    assert "2024-12-05" in table
    assert "Caseload: 2 children, cap 22 (cap003): within cap" in table
    assert "What changes next:" in table


def test_starts_are_announced() -> None:
    c = case("cp", 1, dates={"assessment_start": date(2024, 12, 2)})
    result = run("derbyshire_wms", c)
    assert [ch.text for ch in result.changes] == ["assessment points for C-1042 start on 2 Dec"]


def test_category_not_in_scheme_is_noted() -> None:
    result = run("derbyshire_wms", case("early_help", 2))
    assert result.total == 0
    assert result.notes == (
        "C-1042: category early_help is not scored by derbyshire_wms",
        "derbyshire_wms has no capacity band for role social_worker",
    )
