"""Issue 25 item 6: RBWM 001:5056-5070, caseloads "in line with qualifications and experience":
"Newly qualified social workers: 8 - 10 cases; After first year of practice: 10 - 12 cases;
More than two years' practice: 12 - 15 cases". The benchmark shown depends on the worker's
years of practice (policy.caps.experience_cap), in the digest's breaches and the chat alike."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from policy_factories import staff

from dialogs.scores import score_person
from dialogs.views import StaffView
from policy.caps import cap_breaches, experience_cap
from policy.packs import PackError, builtin_pack, load_pack
from policy.packs.loader import BUILTIN_DIR
from scoring.vocabulary import StaffRole

RBWM = builtin_pack("rbwm")
SW = StaffRole.SOCIAL_WORKER
ON = date(2026, 11, 23)


def test_the_benchmark_follows_years_of_practice() -> None:
    rule = RBWM.cap_for(SW)
    assert rule is not None
    start = date(2024, 9, 1)
    assert experience_cap(rule, start, date(2025, 8, 31))[:2] == (
        10,
        "8-10 cases in the first year of practice",
    )
    assert experience_cap(rule, start, date(2025, 9, 2))[0] == 12  # after the first year
    assert experience_cap(rule, start, date(2026, 9, 1))[0] == 12  # two years: not "more than"
    assert experience_cap(rule, start, date(2026, 9, 2))[2] == "001:5070"
    assert experience_cap(rule, None, ON)[0] == 15  # nothing known: the rule's own figure


def test_thirteen_cases_are_over_for_a_second_year_worker_not_for_a_third_year_one() -> None:
    second = staff(1, SW, start=date(2025, 6, 1))
    third = staff(2, SW, start=date(2023, 6, 1))
    people = {1: second, 2: third}
    breaches = cap_breaches([(1, 13), (2, 13)], people, [], RBWM, ON)
    assert [(b.staff_id, b.cap) for b in breaches] == [(1, 12)]


def test_the_chat_shows_the_benchmark_for_the_workers_experience() -> None:
    person = StaffView(
        1, 1, "Sam Taylor", "sam@x.gov.uk", SW, start_date=date(2025, 6, 1), fte=Decimal(1)
    )
    result = score_person(person, [], (), 11, RBWM, None, ON)
    assert result.cap == 12
    assert result.caps is not None
    assert result.caps.benchmark == "10-12 cases after the first year of practice"


def test_steps_must_start_at_zero_and_ascend(tmp_path: Path) -> None:
    text = (BUILTIN_DIR / "rbwm.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "rbwm.yaml"
    broken.write_text(
        text.replace("{after_years: 0, max: 10", "{after_years: 3, max: 10", 1), encoding="utf-8"
    )
    with pytest.raises(PackError) as caught:
        load_pack(broken)
    assert "caseload.caps[1].experience" in str(caught.value)
    assert "start at after_years: 0" in str(caught.value)
