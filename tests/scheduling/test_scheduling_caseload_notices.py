"""Caseload notices reach the manager responsible privately, once (scheduling.caseload_notices):
a team above the average caseload (WSX/LUT 001:93, borrowed by Lambeth and Powys) to its team
manager once a month while it stays above, in counts only; a co-worked Section 47 enquiry
(CAP003 003:64) to the NQSW's supervisor once an enquiry, by case reference only."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from demo_data import build_demo, copy_of
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.commands.demo import demo_template, review_templates
from bot.scheduler import Scheduler
from policy.packs import builtin_pack, builtin_pack_ids
from scheduling.caseload_notices import KIND, caseload_notices
from scheduling.obligations import Stats
from storage.db import session_factory
from storage.demo import seed_demo
from storage.models import Case, CaseAllocation, Organisation, OutboxMessage, Staff, Team

PACKS = {pack_id: builtin_pack(pack_id) for pack_id in builtin_pack_ids()}
TODAY = date(2026, 11, 23)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def notices(database: AsyncEngine) -> list[OutboxMessage]:
    async with session_factory(database)() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == KIND).order_by(OutboxMessage.id)
        return list((await session.exec(query)).all())


def said(message: OutboxMessage) -> str:
    (reply,) = message.payload["replies"]
    return str(reply["text"])


async def person(database: AsyncEngine, name: str) -> Staff:
    async with session_factory(database)() as session:
        return (await session.exec(select(Staff).where(Staff.name == name))).one()


@pytest.fixture(scope="module")
def seeded_powys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("powys") / "demo.db", TODAY, "powys")


@pytest.fixture(scope="module")
def seeded_lambeth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("lambeth") / "demo.db", TODAY, "lambeth")


async def test_a_team_above_the_average_is_told_to_its_manager_once_a_month(
    seeded_powys: Path, tmp_path: Path
) -> None:
    # WSX/LUT 001:93 (Powys borrows it): "If a team holds a caseload higher than the overall
    # average levels set, this will have to be agreed by the relevant Service Lead".
    _, database = copy_of(seeded_powys, tmp_path)
    try:
        async with session_factory(database)() as session:
            team = (await session.exec(select(Team).where(Team.name == "Children in Care"))).one()
            held = (
                select(Case)
                .join(CaseAllocation, col(CaseAllocation.case_id) == Case.id)
                .join(Staff, col(Staff.id) == col(CaseAllocation.staff_id))
                .where(Staff.team_id == team.id)
            )
            references = set()
            for case in (await session.exec(held)).all():
                case.children = 3
                references.add(case.reference)
                session.add(case)
            await session.commit()
            everyone = (await session.exec(select(Staff))).all()
        assert team.manager_id is not None
        clock = Clock(datetime(2026, 11, 23, 7, 30, tzinfo=UTC))
        scheduler = Scheduler(database, PACKS, clock)
        await scheduler.tick()
        found = [m for m in await notices(database) if "Children in Care" in said(m)]
        (notice,) = found
        assert notice.target == f"staff:{team.manager_id}"  # privately, to the team's manager
        text = said(notice)
        assert "per worker, above the 20 your council's policy sets" in text
        assert "agreed by the Service Lead" in text
        assert "West Sussex" in text or "Luton" in text  # 001:93, in the document's own name
        assert not any(reference in text for reference in references)  # counts only
        others = {p.name for p in everyone if p.id != team.manager_id}
        assert not any(name in text for name in others)
        # The notice waits for the working day (9:00 London), not the small hours' tick.
        assert notice.due_at == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        # Once: later ticks, another day this month, and a new scheduler add nothing.
        before = len(await notices(database))
        await scheduler.tick()
        clock.now = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
        await scheduler.tick()
        await Scheduler(database, PACKS, clock).tick()
        assert len(await notices(database)) == before
        # Next month, still above: told again (the regular review).
        clock.now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
        await scheduler.tick()
        again = [m for m in await notices(database) if "Children in Care" in said(m)]
        assert len(again) == 2
    finally:
        await database.dispose()


async def test_a_co_worked_section_47_enquiry_reaches_the_nqsws_supervisor_once(
    seeded_lambeth: Path, tmp_path: Path
) -> None:
    # CAP003 003:64 (Lambeth borrows it): an NQSW may co-work child protection enquiries,
    # "agreed in supervision and recorded on their personal supervision record".
    _, database = copy_of(seeded_lambeth, tmp_path)
    try:
        aled = await person(database, "Aled Rhys")
        tom = await person(database, "Tom Evans")
        assert aled.line_manager_id is not None
        async with session_factory(database)() as session:
            case = Case(
                organisation_id=aled.organisation_id,
                reference="C-9047",
                category="cp",
                children=2,
                opened=date(2026, 11, 16),
                facts={"s47_start": "2026-11-16"},
            )
            over = Case(
                organisation_id=aled.organisation_id,
                reference="C-9048",
                category="cp",
                children=1,
                opened=date(2026, 11, 2),
                facts={"s47_start": "2026-11-02", "conference": "2026-11-18"},  # enquiry over
            )
            session.add_all([case, over])
            await session.flush()
            for row in (case, over):
                assert row.id is not None
                session.add_all(
                    [
                        CaseAllocation(
                            case_id=row.id, staff_id=tom.id, role="lead", start_date=row.opened
                        ),
                        CaseAllocation(
                            case_id=row.id,
                            staff_id=aled.id,
                            role="co_worker",
                            start_date=row.opened,
                        ),
                    ]
                )
            await session.commit()
        clock = Clock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
        scheduler = Scheduler(database, PACKS, clock)
        await scheduler.tick()
        queued = await notices(database)
        mine = [m for m in queued if "C-9047" in said(m)]
        (notice,) = mine
        assert notice.target == f"staff:{aled.line_manager_id}"
        text = said(notice)
        assert text.startswith("Case C-9047, Aled Rhys (co-worker): Section 47 child protection")
        assert "agreed in supervision and recorded on their personal supervision record" in text
        assert "Caseload Policy (CAP003)" in text
        assert not any("C-9048" in said(m) for m in queued)  # the conference ended it
        # Every flag notice goes to the flagged worker's supervisor, with references only.
        for message in queued:
            if said(message).startswith("Case "):
                assert message.target == f"staff:{aled.line_manager_id}"
        # Once an enquiry: later ticks and days add nothing.
        await scheduler.tick()
        clock.now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
        await scheduler.tick()
        assert len(await notices(database)) == len(queued)
    finally:
        await database.dispose()


@pytest.fixture(scope="module")
def seeded_derbyshire(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("dcc") / "demo.db", TODAY, "derbyshire")


async def test_a_pack_without_these_rules_queues_no_notices(
    seeded_derbyshire: Path, tmp_path: Path
) -> None:
    seeded = seeded_derbyshire
    _, database = copy_of(seeded, tmp_path)
    try:
        await Scheduler(database, PACKS, Clock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))).tick()
        assert await notices(database) == []
    finally:
        await database.dispose()


async def test_the_notices_queries_run_on_this_database(engine: AsyncEngine) -> None:
    """The same step on the suite's database (PostgreSQL with TEST_DATABASE_URL): Lambeth's demo
    council, a co-worked S47 enquiry (003:64), one notice to the supervisor, and no second."""
    pack = builtin_pack("lambeth")
    session_type, template = demo_template(pack)
    await seed_demo(
        engine,
        TODAY,
        pack_id=pack.id,
        session_type=session_type,
        template=template,
        reviews=review_templates(pack),
    )
    aled = await person(engine, "Aled Rhys")
    tom = await person(engine, "Tom Evans")
    async with session_factory(engine)() as session:
        case = Case(
            organisation_id=aled.organisation_id,
            reference="C-9047",
            category="cp",
            children=1,
            opened=date(2026, 11, 16),
            facts={"s47_start": "2026-11-16"},
        )
        session.add(case)
        await session.flush()
        assert case.id is not None
        session.add_all(
            [
                CaseAllocation(case_id=case.id, staff_id=tom.id, role="lead", start_date=TODAY),
                CaseAllocation(
                    case_id=case.id, staff_id=aled.id, role="co_worker", start_date=TODAY
                ),
            ]
        )
        organisation = (await session.exec(select(Organisation))).one()
        await session.commit()
    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert await caseload_notices(engine, organisation, pack, now, Stats()) > 0
    mine = [m for m in await notices(engine) if "C-9047" in said(m)]
    assert [m.target for m in mine] == [f"staff:{aled.line_manager_id}"]
    assert await caseload_notices(engine, organisation, pack, now, Stats()) == 0
