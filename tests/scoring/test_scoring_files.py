"""Bad scheme and workload files give one clear error naming the field and the problem."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bot.commands.score import register
from scoring.schemes import SchemeError, builtin_scheme, load_scheme, load_scheme_dir
from scoring.workload_file import WorkloadFileError, load_workload

SCHEMES = Path(__file__).resolve().parents[2] / "scoring" / "schemes"
GOOD_SCHEME = """\
scheme: my_council
name: My council
council: My council
source: "policy 1"
categories: [cin, cp]
facts:
  flags: {complex: "needs more input"}
  dates: {assessment_start: "assessment started"}
joint_working: {lead: 1, co_worker: 0.5}
items:
  - id: base
    name: base
    rule: "10 per child"
    source: "policy 2.1"
    award: {unit: per_child, points: 10}
  - id: assessment
    name: assessment
    rule: "5 for 20 days"
    source: "policy 2.2"
    active_if: {from: assessment_start, days: 20}
    award: {unit: per_case, points: 5}
capacity:
  profiles:
    - {id: all, label: all, capacity: 100, source: "policy 3", bands: [{name: ok, label: ok}]}
"""
WORKLOAD = {
    "role": "social_worker",
    "fte": 0.6,
    "cases": [
        {
            "reference": "C-1042",
            "category": "cp",
            "children": 2,
            "facts": {"complex": True, "assessment_start": "2024-11-01"},
        }
    ],
}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_council_adds_its_own_scheme_without_code(tmp_path: Path) -> None:
    _write(tmp_path, "my_council.yaml", GOOD_SCHEME)
    schemes = load_scheme_dir(tmp_path)
    assert list(schemes) == ["my_council"]
    assert schemes["my_council"].items[1].active_if[0].window.days == 20  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("points: 10}", "points: 1O}", "line 15: items[0].award.points: '1O' is not a number"),
        ("points: 10}", "pionts: 10}", "items[0].award.pionts: unknown key 'pionts'"),
        ("unit: per_child", "unit: per_kid", "items[0].award.unit: 'per_kid' is not known"),
        (
            "from: assessment_start",
            "from: assesment_start",
            "date 'assesment_start' is not declared",
        ),
        ("categories: [cin, cp]", "categories: [cin, cpp]", "categories[1]: 'cpp' is not known"),
        (
            "  - id: assessment",
            "  - id: base",
            "line 16: items[1]: the item id 'base' is used twice",
        ),
        ('    rule: "10 per child"\n', "", "items[0]: the required key 'rule' is missing"),
        ("scheme: my_council", "scheme: other", "must match the file name"),
        ("days: 20}", "days: -3}", "items[1].active_if.days: -3 is below the minimum of 1"),
        ("name: base\n", "name: base\n    flags: [compex]\n", "flag 'compex' is not declared"),
        (
            "{name: ok, label: ok}",
            "{name: ok, label: 'ok ({full time})'}",
            "braces in a band label mark points that scale with FTE",
        ),
    ],
)
def test_bad_scheme_files_name_the_key_and_line(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert old in GOOD_SCHEME
    path = _write(tmp_path, "my_council.yaml", GOOD_SCHEME.replace(old, new, 1))
    with pytest.raises(SchemeError) as caught:
        load_scheme(path)
    assert str(caught.value).startswith(str(path))
    assert expected in str(caught.value)


def test_not_yaml_at_all(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.yaml", "scheme: [unclosed\n")
    with pytest.raises(SchemeError, match="not valid YAML"):
        load_scheme(path)


def test_every_builtin_scheme_file_loads_and_cites_every_item() -> None:
    for path in sorted(SCHEMES.glob("*.yaml")):
        scheme = load_scheme(path)
        assert scheme.id == path.stem
        assert scheme.items == builtin_scheme(path.stem).items
        for item in scheme.items:
            assert item.rule, item.id
            assert item.source[:4] in ("000:", "001:"), (scheme.id, item.id, item.source)


def test_workload_json_and_yaml_load(tmp_path: Path) -> None:
    scheme = builtin_scheme("derbyshire_wms")
    from_json = load_workload(_write(tmp_path, "w.json", json.dumps(WORKLOAD)), scheme)
    yaml_text = (
        "role: social_worker\nfte: 0.6\ncases:\n  - {reference: C-1042, category: cp, children: 2,"
        "\n     facts: {complex: true, assessment_start: 2024-11-01}}\n"
    )
    from_yaml = load_workload(_write(tmp_path, "w.yaml", yaml_text), scheme)
    assert from_json == from_yaml
    assert str(from_json.fte) == "0.6"  # exact: not 0.59999...


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"role": "wizard"}, "role: 'wizard' is not known; expected one of: social_worker"),
        ({"fte": 1.5}, "fte: 1.5 is not an FTE"),
        ({"fte": "lots"}, "fte: 'lots' is not a number"),
        (
            {"cases": [{"reference": "Andrew Example", "category": "cp"}]},
            "cases[0].reference: 'Andrew Example' is not a case reference",
        ),
        (
            {"cases": [{"reference": "C-1", "category": "cp", "children": 0}]},
            "cases[0].children: 0 is below the minimum of 1",
        ),
        (
            {"cases": [{"reference": "C-1", "category": "cp", "facts": {"compelx": True}}]},
            "cases[0].facts.compelx: 'compelx' is not a flag of derbyshire_wms",
        ),
        (
            {"cases": [{"reference": "C-1", "category": "cp", "facts": {"travel": "far"}}]},
            "'far' is not an option of travel",
        ),
        (
            {
                "cases": [
                    {
                        "reference": "C-1",
                        "category": "cp",
                        "facts": {"assessment_start": "2024-13-01"},
                    }
                ]
            },
            "'2024-13-01' is not a date",
        ),
        (
            {
                "cases": [
                    {
                        "reference": "C-1",
                        "category": "cp",
                        "tasks": [{"kind": "specific_task", "start": "2024-11-01", "points": 12}],
                    }
                ]
            },
            "cases[0].tasks[0].points: 12: specific_task points are fixed or at most 10",
        ),
        (
            {
                "cases": [
                    {"reference": "C-1", "category": "cp"},
                    {"reference": "C-1", "category": "cin"},
                ]
            },
            "the case C-1 is listed twice",
        ),
        (
            {"personal": [{"id": "duty_days"}]},
            "personal[0].id: 'duty_days' is not a personal element",
        ),
        ({"extra": 1}, "unknown key 'extra'"),
    ],
)
def test_bad_workload_files_name_the_field(
    tmp_path: Path, change: dict[str, object], expected: str
) -> None:
    path = _write(tmp_path, "w.json", json.dumps({**WORKLOAD, **change}))
    with pytest.raises(WorkloadFileError) as caught:
        load_workload(path, builtin_scheme("derbyshire_wms"))
    assert expected in str(caught.value)
    assert str(caught.value).startswith(f"{path}: line ")


def test_invalid_json_is_reported_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "w.json", '{"role": "social_worker",\n "cases": [}\n')
    with pytest.raises(WorkloadFileError, match=r"line 2: not valid JSON"):
        load_workload(path)


def _cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="supervision-bot")
    register(parser.add_subparsers())
    args = parser.parse_args(["score", *argv])
    return int(args.handler(args))


def test_cli_prints_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "w.json", json.dumps(WORKLOAD))
    assert _cli("--scheme", "derbyshire_wms", str(path), "--on", "2024-11-20") == 0
    out = json.loads(capsys.readouterr().out)
    # 000:480,486,494,512: 2 x 10 base + 2 x 6 standard + 2 x 4 complex + 2 x 10 assessment
    assert out["total"] == "60"
    assert out["changes"][0]["text"] == "assessment points for C-1042 end on 6 Dec"
    assert out["caps"]["cap"] == 22


def test_cli_table_and_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    path = _write(tmp_path, "w.yaml", "role: nqsw\ncases: []\n")
    assert (
        _cli(
            "--scheme", "warrington_wms_2014", str(path), "--format", "table", "--on", "2024-11-20"
        )
        == 0
    )
    assert "15 points" in capsys.readouterr().out
    assert _cli("--scheme", "nope", str(path)) == 2
    assert "no built-in scheme 'nope'" in capsys.readouterr().err
    assert _cli("--scheme", "derbyshire_wms", str(path), "--on", "20/11/2024") == 2
    assert "is not a date" in capsys.readouterr().err
    assert _cli("--person", "a@example.org") == 2
    assert "run `supervision-bot init` first" in capsys.readouterr().err
    bad = _write(tmp_path, "bad.yaml", "role: nqsw\ncases: {}\n")
    assert _cli("--scheme", "derbyshire_wms", str(bad)) == 2
    err = capsys.readouterr().err
    assert "line 2: cases: expected a list" in err
    assert "Traceback" not in err


def test_cli_uses_a_council_scheme_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path, "my_council.yaml", GOOD_SCHEME)
    path = _write(tmp_path, "w.json", json.dumps(WORKLOAD))
    args = (
        "--scheme",
        "my_council",
        "--schemes-dir",
        str(tmp_path),
        str(path),
        "--on",
        "2024-11-20",
    )
    assert _cli(*args, "--caps", "none") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["total"] == "25"  # 2 x 10 + 5 while the 20-day assessment runs
    assert out["caps"] is None
