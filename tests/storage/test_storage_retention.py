"""Retention and subject access against the database itself (run on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from policy.packs import builtin_pack
from storage import transcripts
from storage.db import session_factory
from storage.models import (
    Absence,
    Case,
    CaseAllocation,
    InformalSupervision,
    Organisation,
    SessionAttendee,
    Staff,
    SupervisionRecord,
    SupervisionSession,
)
from storage.retention import erase, expired
from storage.subject_access import person_export

TODAY = date(2026, 11, 23)


async def seed(engine: AsyncEngine) -> dict[str, int]:
    start = datetime(2025, 6, 2, 10, tzinfo=UTC)
    async with session_factory(engine)() as session:
        org = Organisation(slug="o", name="O", pack_id="derbyshire")
        session.add(org)
        await session.flush()
        assert org.id
        manager = Staff(
            organisation_id=org.id,
            external_ref="M",
            name="Mo Manager",
            email="mo@o.uk",
            role="team_manager",
        )
        session.add(manager)
        await session.flush()
        ids: dict[str, int] = {}
        for name, leaving, hold in (
            ("Lee Leaver", date(2026, 1, 31), False),
            ("Hal Held", date(2026, 1, 31), True),
            ("Stacy Stayer", None, False),
        ):
            person = Staff(
                organisation_id=org.id,
                external_ref=name,
                name=name,
                email=f"{name.split()[0].lower()}@o.uk",
                role="social_worker",
                line_manager_id=manager.id,
                leaving_date=leaving,
                legal_hold=hold,
            )
            session.add(person)
            await session.flush()
            assert person.id
            ids[name] = person.id
            meeting = SupervisionSession(
                organisation_id=org.id,
                type="one_to_one",
                supervisor_id=manager.id or 0,
                planned_start=start,
                planned_end=start + timedelta(hours=1),
                ical_uid=name,
                status="held",
            )
            session.add(meeting)
            await session.flush()
            assert meeting.id
            session.add(SessionAttendee(session_id=meeting.id, staff_id=person.id))
            session.add(
                SupervisionRecord(
                    session_id=meeting.id,
                    template_id="t",
                    sections={"wellbeing": f"private to {name}"},
                    written_by_id=manager.id or 0,
                )
            )
            session.add(
                Absence(
                    staff_id=person.id,
                    kind="sickness",
                    start_date=date(2025, 7, 1),
                    end_date=date(2025, 7, 3),
                )
            )
            session.add(
                InformalSupervision(
                    supervisor_id=manager.id or 0,
                    supervisee_id=person.id,
                    occurred_at=start,
                    discussed="chat",
                )
            )
            case = Case(
                organisation_id=org.id,
                reference=f"C-{person.id}",
                category="cin",
                opened=date(2025, 1, 1),
            )
            session.add(case)
            await session.flush()
            assert case.id
            session.add(
                CaseAllocation(case_id=case.id, staff_id=person.id, start_date=date(2025, 1, 1))
            )
        await session.commit()
        ids["org"] = org.id
    return ids


async def test_retention_lists_leavers_and_erases_all_but_legal_holds(engine: AsyncEngine) -> None:
    ids = await seed(engine)
    pack = builtin_pack("derbyshire")  # retained for the length of employment (000:105)
    async with session_factory(engine)() as session:
        items = await expired(session, ids["org"], pack, TODAY)
        assert {(i.name, i.legal_hold, i.records, i.absences) for i in items} == {
            ("Lee Leaver", False, 1, 1),
            ("Hal Held", True, 1, 1),
        }
        assert await erase(session, items) == 1
        await session.commit()
    async with session_factory(engine)() as session:
        lee = await session.get(Staff, ids["Lee Leaver"])
        hal = await session.get(Staff, ids["Hal Held"])
        records = (await session.exec(select(SupervisionRecord))).all()
        informal = (await session.exec(select(InformalSupervision))).all()
    assert lee is not None
    assert hal is not None
    assert lee.name == f"Former staff member {lee.id}"
    assert lee.email == f"erased-{lee.id}@invalid"
    assert hal.name == "Hal Held"
    assert sorted(r.sections["wellbeing"] for r in records) == [
        "private to Hal Held",
        "private to Stacy Stayer",
    ]
    assert {i.supervisee_id for i in informal} == {ids["Hal Held"], ids["Stacy Stayer"]}
    async with session_factory(engine)() as session:
        assert [i.name for i in await expired(session, ids["org"], pack, TODAY)] == ["Hal Held"]


async def test_years_after_leaving_keeps_recent_leavers(engine: AsyncEngine) -> None:
    ids = await seed(engine)
    pack = builtin_pack("derbyshire").model_copy(
        update={"retention": builtin_pack("derbyshire").retention.model_copy(update={"value": 6})}
    )
    async with session_factory(engine)() as session:
        assert await expired(session, ids["org"], pack, TODAY) == []
        later = await expired(session, ids["org"], pack, date(2032, 2, 1))
    assert {i.name for i in later} == {"Lee Leaver", "Hal Held"}


async def test_subject_access_holds_everything_about_the_person(engine: AsyncEngine) -> None:
    ids = await seed(engine)
    async with session_factory(engine)() as session:
        data = await person_export(session, ids["Stacy Stayer"])
    assert data["person"]["email"] == "stacy@o.uk"
    assert [r["sections"] for r in data["supervision_records"]] == [
        {"wellbeing": "private to Stacy Stayer"}
    ]
    assert [a["case_reference"] for a in data["case_allocations"]] == [f"C-{ids['Stacy Stayer']}"]
    assert len(data["absences"]) == 1
    assert len(data["informal_supervision"]) == 1
    assert "private to Lee Leaver" not in str(data)  # nobody else's record


async def test_the_playground_transcript_is_bounded_and_erased_with_the_person(
    engine: AsyncEngine,
) -> None:
    """Issue 22 item 3: the newest turns per person are kept; erasure removes a leaver's."""
    ids = await seed(engine)
    at = datetime(2026, 11, 23, 10, tzinfo=UTC)
    for n in range(5):
        for name in ("Lee Leaver", "Stacy Stayer"):
            await transcripts.keep(engine, ids[name], {"you": f"{name} {n}", "replies": []}, at, 3)
    kept = await transcripts.turns(engine, ids["Lee Leaver"])
    assert [t["you"] for t in kept] == ["Lee Leaver 2", "Lee Leaver 3", "Lee Leaver 4"]
    async with session_factory(engine)() as session:
        items = await expired(session, ids["org"], builtin_pack("derbyshire"), TODAY)
        await erase(session, items)
        await session.commit()
    assert await transcripts.turns(engine, ids["Lee Leaver"]) == []
    assert len(await transcripts.turns(engine, ids["Stacy Stayer"])) == 3
