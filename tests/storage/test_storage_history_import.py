"""Go-live from an HR export (issue 23 item 1): staff in post since 2015 and their supervision
history imported from CSV show true due dates on day one, not "overdue by 4,251 days"."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from policy.packs import builtin_pack
from scheduling.obligations import Stats, refresh
from storage.db import session_factory
from storage.imports import import_file
from storage.models import Obligation, Organisation, Staff, SupervisionRecord, SupervisionSession

GO_LIVE = date(2026, 12, 7)  # a Monday

STAFF = """\
external_ref,name,email,role,team,line_manager_email,start_date
E1,Siân Ŵyn,sian.wyn@council.gov.uk,Team Manager,North,,2012-01-09
E2,Łukasz Żak,lukasz.zak@council.gov.uk,social worker,North,sian.wyn@council.gov.uk,2015-03-02
E3,Tomi Adéyemí,tomi.adeyemi@council.gov.uk,social worker,North,sian.wyn@council.gov.uk,2016-06-01
"""

CASES = """\
reference,category,opened,worker_email
C-2001,CP,2019-05-01,lukasz.zak@council.gov.uk
C-2002,CLA,2016-01-04,tomi.adeyemi@council.gov.uk
"""

# Łukasz was supervised a fortnight before go-live and C-2001 discussed; Tomi's last session on
# record is from March, and her child has no case supervision on record at all.
HISTORY = """\
supervisee_email,supervisor_email,date,type,minutes,record_written,supervisor_signed,supervisee_signed,case_references
lukasz.zak@council.gov.uk,sian.wyn@council.gov.uk,23/11/2026,professional,90,2026-11-24,2026-11-25,2026-11-26,C-2001
lukasz.zak@council.gov.uk,sian.wyn@council.gov.uk,2026-11-23,case management,60,2026-11-24,,,C-2001
tomi.adeyemi@council.gov.uk,sian.wyn@council.gov.uk,2026-03-02,professional,,,,,
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
async def council(engine: AsyncEngine, tmp_path: Path) -> int:
    async with session_factory(engine)() as session:
        org = Organisation(slug="north", name="North Council", pack_id="lambeth")
        session.add(org)
        await session.commit()
        assert org.id is not None
        org_id = org.id
    for kind, text in (("staff", STAFF), ("cases", CASES), ("history", HISTORY)):
        report = await import_file(
            engine,
            kind,
            write(tmp_path, f"{kind}.csv", text),
            "north",
            today=GO_LIVE,  # type: ignore[arg-type]
        )
        assert report.ok, report.errors
    return org_id


async def owed(
    engine: AsyncEngine, org_id: int, on: date
) -> dict[tuple[str, str], tuple[date | None, int]]:
    await refresh(engine, org_id, builtin_pack("lambeth"), on, Stats())
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(
                    Staff.email, Obligation.kind, Obligation.case_reference, Obligation.due
                ).join(Staff, Staff.id == Obligation.staff_id)
            )
        ).all()
    return {
        (email.split(".")[0], f"{kind}:{ref}" if ref else kind): (
            due,
            max(0, (on - due).days) if due else 0,
        )
        for email, kind, ref, due in rows
    }


async def test_day_one_without_go_live_is_years_overdue_and_with_it_is_true(
    engine: AsyncEngine, council: int
) -> None:
    # The morning: no go-live set, the 2015 start date is the clock.
    before = await owed(engine, council, GO_LIVE)
    assert max(days for _, days in before.values()) > 3000
    async with engine.begin() as connection:
        await connection.execute(
            update(Organisation).where(Organisation.id == council).values(go_live=GO_LIVE)
        )
    # The trigger marked everyone for recompute: the same day's figures are now true.
    after = await owed(engine, council, GO_LIVE)
    assert {k: v for k, v in after.items() if v[1]} == {}
    # Łukasz: professional supervision every 6 weeks (LAM 004:268) from his imported session,
    # and C-2001 (CP, every 4 weeks, 004:258) from its imported discussion.
    assert after["lukasz", "professional"][0] == date(2026, 11, 23) + timedelta(weeks=6)
    assert after["lukasz", "case_supervision:C-2001"][0] == date(2026, 11, 23) + timedelta(weeks=4)
    # Tomi's last session on record (March) makes her due on go-live day, late from tomorrow;
    # her child never discussed on record counts from go-live (CLA, every 8 weeks, 004:259).
    assert after["tomi", "professional"][0] == GO_LIVE
    assert after["tomi", "case_supervision:C-2002"][0] == GO_LIVE + timedelta(weeks=8)
    # Nothing is owed for the records of sessions held before go-live.
    assert not [k for k in after if k[1].startswith("record")]
    tomorrow = await owed(engine, council, GO_LIVE + timedelta(days=1))
    assert tomorrow["tomi", "professional"][1] == 1


async def test_history_import_is_idempotent_and_keeps_only_dates(
    engine: AsyncEngine, council: int, tmp_path: Path
) -> None:
    again = await import_file(
        engine, "history", write(tmp_path, "again.csv", HISTORY), "north", today=GO_LIVE
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3), again.errors
    async with session_factory(engine)() as session:
        sessions = (await session.exec(select(SupervisionSession))).all()
        records = (await session.exec(select(SupervisionRecord))).all()
    assert len(sessions) == 3
    assert {s[0].status for s in sessions} == {"held"}
    assert len(records) == 2  # the March session had no record dates and no children
    assert all(r[0].sections == {} for r in records)  # no record text is imported


async def test_bad_history_rows_are_named_and_nothing_is_imported(
    engine: AsyncEngine, council: int, tmp_path: Path
) -> None:
    bad = """\
supervisee_email,supervisor_email,date,type,record_written,case_references
lukasz.zak@council.gov.uk,sian.wyn@council.gov.uk,2026-10-05,chat,,
nobody@council.gov.uk,sian.wyn@council.gov.uk,2026-10-05,professional,,
lukasz.zak@council.gov.uk,sian.wyn@council.gov.uk,2027-01-05,professional,,
lukasz.zak@council.gov.uk,sian.wyn@council.gov.uk,2026-10-05,professional,2026-10-01,
tomi.adeyemi@council.gov.uk,sian.wyn@council.gov.uk,2026-10-06,professional,,C-9999
"""
    report = await import_file(
        engine, "history", write(tmp_path, "bad.csv", bad), "north", today=GO_LIVE
    )
    problems = {(e.line, e.column) for e in report.errors}
    assert (2, "type") in problems
    assert (4, "date") in problems  # in the future
    assert (5, "record_written") in problems  # before the session
    # Row checks stop before the database is read; fixed, the lookups report their own.
    fixed = (
        bad.replace(",chat,", ",professional,")
        .replace("2027-01-05", "2026-10-12")
        .replace("2026-10-05,professional,2026-10-01", "2026-10-19,professional,2026-10-20")
    )
    report = await import_file(
        engine, "history", write(tmp_path, "fixed.csv", fixed), "north", today=GO_LIVE
    )
    problems = {(e.line, e.column) for e in report.errors}
    assert problems == {(3, "supervisee_email"), (6, "case_references")}
    assert "import staff first" in str(report.errors[0])
    async with session_factory(engine)() as session:
        assert len((await session.exec(select(SupervisionSession))).all()) == 3
