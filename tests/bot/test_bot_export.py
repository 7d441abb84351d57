"""Exports as an IT team or a team manager runs them: read back with pypdf and csv."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest
from cli_helpers import run
from pypdf import PdfReader


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("export")
    assert run(folder, "demo").returncode == 0
    return folder


def query(folder: Path, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    with sqlite3.connect(folder / "cli.db") as connection:
        return connection.execute(sql).fetchall()


def test_signed_record_exports_as_pdf_and_is_audited(demo_dir: Path) -> None:
    (record_id,) = query(
        demo_dir,
        "SELECT id FROM supervisionrecord WHERE supervisee_signed_at IS NOT NULL "
        "ORDER BY id LIMIT 1",
    )[0]
    out = demo_dir / "record.pdf"
    result = run(
        demo_dir,
        "export",
        "record",
        str(record_id),
        "--output",
        str(out),
        "--reason",
        "supervision file",
    )
    assert result.returncode == 0, result.stderr
    text = " ".join(" ".join(p.extract_text() or "" for p in PdfReader(out).pages).split())
    for heading in (
        "Review plan of action from previous meeting",
        "Cases discussed",
        "Decisions and rationale",
        "Actions",
        "Date and Time of Next Meeting",
        "Manager and employee signatures with dates",
    ):
        assert heading in text
    # Issue 21 item 9: the demo council's own name, not its pack's council (Derbyshire)
    assert text.startswith("Demoshire County Council (demo): Record of Supervision")
    assert "Derbyshire" not in text
    audit = query(
        demo_dir, "SELECT action, subject_id, reason FROM auditevent ORDER BY id DESC LIMIT 1"
    )
    assert audit == [("export", str(record_id), "supervision file")]


def test_unsigned_record_is_refused(demo_dir: Path) -> None:
    rows = query(
        demo_dir, "SELECT id FROM supervisionrecord WHERE supervisee_signed_at IS NULL LIMIT 1"
    )
    assert rows, "the demo has records waiting for a signature"
    result = run(demo_dir, "export", "record", str(rows[0][0]), "--output", str(demo_dir / "x.pdf"))
    assert result.returncode == 2
    assert "not signed by both parties yet" in result.stderr
    missing = run(demo_dir, "export", "record", "999999")
    assert "there is no supervision record 999999" in missing.stderr


def test_case_notes_export_once_then_nothing_new(demo_dir: Path) -> None:
    out = demo_dir / "notes.csv"
    dry = run(demo_dir, "export", "decisions", "--dry-run", "--output", str(out))
    assert dry.returncode == 0, dry.stderr
    first_rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    assert {r["note_type"] for r in first_rows} == {
        "Managers Decision",
        "Record of supervision discussion",
    }
    assert all(r["case_reference"].startswith("C-") for r in first_rows)
    real = run(demo_dir, "export", "decisions", "--output", str(out))
    assert len(list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))) == len(first_rows)
    again = run(
        demo_dir, "export", "decisions", "--format", "json", "--output", str(demo_dir / "n.json")
    )
    assert real.returncode == again.returncode == 0
    assert "Nothing new to export" in again.stderr


def test_record_pdf_default_file_is_named_in_full_and_git_ignored(demo_dir: Path) -> None:
    """Issue 21 item 9: `export record ID` wrote record-ID.pdf into the current folder without
    saying where; a repository checkout must not pick it up."""
    (record_id,) = query(
        demo_dir,
        "SELECT id FROM supervisionrecord WHERE supervisee_signed_at IS NOT NULL "
        "ORDER BY id LIMIT 1",
    )[0]
    result = run(demo_dir, "export", "record", str(record_id))
    assert result.returncode == 0, result.stderr
    written = demo_dir / f"record-{record_id}.pdf"
    assert written.exists()
    assert f"Wrote the record to {written.resolve()}" in result.stderr
    ignored = (Path(__file__).resolve().parents[2] / ".gitignore").read_text().splitlines()
    assert "record-*.pdf" in ignored


def test_compliance_csv_per_team_and_group(demo_dir: Path) -> None:
    out = demo_dir / "compliance.csv"
    result = run(demo_dir, "export", "compliance", "--months", "3", "--output", str(out))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    teams = {r["team"] for r in rows}
    assert teams == {"Safeguarding North", "Children in Care", "Assessment and Intervention"}
    assert len({r["period"] for r in rows}) == 3
    for row in rows:
        assert int(row["due"]) == int(row["in_post"]) - int(row["excluded"])
        assert int(row["supervised"]) <= int(row["due"])
        assert row["target"] == "100"  # Derbyshire: ALL staff monthly (000:174)
    groups = {r["group"] for r in rows}
    assert {"qualified", "newly_qualified", "agency", "all"} <= groups


def test_compliance_csv_marks_months_before_data_and_the_month_so_far(demo_dir: Path) -> None:
    """Issue 21 item 8: the demo has six months of supervision; a year's export showed 0% for
    the months before it (false failures) and the current month as a finished one."""
    out = demo_dir / "compliance-year.csv"
    result = run(demo_dir, "export", "compliance", "--months", "12", "--output", str(out))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    periods = sorted({r["period"] for r in rows})
    first, current = periods[0], periods[-1]
    before = [r for r in rows if r["period"] == first]
    assert {r["status"] for r in before} == {"no data"}
    assert {r["percent"] for r in before} == {""}
    assert {r["meets_target"] for r in before} == {""}
    assert {r["status"] for r in rows if r["period"] == current} == {"so far"}
    assert "complete" in {r["status"] for r in rows}


def test_each_kind_of_a_sessions_records_exports_under_its_own_name(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Issue 20 item 14 (LAM 004:350,356): under Lambeth, a case management session's record
    written before the kinds were listed is its case record; the minutes written for the same
    session are another record, exported as a file of their own."""
    folder = tmp_path_factory.mktemp("export-kinds")
    assert run(folder, "demo").returncode == 0
    (session_id, record_id) = query(
        folder,
        "SELECT r.session_id, r.id FROM supervisionrecord r "
        "WHERE r.supervisee_signed_at IS NOT NULL ORDER BY r.id LIMIT 1",
    )[0]
    with sqlite3.connect(folder / "cli.db") as connection:
        connection.execute("UPDATE organisation SET pack_id = 'lambeth'")
        connection.execute(
            "UPDATE supervisionsession SET type = 'case_management' WHERE id = ?", (session_id,)
        )
        connection.execute(
            "INSERT INTO supervisionrecord (session_id, kind, template_id, sections, "
            "written_by_id, written_at, supervisor_signed_at, supervisee_signed_at) "
            "SELECT session_id, 'professional_minutes', 'professional_supervision', '{}', "
            "written_by_id, written_at, supervisor_signed_at, supervisee_signed_at "
            "FROM supervisionrecord WHERE id = ?",
            (record_id,),
        )
    (minutes_id,) = query(
        folder,
        f"SELECT id FROM supervisionrecord WHERE session_id = {session_id} "
        "AND kind = 'professional_minutes'",
    )[0]
    titles = []
    for exported in (record_id, minutes_id):
        out = folder / f"{exported}.pdf"
        result = run(folder, "export", "record", str(exported), "--output", str(out))
        assert result.returncode == 0, result.stderr
        text = " ".join(" ".join(p.extract_text() or "" for p in PdfReader(out).pages).split())
        titles.append(text.split(" CONFIDENTIAL")[0])
    assert titles == [
        "Demoshire County Council (demo): Case record (Mosaic)",
        "Demoshire County Council (demo): Professional supervision minutes",
    ]


