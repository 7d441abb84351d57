"""Reminders and digests planned into the outbox: once each, after downtime, never to absentees."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from demo_data import build_demo, copy_of
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.scheduler import Scheduler
from dialogs.summary_card import figure_text
from policy.compliance import monthly_compliance
from policy.packs import builtin_pack, builtin_pack_ids
from storage.db import session_factory
from storage.models import (
    Absence,
    DialogState,
    Organisation,
    OutboxMessage,
    ProcessedInbound,
    SlackOAuthState,
    SlackPendingForm,
    Staff,
)
from storage.repositories.facts import SqlFacts

TODAY = date(2026, 11, 23)  # a Monday
PACKS = {pack_id: builtin_pack(pack_id) for pack_id in builtin_pack_ids()}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("sched") / "demo.db", TODAY)


@pytest.fixture
async def database(seeded: Path, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    _, engine = copy_of(seeded, tmp_path)
    yield engine
    await engine.dispose()


async def outbox(database: AsyncEngine, kind: str | None = None) -> list[OutboxMessage]:
    async with session_factory(database)() as session:
        query = select(OutboxMessage)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return list((await session.exec(query)).all())


async def test_digest_waits_for_monday_nine_then_once_per_team(database: AsyncEngine) -> None:
    clock = Clock(datetime(2026, 11, 23, 8, 30, tzinfo=UTC))  # 08:30 in London (GMT)
    scheduler = Scheduler(database, PACKS, clock)
    await scheduler.tick()
    assert await outbox(database, "digest") == []
    clock.now = datetime(2026, 11, 23, 9, 1, tzinfo=UTC)
    await scheduler.tick()
    digests = await outbox(database, "digest")
    assert sorted(d.target for d in digests) == ["team:1", "team:2", "team:3"]
    assert await scheduler.tick() == 0  # a second tick, or a second instance, adds nothing
    card = digests[0].payload["replies"][0]
    assert card["title"].startswith("Weekly supervision digest: ")
    images = [r for r in digests[0].payload["replies"] if r["type"] == "attachment"]
    assert [i["filename"] for i in images] == ["compliance-trend.png", "caseload-bands.png"]
    assert all(i["media_type"] == "image/png" and i["description"] for i in images)
    assert images[1]["description"].startswith("Bar chart of staff by caseload band: ")


async def test_after_downtime_one_digest_not_one_per_missed_tick(database: AsyncEngine) -> None:
    clock = Clock(datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
    scheduler = Scheduler(database, PACKS, clock)
    await scheduler.tick()
    clock.now += timedelta(days=9)  # down from Monday to the Wednesday of the next week
    await scheduler.tick()
    await scheduler.tick()
    keys = sorted(
        d.idempotency_key for d in await outbox(database, "digest") if d.platform == "web"
    )
    assert keys == [
        "digest:1:2026-W48:web", "digest:1:2026-W49:web",
        "digest:2:2026-W48:web", "digest:2:2026-W49:web",
        "digest:3:2026-W48:web", "digest:3:2026-W49:web",
    ]  # fmt: skip


async def test_reminders_are_planned_once_and_not_for_absent_staff(database: AsyncEngine) -> None:
    clock = Clock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    scheduler = Scheduler(database, PACKS, clock)
    first = await scheduler.tick()
    assert first > 3
    assert await scheduler.tick() == 0
    reminders = await outbox(database, "reminder")
    assert reminders
    assert len({r.idempotency_key for r in reminders}) == len(reminders)
    async with session_factory(database)() as session:
        on_leave = (
            await session.exec(
                select(Absence.staff_id).where(
                    col(Absence.start_date) <= TODAY, col(Absence.end_date) >= TODAY
                )
            )
        ).all()
    targets = {r.target for r in reminders}
    assert not {f"staff:{staff_id}" for staff_id in on_leave} & targets


async def test_quiet_hours_push_reminders_to_the_morning(database: AsyncEngine) -> None:
    clock = Clock(datetime(2026, 11, 23, 21, 0, tzinfo=UTC))  # 21:00 in London
    await Scheduler(database, PACKS, clock).tick()
    reminders = await outbox(database, "reminder")
    assert reminders
    assert {r.due_at for r in reminders} == {datetime(2026, 11, 24, 8, 0, tzinfo=UTC)}


async def test_digest_carries_names_and_counts_never_case_references(database: AsyncEngine) -> None:
    clock = Clock(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
    await Scheduler(database, PACKS, clock).tick()
    async with session_factory(database)() as session:
        staff = (await session.exec(select(Staff))).all()
    digests = await outbox(database, "digest")
    assert digests
    for digest in digests:
        text = str(digest.payload)
        assert "C-1" not in text  # no case references in a channel
        team_id = int(digest.target.split(":")[1])
        others = {s.name for s in staff if s.team_id not in (team_id, None)}
        assert not any(name in text for name in others)  # only this team's people


async def test_monthly_service_summary_once_on_the_first(database: AsyncEngine) -> None:
    clock = Clock(datetime(2026, 11, 30, 9, 30, tzinfo=UTC))
    scheduler = Scheduler(database, PACKS, clock)
    await scheduler.tick()
    first = {s.idempotency_key for s in await outbox(database, "summary")}
    assert first == {"summary:1:2026-10:web"}  # November's summary (of October) was due on the 1st
    clock.now = datetime(2026, 12, 1, 8, 59, tzinfo=UTC)
    await scheduler.tick()
    assert {s.idempotency_key for s in await outbox(database, "summary")} == first
    clock.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    await scheduler.tick()
    await scheduler.tick()
    summaries = await outbox(database, "summary")
    assert sorted(s.idempotency_key for s in summaries) == [
        "summary:1:2026-10:web",
        "summary:1:2026-11:web",
    ]
    card = next(s for s in summaries if s.idempotency_key.endswith("2026-11:web")).payload[
        "replies"
    ][0]
    assert card["title"] == "Monthly supervision summary: Demoshire County Council (demo)"
    assert card["subtitle"] == "November 2026"
    teams = next(s for s in card["sections"] if s["heading"] == "By team")["lines"]
    assert {line.split(":")[0] for line in teams} == {
        "Safeguarding North",
        "Children in Care",
        "Assessment and Intervention",
        "Not in a team (service management)",  # the service manager
    }
    assert "C-1" not in str(card)
    # Its figures are the policy's monthly KPI over the same rows (the card reads them from
    # the set-based query; policy.compliance.monthly_compliance is the rule as written).
    async with session_factory(database)() as session:
        organisation = (await session.exec(select(Organisation))).one()
        inputs = await SqlFacts(session).for_organisation(organisation.id or 0, date(2026, 12, 1))
    kpi = monthly_compliance(
        inputs.staff, inputs.sessions, inputs.absences, PACKS[organisation.pack_id], 2026, 11
    )
    facts = {f["label"]: f["value"] for f in card["facts"]}
    assert kpi.organisation.in_post > 0
    assert facts["Whole service"] == figure_text(kpi.organisation)
    assert facts["Excluded for absence"] == str(len(kpi.excluded))


async def test_a_daily_sweep_removes_what_outlived_its_use(database: AsyncEngine) -> None:
    """A record half-written and abandoned, a form never clicked, old message ids and install
    states go once past their lifetime; anything still in use stays."""
    now = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    week = timedelta(days=7)
    async with session_factory(database)() as session:
        for key, expires in (
            ("slack:T1:UOLD", now - timedelta(hours=1)),
            ("slack:T1:UNEW", now + week),
        ):
            state = DialogState(key=key, flow="record", step="s", data={"summary": "x"}, version=1)
            state.expires_at, state.updated_at = expires, now - week
            session.add(state)
        session.add(SlackPendingForm(key="slack:T1:UOLD", form={}, updated_at=now - 2 * week))
        session.add(SlackPendingForm(key="slack:T1:UNEW", form={}, updated_at=now))
        session.add(ProcessedInbound(platform="slack", message_id="old", seen_at=now - 2 * week))
        session.add(ProcessedInbound(platform="slack", message_id="new", seen_at=now))
        session.add(SlackOAuthState(state="gone", expires_at=now - timedelta(minutes=1)))
        await session.commit()

    await Scheduler(database, PACKS, Clock(now)).tick()

    async with session_factory(database)() as session:
        assert (await session.exec(select(DialogState.key))).all() == ["slack:T1:UNEW"]
        assert (await session.exec(select(SlackPendingForm.key))).all() == ["slack:T1:UNEW"]
        kept = (await session.exec(select(ProcessedInbound.message_id))).all()
        assert "old" not in kept
        assert "new" in kept
        assert (await session.exec(select(SlackOAuthState))).all() == []
