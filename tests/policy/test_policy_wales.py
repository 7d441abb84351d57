"""Issue 25 item 7: Wales is not told England's ASYE. The early-career programme is a pack setting
naming whose it is; Powys's own answer (002) names none, so its pack sets none and says why."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from policy_factories import staff

from policy.asye import early_career_unset
from policy.obligations import due_items
from policy.packs import PackError, builtin_pack, load_pack
from policy.packs.loader import BUILTIN_DIR
from scoring.vocabulary import StaffRole

POWYS = builtin_pack("powys")


def test_powys_sets_no_english_programme_and_says_why() -> None:
    # POWYS 002:57-63 reports NQSWs apart but gives them no schedule; 002:20: every operational
    # member of staff has formal 1:1 supervision every month.
    assert POWYS.asye is None
    said = early_career_unset(POWYS)
    assert "ASYE" not in said
    assert "Lambeth" not in said
    assert "every month" in said
    assert "Powys County Council" in said  # the clause, as people can look it up


def test_a_powys_nqsw_owes_the_monthly_one_to_one_not_weekly_asye_supervision() -> None:
    # 002:20 "all operational staff ... formal 1:1 supervision every month".
    start = date(2024, 9, 2)
    person = staff(role=StaffRole.NQSW, start=start, asye_start=start)
    items = due_items(person, POWYS, [], [], [], date(2024, 9, 20))
    kinds = {item.kind: item for item in items}
    assert set(kinds) == {"one_to_one", "caseload_analysis"}  # no weekly ASYE supervision
    assert kinds["one_to_one"].due == date(2024, 9, 30)


def test_a_welsh_pack_with_englands_programme_is_refused_at_load(tmp_path: Path) -> None:
    # The template follows Lambeth's ASYE (England's programme); marked Welsh, it contradicts.
    text = (BUILTIN_DIR / "_template.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "new_council.yaml"
    broken.write_text(text.replace("nation: england ", "nation: wales ", 1), encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_pack(broken)
    message = str(caught.value)
    assert str(broken) in message
    assert "early-career programme is england's" in message
    assert "another nation's rules" in message


def test_a_welsh_programme_of_its_own_is_accepted(tmp_path: Path) -> None:
    text = (BUILTIN_DIR / "_template.yaml").read_text(encoding="utf-8")
    text = text.replace("nation: england ", "nation: wales ", 1)
    text = text.replace(
        "asye:                           # or null; Lambeth 3.3 shape\n",
        "asye:                           # or null; Lambeth 3.3 shape\n  nation: wales\n",
        1,
    )
    path = tmp_path / "new_council.yaml"
    path.write_text(text, encoding="utf-8")
    pack = load_pack(path)
    assert pack.asye is not None
    assert pack.asye.nation.value == "wales"
