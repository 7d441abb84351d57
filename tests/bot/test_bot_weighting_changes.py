"""Issue 25 item 4: SWIN 001:4514, changes to the weightings "should not be made without the
express approval of the Head of Service". A council's own copy of swindon_cws (SCHEMES_DIR) is
refused at `init` with the file, the key and why, until it says who approved it and when."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from cli_helpers import run

import scoring.schemes
from policy.packs import builtin_pack
from policy.weightings import weighting_change_problem

SCHEMES = Path(scoring.schemes.__file__).parent


def test_the_rule_is_swindons_and_its_schemes_only() -> None:
    swindon, derbyshire = builtin_pack("swindon"), builtin_pack("derbyshire")
    today = date(2026, 12, 7)
    problem = weighting_change_problem(swindon, "swindon_cws", None, None, today)
    assert problem is not None
    assert "express approval of the Head of Service (001:4514)" in problem
    assert (
        weighting_change_problem(swindon, "swindon_cws", "J Doe", date(2026, 11, 1), today) is None
    )
    assert "in the future" in (
        weighting_change_problem(swindon, "swindon_cws", "J Doe", date(2027, 1, 1), today) or ""
    )
    assert weighting_change_problem(derbyshire, "derbyshire_wms", None, None, today) is None


def test_init_refuses_an_unapproved_change_to_swindons_weightings(tmp_path: Path) -> None:
    schemes = tmp_path / "schemes"
    schemes.mkdir()
    copy = schemes / "swindon_cws.yaml"
    copy.write_text((SCHEMES / "swindon_cws.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    env = {"SCHEMES_DIR": str(schemes)}
    args = ("init", "--org", "swindon", "--name", "Swindon Borough Council", "--pack", "swindon")
    refused = run(tmp_path, *args, env=env)
    assert refused.returncode != 0
    assert f"{copy}: approved: missing" in refused.stderr
    assert "Head of Service" in refused.stderr
    assert "Traceback" not in refused.stderr
    copy.write_text(
        copy.read_text(encoding="utf-8")
        + '\napproved: {by: "Jane Doe, Head of Service", on: 2026-11-02}\n',
        encoding="utf-8",
    )
    accepted = run(tmp_path, *args, env=env)
    assert accepted.returncode == 0, accepted.stderr