@pytest.fixture(scope="module")
def welsh_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo council, made Welsh: its pack is Powys's (default Cymraeg)."""
    folder = tmp_path_factory.mktemp("export-cy")
    assert run(folder, "demo").returncode == 0
    with sqlite3.connect(folder / "cli.db") as connection:
        connection.execute("UPDATE organisation SET pack_id = 'powys'")
    return folder


def test_a_welsh_councils_compliance_csv_has_welsh_headers(welsh_dir: Path) -> None:
    """Issue 28 item 2: a file from the command line is in the council's default language."""
    out = welsh_dir / "cydymffurfiaeth.csv"
    result = run(welsh_dir, "export", "compliance", "--months", "3", "--output", str(out))
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(out.read_text("utf-8-sig"))))
    assert rows[0][:3] == ["cyfnod", "tîm", "grŵp"], rows[0]
    assert "period" not in rows[0]
    assert {r[-1] for r in rows[1:]} <= {"heb ddata", "hyd yma", "cyflawn"}, rows[1]


def test_a_welsh_councils_case_notes_have_welsh_headings(welsh_dir: Path) -> None:
    out = welsh_dir / "nodiadau.csv"
    result = run(welsh_dir, "export", "decisions", "--dry-run", "--output", str(out))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    decisions = [r for r in rows if "Rhesymeg:" in r["body"]]
    assert decisions, rows[:1]
    assert all("Rationale:" not in r["body"] for r in rows)
