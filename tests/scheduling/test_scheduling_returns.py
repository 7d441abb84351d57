"""Issue 25 item 2: workload returns produced on time to the person the council names, as a CSV,
and with counts only to the senior managers' channel (policy.returns, scheduling.returns)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from demo_data import build_demo, copy_of
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.scheduler import Scheduler
from dialogs.messages import Attachment
from dialogs.serialise import from_dict
from policy.calendar import WorkingCalendar
from policy.packs import builtin_pack, builtin_pack_ids
from policy.returns import current_return
from storage.db import session_factory
from storage.models import Case, CaseAllocation, OutboxMessage, Staff, Team

TODAY = date(2026, 12, 14)
PACKS = {pack_id: builtin_pack(pack_id) for pack_id in builtin_pack_ids()}
NOTTS, WARR = PACKS["nottinghamshire"], PACKS["warrington"]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_nottinghamshires_december_return_is_due_before_the_boxing_day_holiday() -> None:
    # NOTTS 001:1285: "by 28th of March, June, September and December". 28 December 2026 is
    # the Boxing Day substitute bank holiday: due Thursday 24th; produced 5 working days before.
    calendar = WorkingCalendar(NOTTS.nation)
    rule = NOTTS.returns[0]
    assert current_return(rule, calendar, date(2026, 12, 16)) is None
    period = current_return(rule, calendar, date(2026, 12, 17))
    assert period is not None
    assert (period.due, period.send) == (date(2026, 12, 24), date(2026, 12, 17))
    assert period.label == "October to December 2026"
    assert current_return(rule, calendar, date(2026, 12, 29)) is None
    assert current_return(rule, calendar, date(2026, 11, 20)) is None  # not a return month


def test_warringtons_report_covers_the_previous_month_by_the_15th() -> None:
    # WARR 001:5809: "the previous month's performance ... by the 15th of each month". 15 August
    # 2026 is a Saturday: due Friday 14th.
    calendar = WorkingCalendar(WARR.nation)
    period = current_return(WARR.returns[0], calendar, date(2026, 8, 10))
    assert period is not None
    assert (period.due, period.label) == (date(2026, 8, 14), "July 2026")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("returns") / "demo.db", TODAY, "nottinghamshire")


@pytest.fixture
async def database(seeded: Path, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    _, engine = copy_of(seeded, tmp_path)
    yield engine
    await engine.dispose()


async def returns(database: AsyncEngine) -> list[OutboxMessage]:
    async with session_factory(database)() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == "return")
        return list((await session.exec(query)).all())


async def test_the_quarterly_return_reaches_the_service_manager_once_on_its_day(
    database: AsyncEngine,
) -> None:
    clock = Clock(datetime(2026, 12, 16, 10, 0, tzinfo=UTC))
    scheduler = Scheduler(database, PACKS, clock)
    await scheduler.tick()
    assert await returns(database) == []
    clock.now = datetime(2026, 12, 17, 10, 0, tzinfo=UTC)
    await scheduler.tick()
    queued = await returns(database)
    assert queued, "the return was not produced on its day"
    async with session_factory(database)() as session:
        managers = (await session.exec(select(Staff).where(Staff.role == "service_manager"))).all()
        workers = (await session.exec(select(Staff))).all()
    assert managers
    to_people = [m for m in queued if m.target.startswith("staff:")]
    assert {m.target for m in to_people} == {f"staff:{m.id}" for m in managers}
    replies = [from_dict(r) for r in to_people[0].payload["replies"]]
    said, attached = replies[0], replies[1]
    assert "Quarterly team workload return for October to December 2026" in said.text  # type: ignore[union-attr]
    assert "Thursday 24 December 2026" in said.text  # type: ignore[union-attr]
    assert "SWPSS@nottscc.gov.uk" in said.text  # type: ignore[union-attr]
    assert isinstance(attached, Attachment)
    assert attached.media_type == "text/csv"
    rows = list(csv.reader(io.StringIO(attached.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Team",
        "Worker",
        "Position held",
        "FTE",
        "Children",
        "Cases",
        "Points",
        "Band",
    ]
    assert len(rows) > 5
    assert all(row[6] for row in rows[1:])  # Nottinghamshire weights caseloads: points for all
    assert "C-1" not in attached.content.decode("utf-8")  # no case references
    assert not any("_" in row[7] for row in rows[1:])  # the scheme's words for bands, not ids
    assert "Lucy Patel" not in {row[1] for row in rows}  # admin support holds no cases
    # The channel: counts only, no one named.
    (channel,) = [m for m in queued if m.target.startswith("org:")]
    card = channel.payload["replies"][0]
    assert card["title"] == "Quarterly team workload return: October to December 2026"
    text = str(card)
    assert not any(w.name in text for w in workers)
    # Once: later ticks and later days in the window add nothing.
    assert await scheduler.tick() == 0 or len(await returns(database)) == len(queued)
    clock.now = datetime(2026, 12, 18, 10, 0, tzinfo=UTC)
    await scheduler.tick()
    assert len(await returns(database)) == len(queued)


@pytest.fixture(scope="module")
def seeded_powys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("powys") / "demo.db", date(2026, 11, 23), "powys")


async def test_the_summary_tells_senior_managers_of_a_team_above_the_average(
    seeded_powys: Path, tmp_path: Path
) -> None:
    # Issue 25 item 4, WSX/LUT 001:93 (Powys borrows it): a team above the average level set
    # (20 children per worker, 001:44) needs the Service Lead's agreement; the monthly summary
    # for senior managers says which team, in counts only.
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
            for case in (await session.exec(held)).all():
                case.children = 3
                session.add(case)
            await session.commit()
        clock = Clock(datetime(2026, 12, 1, 9, 5, tzinfo=UTC))
        await Scheduler(database, PACKS, clock).tick()
        async with session_factory(database)() as session:
            summary = (
                await session.exec(
                    select(OutboxMessage).where(
                        OutboxMessage.kind == "summary", OutboxMessage.platform == "web"
                    )
                )
            ).one()
        card = summary.payload["replies"][-1]  # the English, after the Welsh (issue 28)
        section = next(
            s for s in card["sections"] if s["heading"] == "Teams above the average caseload"
        )
        listed = {line.split(":")[0]: line for line in section["lines"][:-1]}
        assert "Children in Care" in listed
        for line in listed.values():  # each above the level, in counts only
            average = float(line.split(": ")[1].split(" children")[0])
            assert average > 20, line
        assert "Service Lead" in section["lines"][-1]
        assert "C-" not in str(card)
    finally:
        await database.dispose()
