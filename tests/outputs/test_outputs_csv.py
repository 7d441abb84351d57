"""CSV exports a council opens in Excel (issue 23 item 8): no formula runs from typed text, the
groups add up to the team's total, and the month so far is not a final "no"."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest

from dialogs.outputs.case_notes import CaseNote, notes_csv
from dialogs.outputs.figures import compliance_csv
from dialogs.outputs.spreadsheet import cell
from policy.calendar import LONDON
from policy.facts import SessionFacts, StaffFacts
from policy.packs import builtin_pack
from policy.vocabulary import SessionStatus, SessionType
from scoring.vocabulary import StaffRole


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        (
            '=HYPERLINK("http://evil.example","Click")',
            '\'=HYPERLINK("http://evil.example","Click")',
        ),
        ("-ve response from school", "'-ve response from school"),
        ("+44 1234 567890", "'+44 1234 567890"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("Siân Ŵyn", "Siân Ŵyn"),
        ("C-1042", "C-1042"),
    ],
)
def test_formula_looking_cells_are_neutralised(typed: str, written: str) -> None:
    assert cell(typed) == written


def test_case_notes_csv_guards_what_was_typed() -> None:
    note = CaseNote(
        case_reference="C-1042",
        note_type="Record of supervision discussion",
        note_date=date(2026, 12, 3),
        author="=cmd|' /C calc'!A0",
        headings=(("-ve response from school", "Chase the school nurse"),),
        source_id="discussion:1",
    )
    [row] = list(csv.DictReader(io.StringIO(notes_csv([note]).decode("utf-8-sig"))))
    assert row["author"] == "'=cmd|' /C calc'!A0"
    assert row["body"].startswith("'-ve response from school:")
    assert row["case_reference"] == "C-1042"


def test_groups_add_up_and_the_month_so_far_is_not_a_final_no() -> None:
    pack = builtin_pack("derbyshire")  # counts team managers and family support workers too
    start = date(2020, 1, 1)
    staff = [
        StaffFacts(1, "A", StaffRole.SOCIAL_WORKER, 7, 9, start),
        StaffFacts(2, "B", StaffRole.SOCIAL_WORKER, 7, 9, start, agency=True),
        StaffFacts(3, "C", StaffRole.FAMILY_SUPPORT_WORKER, 7, 9, start),
        StaffFacts(9, "D", StaffRole.TEAM_MANAGER, 7, None, start),
    ]
    november = datetime(2026, 11, 10, 10, tzinfo=LONDON)
    held = SessionFacts(
        1, SessionType.ONE_TO_ONE, 9, (1,), november, november + timedelta(hours=1),
        SessionStatus.HELD,
    )  # fmt: skip
    months = [(2026, 11), (2026, 12)]
    data = compliance_csv(pack, staff, [held], [], {7: "=Team North"}, months, date(2026, 12, 3))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert {r["team"] for r in rows} == {"'=Team North"}
    for period in ("2026-11", "2026-12"):
        mine = [r for r in rows if r["period"] == period]
        total = next(r for r in mine if r["group"] == "all")
        parts = [r for r in mine if r["group"] != "all"]
        assert {"qualified", "agency", "other"} <= {r["group"] for r in parts}
        for column in ("in_post", "excluded", "due", "supervised"):
            assert sum(int(r[column]) for r in parts) == int(total[column]), (period, column)
    december = [r for r in rows if r["period"] == "2026-12"]
    assert {r["status"] for r in december} == {"so far"}
    # 0% three days in: "so far", never a final "no" (blank where nobody is due in a group).
    assert "so far" in {r["meets_target"] for r in december}
    assert "no" not in {r["meets_target"] for r in december}
