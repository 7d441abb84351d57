"""Policy packs: every built-in pack loads; bad packs fail naming file, key path and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy.packs import PackError, builtin_pack, builtin_pack_ids, load_pack, load_packs
from policy.packs.loader import BUILTIN_DIR
from policy.packs.rules import WEIGHTING_SCHEMES
from policy.vocabulary import Nation
from scoring.vocabulary import CaseCategory, StaffRole

EXPECTED = {"derbyshire", "lambeth", "nottinghamshire", "powys", "rbwm", "swindon", "warrington"}
TEMPLATE = BUILTIN_DIR / "_template.yaml"


def test_builtin_ids() -> None:
    assert set(builtin_pack_ids()) == EXPECTED


@pytest.mark.parametrize("pack_id", sorted(EXPECTED))
def test_every_builtin_pack_loads(pack_id: str) -> None:
    pack = builtin_pack(pack_id)
    assert pack.id == pack_id
    assert pack.timezone == "Europe/London"
    scheme = pack.caseload.weighting_scheme
    assert scheme is None or scheme.value in WEIGHTING_SCHEMES
    assert pack.supervision.frequencies


def test_load_packs_reads_the_directory() -> None:
    assert set(load_packs(BUILTIN_DIR)) == EXPECTED


def test_template_is_itself_a_valid_pack() -> None:
    assert load_pack(TEMPLATE).id == "new_council"


@pytest.mark.parametrize(
    ("pack_id", "scheme", "nation"),
    [
        ("derbyshire", "derbyshire_wms", Nation.ENGLAND),  # 000:399-591
        ("nottinghamshire", "nottinghamshire_wlm", Nation.ENGLAND),
        ("swindon", "swindon_cws", Nation.ENGLAND),
        ("rbwm", "rbwm_cws", Nation.ENGLAND),
        ("warrington", "warrington_wms_2014", Nation.ENGLAND),
        ("lambeth", None, Nation.ENGLAND),  # no scheme: count caps
        ("powys", None, Nation.WALES),  # Welsh bank holidays
    ],
)
def test_scheme_and_nation(pack_id: str, scheme: str | None, nation: Nation) -> None:
    pack = builtin_pack(pack_id)
    found = pack.caseload.weighting_scheme
    assert (found.value if found else None) == scheme
    assert pack.nation is nation


def test_lambeth_values_cite_their_clauses() -> None:
    pack = builtin_pack("lambeth")
    rules = pack.case_supervision
    assert rules is not None
    weeks = {i.category: (i.weeks, i.source) for i in rules.intervals}
    assert weeks[CaseCategory.CP] == (4, "004:258")  # LAM 3.1
    assert weeks[CaseCategory.CIN] == (6, "004:257")
    assert rules.nqsw_override is not None
    assert rules.nqsw_override.weeks == 4  # 004:265
    assert pack.recording.deadline_working_days is not None
    assert pack.recording.deadline_working_days.value == 2  # 004:350
    assert pack.recording.check_in_recorded.value is False  # 004:433
    assert pack.supervision.ratio_max is not None
    assert pack.supervision.ratio_max.value == 8
    assert pack.terms.manager_decision.value == "Case management oversight"  # 004:294
    assert pack.cap_for(StaffRole.SOCIAL_WORKER) is not None  # CAP003 default, basis default


def test_derbyshire_templates_and_terms() -> None:
    pack = builtin_pack("derbyshire")
    assert pack.terms.manager_decision.value == "Managers Decision"  # 000:184
    note = pack.template("record_of_supervision_discussion")
    assert note.sections[0].title == "General case update/recent concerns and positives"
    assert len(note.sections) == 4  # 000:155-160
    # 000:103 "during the supervision session or as soon as possible after it" (issue 20 item 5)
    assert pack.recording.deadline_working_days is not None
    assert pack.recording.deadline_working_days.value == 1
    assert pack.recording.deadline_working_days.source == "000:103"
    assert pack.retention.value == "length_of_employment"  # 000:105


def test_powys_compliance_is_its_own() -> None:
    pack = builtin_pack("powys")
    assert pack.compliance.target.percent == 90  # 002:24
    assert pack.compliance.target.basis == "own"
    assert pack.compliance.absence_exclusion is not None
    assert pack.compliance.absence_exclusion.days == 14  # 002:33


def test_default_packs_say_what_is_borrowed() -> None:
    for pack_id in ("nottinghamshire", "swindon", "rbwm", "warrington"):
        pack = builtin_pack(pack_id)
        assert pack.supervision.frequencies[0].basis == "default"
        assert pack.caseload.weighting_scheme is not None
        assert pack.caseload.weighting_scheme.basis == "own"
        assert "Defaults" in pack.provenance


def test_every_builtin_pack_states_its_choices() -> None:
    for pack_id in EXPECTED - {"lambeth", "powys"}:
        assert builtin_pack(pack_id).choices, pack_id


def _broken(tmp_path: Path, old: str, new: str, name: str = "broken.yaml") -> Path:
    text = TEMPLATE.read_text(encoding="utf-8")
    assert old in text, old
    target = tmp_path / name
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "key_path", "needle", "words"),
    [
        (
            "      interval: 6               # positive",
            "      intervall: 6",
            "supervision.frequencies[0].intervall",
            "intervall: 6",
            ["unknown key", "did you mean 'interval'"],
        ),
        (
            "      interval: 6               # positive",
            "      interval: -6",
            "supervision.frequencies[0].interval",
            "interval: -6",
            ["greater than 0", "-6"],
        ),
        (
            "      interval: 6               # positive",
            "      interval: six",
            "supervision.frequencies[0].interval",
            "interval: six",
            ["valid integer"],
        ),
        (
            "council: Example Borough Council\n",
            "",
            "council",
            "id: new_council",
            ["Field required", "Add this key"],
        ),
        (
            '{value: 2, source: "new:30"}',
            '{value: 2, source: "new:9999"}',
            "recording.deadline_working_days.source",
            "new:9999",
            ["has lines 1-400"],
        ),
        (
            '{value: 2, source: "new:30"}',
            '{value: 2, source: "page thirty"}',
            "recording.deadline_working_days.source",
            "page thirty",
            ["not a citation"],
        ),
        (
            '{value: 2, source: "new:30"}',
            '{value: 2, source: "999:30"}',
            "recording.deadline_working_days.source",
            "999:30",
            ["not listed under `documents`"],
        ),
        (
            "nation: england ",
            "nation: cornwall ",
            "nation",
            "nation: cornwall",
            ["england", "wales"],
        ),
        (
            "  weighting_scheme: null ",
            '  weighting_scheme: {value: kent_wms, source: "new:50"}',
            "caseload.weighting_scheme",
            "kent_wms",
            ["unknown weighting scheme"],
        ),
        (
            '    - {role: social_worker, max: 20, kind: hard, source: "new:51"}',
            '    - {role: social_worker, max: 20, kind: hard, source: "new:51"}\n'
            '    - {role: social_worker, max: 25, kind: hard, source: "new:51"}',
            "caseload.caps",
            "  caps:",
            ["social_worker is given more than one cap"],
        ),
        (
            "  caps_preset: null ",
            "  caps_preset: kent_caps ",
            "caseload.caps_preset",
            "kent_caps",
            ["unknown caps preset 'kent_caps'", "cap003, wsx_luton"],
        ),
    ],
)
def test_bad_pack_names_file_key_and_line(
    tmp_path: Path, old: str, new: str, key_path: str, needle: str, words: list[str]
) -> None:
    path = _broken(tmp_path, old, new)
    with pytest.raises(PackError) as caught:
        load_pack(path)
    message = str(caught.value)
    line = _line_of(path, needle)
    assert f"{path}:{line}: {key_path}:" in message, message
    for word in words:
        assert word in message, message


def test_a_pack_can_name_the_west_sussex_luton_caps(tmp_path: Path) -> None:
    # WSX/LUT 001:49: "Practice Managers and Group Managers should not carry a caseload".
    path = _broken(tmp_path, "  caps_preset: null ", "  caps_preset: wsx_luton ")
    pack = load_pack(path)
    cap = pack.cap_for(StaffRole.PRACTICE_MANAGER)
    assert cap is not None
    assert (cap.max, cap.source) == (0, "001:49")


def test_all_errors_in_a_file_are_reported(tmp_path: Path) -> None:
    path = _broken(tmp_path, "      interval: 6               # positive", "      interval: 0")
    path.write_text(
        path.read_text().replace("trend_periods: 12", "trend_period: 12"), encoding="utf-8"
    )
    with pytest.raises(PackError) as caught:
        load_pack(path)
    paths = {issue.path for issue in caught.value.issues}
    assert {"supervision.frequencies[0].interval", "digest.trend_period"} <= paths
    assert "2 problems" in str(caught.value)


def test_own_basis_must_cite_an_own_document(tmp_path: Path) -> None:
    path = _broken(
        tmp_path,
        'ratio_max: {value: 8, basis: default, source: "004:304"}',
        'ratio_max: {value: 8, source: "004:304"}',
    )
    with pytest.raises(PackError, match=r"supervision\.ratio_max: .*basis 'own'"):
        load_pack(path)


def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    path = _broken(
        tmp_path, "timezone: Europe/London\n", "timezone: Europe/London\ntimezone: UTC\n"
    )
    with pytest.raises(PackError, match="key given twice"):
        load_pack(path)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = _broken(tmp_path, "council: Example Borough Council", "council: [unclosed")
    with pytest.raises(PackError, match=r"broken\.yaml:\d+: \(top level\): not valid YAML"):
        load_pack(path)


def test_load_packs_checks_file_name_matches_id(tmp_path: Path) -> None:
    _broken(tmp_path, "id: new_council", "id: other_council", name="mismatch.yaml")
    with pytest.raises(PackError, match=r"mismatch\.yaml:\d+: id: id 'other_council' differs"):
        load_packs(tmp_path)


def test_unknown_builtin_pack() -> None:
    with pytest.raises(KeyError, match="no built-in policy pack"):
        builtin_pack("kent")
