"""Information governance from the command line: audit, retention with holds, subject access."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from cli_helpers import run
from pypdf import PdfReader


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("governance")
    assert run(folder, "demo").returncode == 0
    return folder


@pytest.fixture
def demo_dir(seeded: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo council (and its development record key) for each test."""
    shutil.copy(seeded / "cli.db", tmp_path / "cli.db")
    shutil.copytree(seeded / "data", tmp_path / "data")
    return tmp_path


def sql(folder: Path, statement: str, *params: object) -> list[tuple]:  # type: ignore[type-arg]
    with sqlite3.connect(folder / "cli.db") as connection:
        rows = connection.execute(statement, params).fetchall()
        connection.commit()
        return rows


def test_audit_lists_and_verifies_and_detects_tampering(demo_dir: Path) -> None:
    run(demo_dir, "export", "person", "sam.taylor@demoshire.example", "--output", str(demo_dir))
    run(demo_dir, "hold", "sam.taylor@demoshire.example", "on", "--reason", "tribunal")
    listed = run(demo_dir, "audit", "--verify")
    assert listed.returncode == 0, listed.stderr
    assert "system export subject access (about Sam Taylor)" in listed.stdout
    assert "system access_change legal hold (about Sam Taylor): tribunal" in listed.stdout
    assert "tribunal" in listed.stdout
    assert "intact." in listed.stdout
    sql(demo_dir, "UPDATE auditevent SET reason = 'nothing happened' WHERE action = 'export'")
    tampered = run(demo_dir, "audit", "--verify")
    assert tampered.returncode == 1
    assert "content changed after it was written" in tampered.stderr
    assert "TAMPERED" in tampered.stdout


def test_reading_a_persons_score_is_audited_and_listed_by_name(demo_dir: Path) -> None:
    """Issue 21 item 5: `score --person` read a caseload with no audit row, and the listing
    showed staff numbers where people look for names."""
    scored = run(demo_dir, "score", "--person", "Sam.Taylor@demoshire.example")
    assert scored.returncode == 0, scored.stderr
    [(actor, action, subject, target, reason)] = sql(
        demo_dir,
        "SELECT actor_id, action, subject_type, target_staff_id, reason FROM auditevent "
        "WHERE subject_type = 'caseload_score'",
    )
    [(sam,)] = sql(demo_dir, "SELECT id FROM staff WHERE name = 'Sam Taylor'")
    assert (actor, action, subject, target) == (None, "read", "caseload_score", sam)
    assert reason == "supervision-bot score --person"
    listed = run(demo_dir, "audit", "--last", "1")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.rstrip().endswith(
        "system read caseload score (about Sam Taylor): supervision-bot score --person"
    )
    assert f"staff {sam}" not in listed.stdout


def test_subject_access_export_has_everything_and_reads(demo_dir: Path) -> None:
    result = run(
        demo_dir, "export", "person", "sam.taylor@demoshire.example", "--output", str(demo_dir)
    )
    assert result.returncode == 0, result.stderr
    (staff_id,) = sql(
        demo_dir, "SELECT id FROM staff WHERE email = 'sam.taylor@demoshire.example'"
    )[0]
    data = json.loads((demo_dir / f"person-{staff_id}.json").read_text())
    assert data["person"]["name"] == "Sam Taylor"
    assert data["supervision_records"], "Sam's records are included"
    assert any("sections" in r for r in data["supervision_records"])
    assert all(a["case_reference"].startswith("C-") for a in data["case_allocations"])
    text = " ".join(
        p.extract_text() or "" for p in PdfReader(demo_dir / f"person-{staff_id}.pdf").pages
    )
    assert "information held about Sam Taylor" in " ".join(text.split())
    assert "Who looked at or changed your information" in " ".join(text.split())


def test_retention_dry_run_then_apply_keeps_legal_holds(demo_dir: Path) -> None:
    for name in ("Tom Evans", "Grace Lee"):
        sql(demo_dir, "UPDATE staff SET leaving_date = '2026-01-31' WHERE name = ?", name)
    run(demo_dir, "hold", "grace.lee@demoshire.example", "on", "--reason", "grievance")
    dry = run(demo_dir, "retention")
    assert dry.returncode == 0, dry.stderr
    assert "Tom Evans (left 2026-01-31" in dry.stdout
    assert "Grace Lee" in dry.stdout
    assert "LEGAL HOLD, kept" in dry.stdout
    assert "Dry run: nothing was changed" in dry.stdout
    (tom_id,) = sql(demo_dir, "SELECT id FROM staff WHERE name = 'Tom Evans'")[0]
    before = sql(demo_dir, "SELECT count(*) FROM sessionattendee WHERE staff_id = ?", tom_id)[0][0]
    assert before > 0
    applied = run(demo_dir, "retention", "--apply")
    assert "Erased 1 people's records" in applied.stdout
    assert sql(demo_dir, "SELECT name, email FROM staff WHERE id = ?", tom_id) == [
        (f"Former staff member {tom_id}", f"erased-{tom_id}@invalid")
    ]
    records = sql(
        demo_dir,
        "SELECT count(*) FROM supervisionrecord r "
        "JOIN sessionattendee a ON a.session_id = r.session_id WHERE a.staff_id = ?",
        tom_id,
    )[0][0]
    assert records == 0
    assert sql(demo_dir, "SELECT count(*) FROM staff WHERE name = 'Grace Lee'")[0][0] == 1
    again = run(demo_dir, "retention")
    assert "Tom Evans" not in again.stdout
