"""CSV imports: good files upsert, bad rows are reported precisely, and nothing is half-imported."""
# ruff: noqa: E501 - CSV rows read best unwrapped

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, func, select

from storage.db import session_factory
from storage.imports import ImportError_, import_file
from storage.models import (
    Absence,
    Case,
    CaseAllocation,
    CourseCompletion,
    Organisation,
    Staff,
    Team,
)

TODAY = date(2026, 11, 23)

STAFF = """\
external_ref,name,email,role,grade,fte,agency,team,service,line_manager_email,start_date,asye_start
E100,Priya Shah,Priya.Shah@council.gov.uk,Team Manager,Grade 12,1,no,Safeguarding North,Safeguarding,,2019-04-01,
E101,Tom Evans,tom.evans@council.gov.uk,social worker,Grade 11,0.6,no,Safeguarding North,Safeguarding,priya.shah@council.gov.uk,01/09/2021,
E102,Aled Rhys,aled.rhys@council.gov.uk,NQSW,Grade 10,1,no,Safeguarding North,Safeguarding,priya.shah@council.gov.uk,2026-09-01,2026-09-06
E103,Jo Bloggs,jo.bloggs@agency.co.uk,social_worker,,1,yes,Safeguarding North,Safeguarding,priya.shah@council.gov.uk,2026-06-01,
"""

CASES = """\
reference,category,children,opened,worker_email,co_worker_email,fact_court_stage,fact_travel_band
C-1042,CP,3,2026-05-01,tom.evans@council.gov.uk,,issued,2
C-1043,child in need,1,2026-08-12,aled.rhys@council.gov.uk,tom.evans@council.gov.uk,,
C-1044,CLA,1,2025-01-20,jo.bloggs@agency.co.uk,,,
"""

