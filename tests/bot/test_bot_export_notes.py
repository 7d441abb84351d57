"""`export decisions` marks notes exported only once written in full (issue 21 item 10)."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest
from cli_helpers import run, run_piped

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    assert run(tmp_path, "demo").returncode == 0
    return tmp_path


def exported(folder: Path) -> int:
    with sqlite3.connect(folder / "cli.db") as db:
        decisions = db.execute("SELECT count(*) FROM managerdecision WHERE exported_at IS NOT NULL")
        discussions = db.execute(
            "SELECT count(*) FROM recordcasediscussion WHERE exported_at IS NOT NULL"
        )
        return int(decisions.fetchone()[0]) + int(discussions.fetchone()[0])


def rows(file: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(file.read_text("utf-8-sig"))))


def test_piped_into_head_marks_nothing(demo: Path) -> None:
    """It marked everything exported though `head` showed two lines and dropped the rest."""
    result = run_piped(demo, "export", "decisions", into="head -n 2")
    assert len(result.stdout.splitlines()) == 2
    assert "not marked as exported" in result.stderr
    assert exported(demo) == 0
    marked = run_piped(demo, "export", "decisions", "--mark", into="cat > piped.csv")
    assert marked.returncode == 0, marked.stderr
    assert exported(demo) == len(rows(demo / "piped.csv")) > 0


def test_a_file_written_in_full_is_marked_and_can_be_sent_again(demo: Path) -> None:
    first = demo / "notes.csv"
    result = run(demo, "export", "decisions", "--output", str(first))
    assert result.returncode == 0, result.stderr
    assert f"to {first.resolve()}" in result.stderr
    count = len(rows(first))
    assert exported(demo) == count > 0
    assert "Nothing new to export" in run(demo, "export", "decisions").stderr
    # There was no way to export again: a lost file could not be re-sent.
    again = demo / "again.csv"
    resent = run(demo, "export", "decisions", "--again-since", "2000-01-01", "--output", str(again))
    assert again.exists(), resent.stderr
    assert len(rows(again)) == count


def test_dry_run_and_again_since_are_documented() -> None:
    text = README.read_text("utf-8")
    assert "--dry-run" in text.split("export decisions", 1)[1].split("\n", 1)[0]
    assert "--again-since" in text
