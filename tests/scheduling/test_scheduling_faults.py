"""One person's or team's failure is logged once, naming them, and everyone else carries on."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

import scheduling.digests
import scheduling.obligations
from bot.scheduler import Scheduler
from policy.packs import builtin_pack, builtin_pack_ids
from scheduling.charts import ChartPool, ChartWorkerError
from storage.models import ObligationState, OutboxMessage, Staff, Team

TODAY = date(2026, 11, 23)  # a Monday
PACKS = {pack_id: builtin_pack(pack_id) for pack_id in builtin_pack_ids()}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def _rows(database: AsyncEngine, query: Any) -> list[Any]:
    async with database.connect() as connection:
        return list((await connection.execute(query)).all())


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_person_whose_obligations_fail_does_not_stop_the_others(
    database: AsyncEngine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    broken = (await _rows(database, select(Staff.id).order_by(Staff.id).limit(1)))[0][0]
    real = scheduling.obligations.due_items

    def due_items(person: Any, *args: Any) -> Any:
        if person.id == broken:
            raise ValueError("a pack rule this person's data cannot satisfy")
        return real(person, *args)

    monkeypatch.setattr(scheduling.obligations, "due_items", due_items)
    clock = Clock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    scheduler = Scheduler(database, PACKS, clock)
    assert await scheduler.tick() > 3  # everyone else's reminders and digests
    clock.now += timedelta(minutes=1)
    await scheduler.tick()
    errors = _errors(caplog)
    assert len(errors) == 1  # once, not once a minute
    assert f"staff {broken}" in errors[0]
    stale = await _rows(
        database,
        select(ObligationState.staff_id).where(ObligationState.computed != ObligationState.changes),
    )
    assert [row[0] for row in stale] == [broken]  # retried at every tick until it works
    monkeypatch.setattr(scheduling.obligations, "due_items", real)
    clock.now += timedelta(minutes=1)
    await scheduler.tick()
    assert (
        await _rows(
            database,
            select(ObligationState.staff_id).where(
                ObligationState.computed != ObligationState.changes
            ),
        )
        == []
    )


async def test_a_team_whose_digest_fails_does_not_stop_the_other_teams(
    database: AsyncEngine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    teams = dict(await _rows(database, select(Team.id, Team.name).order_by(Team.id)))
    broken = min(teams)
    real = scheduling.digests.digest_card

    def digest_card(
        digest: Any, name: str, names: Any, missed: Any = None, pack: Any = None
    ) -> Any:
        if digest.team_id == broken:
            raise KeyError("a channel answer nobody expected")
        return real(digest, name, names, missed, pack)

    monkeypatch.setattr(scheduling.digests, "digest_card", digest_card)
    clock = Clock(datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
    scheduler = Scheduler(database, PACKS, clock)
    await scheduler.tick()
    clock.now += timedelta(minutes=1)
    await scheduler.tick()

    async def digested() -> set[str]:
        rows = await _rows(
            database,
            select(OutboxMessage.target).where(
                OutboxMessage.kind == "digest", OutboxMessage.platform == "web"
            ),
        )
        return {row[0] for row in rows}

    assert await digested() == {f"team:{t}" for t in teams if t != broken}
    errors = _errors(caplog)
    assert len(errors) == 1
    assert f"team {broken} {teams[broken]!r}" in errors[0]
    monkeypatch.setattr(scheduling.digests, "digest_card", real)
    clock.now += timedelta(minutes=1)
    await scheduler.tick()
    assert await digested() == {f"team:{t}" for t in teams}


class FailingCharts(ChartPool):
    """Charts drawn inline, except that drawing fails while `broken` names a team asked for."""

    def __init__(self) -> None:
        super().__init__(inline=True)
        self.broken: str | None = None
        self.batches: list[list[str]] = []

    async def draw(self, requests: Any, pack: Any, on: date, *args: Any) -> Any:
        names = [r.team_name for r in requests]
        self.batches.append(names)
        if self.broken in names:
            raise ChartWorkerError("the chart worker stopped before answering")
        return await super().draw(requests, pack, on, *args)


async def test_a_council_s_last_digests_drawn_after_it_returned_are_written_once(
    database: AsyncEngine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A council's last batches go on drawing while the next council is computed, and are
    # written later in the tick (scheduling.digests.Pipeline). One team a batch here, so the
    # demo council's last team is written by the tick's drain: when its drawing fails, the
    # council is not marked digested and the next tick queues just that team, once.
    monkeypatch.setattr(scheduling.digests, "TEAMS_PER_WRITE", 1)
    teams = dict(await _rows(database, select(Team.id, Team.name).order_by(Team.id)))
    last = max(teams)
    charts = FailingCharts()
    charts.broken = teams[last]
    clock = Clock(datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
    scheduler = Scheduler(database, PACKS, clock, charts)

    async def digested() -> list[str]:
        rows = await _rows(
            database,
            select(OutboxMessage.target).where(
                OutboxMessage.kind == "digest", OutboxMessage.platform == "web"
            ),
        )
        return sorted(row[0] for row in rows)

    await scheduler.tick()
    assert await digested() == sorted(f"team:{t}" for t in teams if t != last)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == [
        "scheduler: digests failed while being written"
    ]
    charts.broken = None
    charts.batches.clear()
    clock.now += timedelta(minutes=1)
    await scheduler.tick()
    assert charts.batches == [[teams[last]]]  # only the team still missing is drawn again
    assert await digested() == sorted(f"team:{t}" for t in teams)
    charts.batches.clear()
    clock.now += timedelta(minutes=1)
    await scheduler.tick()
    assert charts.batches == []  # now the council is digested: nothing read or drawn