ABSENCES = """\
staff_email,kind,start_date,end_date,note
tom.evans@council.gov.uk,annual leave,2026-10-19,2026-10-30,
jo.bloggs@agency.co.uk,sick,2026-11-02,2026-11-06,
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
async def org(engine: AsyncEngine) -> str:
    async with session_factory(engine)() as session:
        session.add(Organisation(slug="north", name="North Council", pack_id="derbyshire"))
        await session.commit()
    return "north"


async def count(engine: AsyncEngine, model: type) -> int:
    async with session_factory(engine)() as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


async def load(engine: AsyncEngine, kind: str, path: Path, **kw: object):  # type: ignore[no-untyped-def]
    return await import_file(engine, kind, path, "north", today=TODAY, **kw)  # type: ignore[arg-type]


async def test_staff_import_creates_people_teams_and_managers(
    engine: AsyncEngine, org: str, tmp_path: Path
) -> None:
    report = await load(engine, "staff", write(tmp_path, "staff.csv", STAFF))
    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    async with session_factory(engine)() as session:
        people = {s.external_ref: s for s in (await session.exec(select(Staff))).all()}
        team = (await session.exec(select(Team))).one()
    assert people["E100"].email == "priya.shah@council.gov.uk"  # lower-cased join key
    assert people["E101"].line_manager_id == people["E100"].id
    assert people["E101"].start_date == date(2021, 9, 1)  # UK day-first date
    assert str(people["E101"].fte) == "0.6"
    assert people["E102"].role == "nqsw"
    assert people["E102"].asye_start == date(2026, 9, 6)
    assert people["E103"].agency is True
    assert team.name == "Safeguarding North"
    assert team.manager_id == people["E100"].id


async def test_rerunning_the_same_file_changes_nothing(
    engine: AsyncEngine, org: str, tmp_path: Path
) -> None:
    path = write(tmp_path, "staff.csv", STAFF)
    await load(engine, "staff", path)
    again = await load(engine, "staff", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert await count(engine, Staff) == 4
    changed = write(tmp_path, "staff2.csv", STAFF.replace("Grade 11,0.6", "Grade 11,0.8"))
    third = await load(engine, "staff", changed)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 3)


async def test_partly_bad_file_imports_nothing_and_names_each_problem(
    engine: AsyncEngine, org: str, tmp_path: Path
) -> None:
    bad = (
        STAFF.replace("Grade 11,0.6", "Grade 11,1.6").replace(
            "aled.rhys@council.gov.uk,NQSW", "aled.rhys-at-council,NQSW"
        )
        + "E104,Sam Lee,sam.lee@council.gov.uk,wizard,,,,,,,2026-01-01,\n"
    )
    path = write(tmp_path, "staff.csv", bad)
    report = await load(engine, "staff", path)
    assert not report.ok
    messages = [str(e) for e in report.errors]
    assert any(m.startswith(f"{path}:3: column 'fte', value '1.6'") for m in messages), messages
    assert any(f"{path}:4: column 'email'" in m and "not an email" in m for m in messages)
    assert any(
        f"{path}:6: column 'role', value 'wizard'" in m and "social_worker" in m for m in messages
    )
    assert "nothing was imported" in report.summary()
    assert await count(engine, Staff) == 0
    assert await count(engine, Team) == 0


async def test_missing_required_column_is_refused(
    engine: AsyncEngine, org: str, tmp_path: Path
) -> None:
    path = write(tmp_path, "staff.csv", "external_ref,name,role\nE1,A,social_worker\n")
    with pytest.raises(ImportError_, match=r"staff\.csv:1: required column\(s\) missing: email"):
        await load(engine, "staff", path)


async def test_child_name_column_refused_unless_mapped(
    engine: AsyncEngine, org: str, tmp_path: Path
) -> None:
    await load(engine, "staff", write(tmp_path, "staff.csv", STAFF))
    cases = (
        CASES.replace("reference,category", "reference,Child Name,category")
        .replace("C-1042,CP", "C-1042,Jane Doe,CP")
        .replace("C-1043,child", "C-1043,John Doe,child")
        .replace("C-1044,CLA", "C-1044,Amy Doe,CLA")
    )
    path = write(tmp_path, "cases.csv", cases)
    with pytest.raises(ImportError_, match="looks like a child's name"):
        await load(engine, "cases", path)
    assert await count(engine, Case) == 0
    dob = write(
        tmp_path, "dob.csv", "reference,category,opened,DOB\nC-1,cp,2026-01-01,2015-02-02\n"
    )
    with pytest.raises(ImportError_, match="'DOB' looks like a child's name or date of birth"):
        await load(engine, "cases", dob)
    report = await load(engine, "cases", path, mapping={"Child Name": "ignore"})
    assert report.ok, report.errors
    assert await count(engine, Case) == 3


async def test_cases_import_allocations_and_facts(
    engine: AsyncEngine, org: str, tmp_path: Path
) -> None:
    await load(engine, "staff", write(tmp_path, "staff.csv", STAFF))
    report = await load(engine, "cases", write(tmp_path, "cases.csv", CASES))
    assert report.ok, report.errors
    assert report.created == 3
    async with session_factory(engine)() as session:
        case = (await session.exec(select(Case).where(Case.reference == "C-1042"))).one()
        allocations = (
            await session.exec(select(CaseAllocation).order_by(col(CaseAllocation.id)))
        ).all()
    assert case.category == "cp"
    assert case.children == 3
    assert case.facts == {"court_stage": "issued", "travel_band": 2}
    assert len(allocations) == 4
    assert {a.role for a in allocations} == {"lead", "co_worker"}
    again = await load(engine, "cases", write(tmp_path, "cases.csv", CASES))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    moved = CASES.replace(
        "C-1044,CLA,1,2025-01-20,jo.bloggs@agency.co.uk",
        "C-1044,CLA,1,2025-01-20,tom.evans@council.gov.uk",
    )
    third = await load(engine, "cases", write(tmp_path, "cases.csv", moved))
    assert third.updated == 1
    async with session_factory(engine)() as session:
        open_for_1044 = (
            await session.exec(
                select(CaseAllocation)
                .join(Case, col(Case.id) == CaseAllocation.case_id)
                .where(Case.reference == "C-1044", col(CaseAllocation.end_date).is_(None))
            )
        ).all()
    assert len(open_for_1044) == 1


async def test_a_category_change_is_kept_with_the_day_it_took_effect(
    engine: AsyncEngine, org: str, tmp_path: Path
) -> None:
    # Issue 20 item 11: CIN to CP, CP to CIN, CIN to CLA each start the new category's case
    # supervision clock (LAM 004:257-262) no later than the change, so the change is kept.
    from storage.models import CaseCategoryChange

    await load(engine, "staff", write(tmp_path, "staff.csv", STAFF))
    assert (await load(engine, "cases", write(tmp_path, "cases.csv", CASES))).ok
    changed = CASES.replace(
        "reference,category,children,opened,",
        "reference,category,category_since,children,opened,",
    )
    changed = (
        changed.replace("C-1042,CP,3,", "C-1042,CIN,2026-11-20,3,")  # CP to CIN, on a given day
        .replace("C-1043,child in need,1,", "C-1043,CP,,1,")  # CIN to CP, day not given
        .replace("C-1044,CLA,1,", "C-1044,CLA,2026-11-01,1,")  # unchanged: nothing recorded
    )
    report = await load(engine, "cases", write(tmp_path, "cases.csv", changed))
    assert report.ok, report.errors
    assert report.updated == 2
    async with session_factory(engine)() as session:
        cases = {c.reference: c for c in (await session.exec(select(Case))).all()}
        history = (
            await session.exec(select(CaseCategoryChange).order_by(col(CaseCategoryChange.id)))
        ).all()
    assert (cases["C-1042"].category, cases["C-1042"].category_since) == ("cin", date(2026, 11, 20))
    assert (cases["C-1043"].category, cases["C-1043"].category_since) == ("cp", TODAY)
    assert cases["C-1044"].category_since is None
    assert [(h.case_id, h.previous, h.category, h.since) for h in history] == [
        (cases["C-1042"].id, "cp", "cin", date(2026, 11, 20)),
        (cases["C-1043"].id, "cin", "cp", TODAY),
    ]
    again = await load(engine, "cases", write(tmp_path, "cases.csv", changed))
    assert (again.updated, again.unchanged) == (0, 3)
    assert await count(engine, CaseCategoryChange) == 2
    # A day before the case opened, or in the future, is refused naming the cell; nothing is
    # imported.
    bad = changed.replace("C-1042,CIN,2026-11-20,", "C-1042,CLA,2026-04-01,").replace(
        "C-1043,CP,,", "C-1043,CLA,2026-12-25,"
    )
    refused = await load(engine, "cases", write(tmp_path, "cases.csv", bad))
    assert [(e.line, e.column, e.reason) for e in refused.errors] == [
        (2, "category_since", "is before opened"),
    ]
    future = changed.replace("C-1043,CP,,", "C-1043,CLA,2026-12-25,")
    refused = await load(engine, "cases", write(tmp_path, "cases.csv", future))
    assert [(e.line, e.column) for e in refused.errors] == [(3, "category_since")]
    assert "in the future" in refused.errors[0].reason
    assert await count(engine, CaseCategoryChange) == 2


async def test_cases_with_unknown_worker_import_nothing(
    engine: AsyncEngine, org: str, tmp_path: Path
) -> None:
    await load(engine, "staff", write(tmp_path, "staff.csv", STAFF))
    bad = CASES.replace("jo.bloggs@agency.co.uk", "nobody@council.gov.uk")
    report = await load(engine, "cases", write(tmp_path, "cases.csv", bad))
    assert [e.line for e in report.errors] == [4]
    assert report.errors[0].column == "worker_email"
    assert await count(engine, Case) == 0


async def test_absences_import_and_dry_run(engine: AsyncEngine, org: str, tmp_path: Path) -> None:
    await load(engine, "staff", write(tmp_path, "staff.csv", STAFF))
    path = write(tmp_path, "absences.csv", ABSENCES)
    dry = await load(engine, "absences", path, dry_run=True)
    assert dry.ok
    assert dry.created == 2
    assert "would be created" in dry.summary()
    assert await count(engine, Absence) == 0
    real = await load(engine, "absences", path)
    assert real.created == 2
    async with session_factory(engine)() as session:
        kinds = sorted(a.kind for a in (await session.exec(select(Absence))).all())
    assert kinds == ["annual_leave", "sickness"]
    backwards = write(
        tmp_path,
        "bad.csv",
        "staff_email,kind,start_date,end_date\nx@y.uk,sick,2026-02-10,2026-02-01\n",
    )
    report = await load(engine, "absences", backwards)
    assert [(e.line, e.column) for e in report.errors] == [(2, "end_date")]


async def test_malformed_csv_reports_instead_of_crashing(
    engine: AsyncEngine, org: str, tmp_path: Path
) -> None:
    empty = write(tmp_path, "empty.csv", "")
    with pytest.raises(ImportError_, match="empty"):
        await load(engine, "staff", empty)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x01garbage")
    with pytest.raises(ImportError_, match="header row cannot be read"):
        await load(engine, "staff", binary)
    with pytest.raises(ImportError_, match="cannot open"):
        await load(engine, "staff", tmp_path / "missing.csv")


async def use_pack(engine: AsyncEngine, pack_id: str) -> None:
    async with session_factory(engine)() as session:
        org = (await session.exec(select(Organisation))).one()
        org.pack_id = pack_id
        session.add(org)
        await session.commit()


def with_s47_course(staff: str, done: dict[str, str], column: str = "course_s47_enquiries") -> str:
    """The staff file with a course column: the day each person (by HR reference) completed it."""
    head, *rows = staff.splitlines()
    lines = [f"{head},{column}"]
    lines += [f"{row},{done.get(row.split(',')[0], '')}" for row in rows]
    return "\n".join(lines) + "\n"


async def test_an_nqsw_leading_a_section_47_enquiry_alone_is_refused(
    engine: AsyncEngine, org: str, tmp_path: Path
) -> None:
    # Issue 25 item 3, CAP003 003:64 (Lambeth borrows it): the row is refused with the clause,
    # nothing is imported; co-worked, it goes in with a note for the supervision agreement.
    await use_pack(engine, "lambeth")
    # Aled has done the Section 47 course (003:30, tested below): 003:64 alone is tested here.
    trained = with_s47_course(STAFF, {"E102": "2026-10-02"})
    assert (await load(engine, "staff", write(tmp_path, "staff.csv", trained))).ok
    alone = "reference,category,opened,worker_email,co_worker_email,fact_s47_start\nC-2001,CIN,2026-11-20,aled.rhys@council.gov.uk,,2026-11-20\n"
    report = await load(engine, "cases", write(tmp_path, "alone.csv", alone))
    assert not report.ok
    (error,) = report.errors
    assert (error.line, error.column) == (2, "worker_email")
    assert "newly qualified social workers must not lead it alone" in error.reason
    assert "Caseload Policy (CAP003)" in error.reason
    assert await count(engine, Case) == 0
    paired = alone.replace(",,2026-11-20", ",tom.evans@council.gov.uk,2026-11-20")
    report = await load(engine, "cases", write(tmp_path, "paired.csv", paired))
    assert report.ok, report.errors
    (note,) = report.notes
    assert "C-2001" in note
    assert "agreed in supervision and recorded" in note
    assert await count(engine, CaseAllocation) == 2


S47_ALONE = "reference,category,opened,worker_email,co_worker_email,fact_s47_start\nC-2101,CP,2026-11-20,{lead},{co},2026-11-20\n"


async def test_leading_a_section_47_enquiry_needs_the_course_recorded(
    engine: AsyncEngine, org: str, tmp_path: Path
) -> None:
    # CAP003 003:30 (Lambeth borrows it): "Before independently undertaking child protection
    # enquiries, social workers should have completed the 'Good Practice in Undertaking Section
    # 47 Enquiries' course". The staff import records who has (course_s47_enquiries, the day);
    # the case import refuses a lead without it, with the clause and how to record it.
    await use_pack(engine, "lambeth")
    staff = with_s47_course(STAFF, {"E101": "2025-03-02"})  # Tom has it; Jo does not
    report = await load(engine, "staff", write(tmp_path, "staff.csv", staff))
    assert report.ok, report.errors
    async with session_factory(engine)() as session:
        (done,) = (await session.exec(select(CourseCompletion))).all()
        tom = (await session.exec(select(Staff).where(Staff.external_ref == "E101"))).one()
    assert (done.staff_id, done.course, done.completed_on) == (
        tom.id,
        "s47_enquiries",
        date(2025, 3, 2),
    )
    jo_alone = S47_ALONE.format(lead="jo.bloggs@agency.co.uk", co="")
    report = await load(engine, "cases", write(tmp_path, "jo.csv", jo_alone))
    (error,) = report.errors
    assert (error.line, error.column, error.value) == (2, "worker_email", "jo.bloggs@agency.co.uk")
    assert "'Good Practice in Undertaking Section 47 Enquiries'" in error.reason
    assert "Caseload Policy (CAP003)" in error.reason
    assert "course_s47_enquiries" in error.reason
    assert await count(engine, Case) == 0
    # Co-worked it is not independent: it goes in. Tom alone goes in.
    paired = S47_ALONE.format(lead="jo.bloggs@agency.co.uk", co="tom.evans@council.gov.uk")
    assert (await load(engine, "cases", write(tmp_path, "paired.csv", paired))).ok
    tom_alone = S47_ALONE.format(lead="tom.evans@council.gov.uk", co="").replace("C-2101", "C-2102")
    assert (await load(engine, "cases", write(tmp_path, "tom.csv", tom_alone))).ok
    # Once Jo's course is recorded (a blank cell keeps Tom's), Jo may lead one alone.
    staff = with_s47_course(STAFF, {"E103": "21/11/2026"})
    assert (await load(engine, "staff", write(tmp_path, "staff2.csv", staff))).ok
    assert (await load(engine, "cases", write(tmp_path, "jo2.csv", jo_alone))).ok
    assert await count(engine, CourseCompletion) == 2


async def test_a_course_column_the_pack_does_not_name_or_a_future_day_is_refused(
    engine: AsyncEngine, org: str, tmp_path: Path
) -> None:
    # Derbyshire's pack names no course: a course column with a day in it is the row's error.
    report = await load(
        engine, "staff", write(tmp_path, "s.csv", with_s47_course(STAFF, {"E101": "2025-03-02"}))
    )
    (error,) = report.errors
    assert (error.line, error.column) == (3, "course_s47_enquiries")
    assert "your council's pack names no course 's47_enquiries'" in error.reason
    assert await count(engine, Staff) == 0  # nothing half-imported
    await use_pack(engine, "lambeth")
    wrong = with_s47_course(STAFF, {"E101": "2025-03-02"}, column="course_first_aid")
    (error,) = (await load(engine, "staff", write(tmp_path, "w.csv", wrong))).errors
    assert error.column == "course_first_aid"
    assert "course_s47_enquiries" in error.reason
    future = with_s47_course(STAFF, {"E101": "2026-12-01"})
    (error,) = (await load(engine, "staff", write(tmp_path, "f.csv", future))).errors
    assert (error.column, error.reason) == (
        "course_s47_enquiries",
        "is after today; give the day the course was completed",
    )
    bad = with_s47_course(STAFF, {"E101": "soon"})
    (error,) = (await load(engine, "staff", write(tmp_path, "b.csv", bad))).errors
    assert error.column == "course_s47_enquiries"
    assert await count(engine, CourseCompletion) == 0


SERVICE_MANAGER = "E104,Sara Quinn,sara.quinn@council.gov.uk,service manager,Grade 14,1,no,,Safeguarding,,2018-01-01,\n"


async def test_a_matched_cla_extension_is_entered_with_who_agreed_it(
    engine: AsyncEngine, org: str, tmp_path: Path
) -> None:
    # Issue 25 item 1, LAM 004:260: "extensions on minimum frequency can be agreed with Service
    # Manager" for matched, stable CLA placements. The import takes the end day and who agreed.
    await use_pack(engine, "lambeth")
    assert (await load(engine, "staff", write(tmp_path, "staff.csv", STAFF + SERVICE_MANAGER))).ok
    head = "reference,category,opened,worker_email,supervision_extension_until,extension_agreed_by_email\n"
    by_tm = (
        head
        + "C-3001,CLA,2025-01-20,tom.evans@council.gov.uk,2027-03-01,priya.shah@council.gov.uk\n"
    )
    report = await load(engine, "cases", write(tmp_path, "tm.csv", by_tm))
    (error,) = report.errors
    assert error.column == "extension_agreed_by_email"
    assert "agreed by the service manager" in error.reason
    assert "004:260" in error.reason
    cin = by_tm.replace("CLA", "CIN").replace("priya.shah", "sara.quinn")
    (error,) = (await load(engine, "cases", write(tmp_path, "cin.csv", cin))).errors
    assert (error.column, "only for cla cases" in error.reason) == (
        "supervision_extension_until",
        True,
    )
    good = by_tm.replace("priya.shah", "sara.quinn")
    report = await load(engine, "cases", write(tmp_path, "good.csv", good))
    assert report.ok, report.errors
    async with session_factory(engine)() as session:
        case = (await session.exec(select(Case))).one()
        manager = (await session.exec(select(Staff).where(Staff.external_ref == "E104"))).one()
    assert case.case_supervision_extension_until == date(2027, 3, 1)
    assert case.case_supervision_extension_by == manager.id
    # A council whose policy has no such extension refuses the column's value.
    await use_pack(engine, "derbyshire")
    (error,) = (await load(engine, "cases", write(tmp_path, "dcc.csv", good))).errors
    assert "allows no extension" in error.reason


async def test_a_new_line_manager_is_told_the_records_pass_to_them(
    engine: AsyncEngine, org: str, tmp_path: Path
) -> None:
    # Issue 25 item 5, DCC 000:105: "Where line management responsibilities change, supervision
    # records should be passed to the new line manager". The import that records the change
    # queues the new manager a message with the record numbers (no content), and notes it.
    from datetime import UTC, datetime

    from storage.models import OutboxMessage, SessionAttendee, SupervisionRecord, SupervisionSession

    assert (await load(engine, "staff", write(tmp_path, "staff.csv", STAFF + SERVICE_MANAGER))).ok
    async with session_factory(engine)() as session:
        people = {s.external_ref: s for s in (await session.exec(select(Staff))).all()}
        priya, tom = people["E100"], people["E101"]
        assert priya.id is not None
        assert tom.id is not None
        held = datetime(2026, 11, 2, 10, tzinfo=UTC)
        meeting = SupervisionSession(
            organisation_id=priya.organisation_id, type="one_to_one", supervisor_id=priya.id,
            planned_start=held, planned_end=held, status="held", ical_uid="t@x",
        )  # fmt: skip
        session.add(meeting)
        await session.flush()
        assert meeting.id is not None
        session.add(SessionAttendee(session_id=meeting.id, staff_id=tom.id))
        record = SupervisionRecord(
            session_id=meeting.id,
            template_id="t",
            sections={"a": "private"},
            written_by_id=priya.id,
        )
        session.add(record)
        await session.commit()
    moved = (STAFF + SERVICE_MANAGER).replace(
        "E101,Tom Evans,tom.evans@council.gov.uk,social worker,Grade 11,0.6,no,Safeguarding North,Safeguarding,priya.shah@council.gov.uk",
        "E101,Tom Evans,tom.evans@council.gov.uk,social worker,Grade 11,0.6,no,Safeguarding North,Safeguarding,sara.quinn@council.gov.uk",
    )
    assert moved != STAFF + SERVICE_MANAGER
    report = await load(engine, "staff", write(tmp_path, "moved.csv", moved))
    assert report.ok, report.errors
    (note,) = report.notes
    assert note.startswith(
        "Tom Evans: supervision records pass to the new line manager, Sara Quinn"
    )
    async with session_factory(engine)() as session:
        (message,) = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.kind == "handover"))
        ).all()
        quinn = (await session.exec(select(Staff).where(Staff.external_ref == "E104"))).one()
    assert message.target == f"staff:{quinn.id}"
    text = message.payload["replies"][0]["text"]
    assert f"1 record: {record.id}" in text
    assert "from Priya Shah" in text
    assert "private" not in text
    # Issue 27: with the handover summary, and the old manager asked to confirm it.
    summary = message.payload["replies"][1]
    assert summary["title"] == "Handover: Tom Evans"
    assert {f["label"]: f["value"] for f in summary["facts"]}["Last supervision record"] == (
        "Mon 2 Nov 2026, written by Priya Shah; the records now pass to you"
    )
    async with session_factory(engine)() as session:
        (ask,) = (
            await session.exec(
                select(OutboxMessage).where(OutboxMessage.kind == "handover_confirm")
            )
        ).all()
    assert ask.target == f"staff:{priya.id}"
    assert ask.payload["replies"][0]["actions"][0]["value"] == (
        f"start:handover:{tom.id}:{quinn.id}"
    )
    # Running the same file again changes no one's manager: nothing more is queued.
    assert (await load(engine, "staff", write(tmp_path, "moved.csv", moved))).notes == []


async def test_a_leaver_s_line_manager_gets_a_handover_summary_once(
    engine: AsyncEngine, org: str, tmp_path: Path
) -> None:
    # Issue 27: "when a worker leaves or changes manager, the new manager gets a handover
    # summary (open actions, children due case supervision, last record date and who holds it)".
    from storage.models import OutboxMessage

    header, *rows = STAFF.splitlines()
    assert (await load(engine, "staff", write(tmp_path, "staff.csv", STAFF))).ok
    leaving = [f"{header},leaving_date"] + [
        f"{row},2026-12-18" if row.startswith("E101,") else f"{row}," for row in rows
    ]
    report = await load(engine, "staff", write(tmp_path, "leaving.csv", "\n".join(leaving) + "\n"))
    assert report.ok, report.errors
    assert report.notes == [
        "Tom Evans leaves on Fri 18 Dec 2026: Priya Shah has a handover summary"
    ]
    async with session_factory(engine)() as session:
        (message,) = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.kind == "handover"))
        ).all()
        priya = (await session.exec(select(Staff).where(Staff.external_ref == "E100"))).one()
    assert message.target == f"staff:{priya.id}"
    (card,) = message.payload["replies"]
    assert card["title"] == "Handover: Tom Evans is leaving"
    facts = {f["label"]: f["value"] for f in card["facts"]}
    assert facts["Last day"] == "Fri 18 Dec 2026"
    assert facts["Last supervision record"] == "none written here"
    # The same file again sets nothing new: no second summary.
    again = await load(engine, "staff", write(tmp_path, "leaving.csv", "\n".join(leaving) + "\n"))
    assert again.notes == []
