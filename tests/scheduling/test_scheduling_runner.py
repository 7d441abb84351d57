"""The scheduler on its own thread inside the real app, while people are talking to the bot, and
the charts drawn in a worker process."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from demo_data import build_demo
from sqlalchemy import select

from bot.app import SCHEDULER_THREAD, create_app
from bot.clock import Clock
from bot.scheduler import Scheduler
from bot.settings import Settings
from policy.packs import builtin_pack, builtin_pack_ids
from scheduling.charts import ChartPool, ChartRequest
from storage.db import create_engine
from storage.models import OutboxMessage, Team

PACKS = {pack_id: builtin_pack(pack_id) for pack_id in builtin_pack_ids()}
LONDON = ZoneInfo("Europe/London")
DEMO_DAY = date(2026, 11, 23)  # a Monday: the demo council's digest is due at 09:00
QUESTIONS = ("what's my caseload score", "what's due", "help", "when is my next supervision")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("runner") / "demo.db", DEMO_DAY)


def _settings(template: Path, tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for a copy of the demo database, the scheduler on."""
    database = tmp_path / "demo.db"
    shutil.copy(template, database)
    url = f"sqlite+aiosqlite:///{database}"
    return Settings(_env_file=None, database_url=url, scheduler_enabled=True, **overrides)


async def _until(condition: Any, seconds: float = 90.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the scheduler thread did not get there in time"
        await asyncio.sleep(0.05)


async def test_chat_answers_while_the_scheduler_thread_plans_everything_once(
    template: Path, tmp_path: Path
) -> None:
    settings = _settings(template, tmp_path, demo_mode=True)
    # Monday 10:00 in London: every digest is due, and the day's reminders.
    clock = Clock(offset=datetime(2026, 11, 23, 10, 0, tzinfo=LONDON) - datetime.now(UTC))
    app = create_app(settings, None, clock)
    server = TestServer(app, host="127.0.0.1")
    async with server, aiohttp.ClientSession() as client:
        thread = app[SCHEDULER_THREAD]
        async with client.get(server.make_url("/playground/api/people")) as response:
            people = [p["id"] for p in (await response.json())["people"]][:10]

        async def ask(n: int) -> tuple[int, Any]:
            body = {"staff_id": people[n % len(people)], "text": QUESTIONS[n % len(QUESTIONS)]}
            url = server.make_url("/playground/api/send")
            async with client.post(url, json=body) as response:
                return response.status, await response.json()

        answers = []
        for wave in range(6):  # while the first tick (every obligation of the council) runs
            answers += await asyncio.gather(*(ask(wave * 8 + n) for n in range(8)))
        await _until(lambda: thread.ticks >= 1)
    assert not thread._thread or not thread._thread.is_alive()  # stopped with the app
    assert [status for status, _ in answers] == [200] * len(answers)
    assert all(body["replies"] for _, body in answers)
    assert not any("went wrong" in str(body) for _, body in answers)

    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as connection:
            rows = (
                await connection.execute(select(OutboxMessage.idempotency_key, OutboxMessage.kind))
            ).all()
            teams = (await connection.execute(select(Team.id))).scalars().all()
        digests = {key.rsplit(":", 1)[0] for key, kind in rows if kind == "digest"}
        week = DEMO_DAY.isocalendar()
        assert digests == {f"digest:{t}:{week[0]}-W{week[1]:02d}" for t in teams}
        assert any(kind == "reminder" for _, kind in rows)
        assert max(Counter(key for key, _ in rows).values()) == 1  # nothing queued twice
        # Nothing missed: planning again at the same moment finds nothing new to queue.
        assert await Scheduler(engine, PACKS, clock).tick() == 0
    finally:
        await engine.dispose()


async def test_charts_drawn_in_the_worker_process_equal_those_drawn_inline() -> None:
    from decimal import Decimal

    pack = builtin_pack("derbyshire")
    requests = [
        ChartRequest(
            f"Team {n}",
            tuple((f"2026-{m:02d}", Decimal(70 + n + m)) for m in range(1, 12)),
            Decimal(90),
            (),
        )
        for n in range(3)
    ]
    pool = ChartPool()
    try:
        drawn = await pool.draw(requests, pack, date(2026, 11, 23))
    finally:
        await pool.release()
    inline = await ChartPool(inline=True).draw(requests, pack, date(2026, 11, 23))
    assert drawn == inline
    assert [f.filename for files in drawn for f in files] == ["compliance-trend.png"] * 3
    assert all(f.content.startswith(b"\x89PNG\r\n\x1a\n") for files in drawn for f in files)


async def test_the_worker_reads_each_team_s_caseworkers_and_draws_their_bands(
    template: Path, tmp_path: Path
) -> None:
    """With a Roster the chart worker reads the band chart's caseworkers from the database
    itself (scheduling.roster): the same charts as read and drawn in this process, a band
    chart for every team with caseworkers, and no record content needed (no key given)."""
    from decimal import Decimal

    from scheduling.digests import _counts
    from scheduling.roster import Roster

    database = tmp_path / "demo.db"
    shutil.copy(template, database)
    url = f"sqlite+aiosqlite:///{database}"
    engine = create_engine(url)
    pack = builtin_pack("derbyshire")
    try:
        async with engine.connect() as connection:
            teams = (await connection.execute(select(Team.id, Team.name))).all()
        organisation = 1
        counts = await _counts(engine, organisation, pack, DEMO_DAY)
        assert counts  # the demo's caseworkers hold cases
        requests = [
            ChartRequest(name, (("2026-10", Decimal(75)),), Decimal(90), (), team_id)
            for team_id, name in teams
        ]
        pool = ChartPool()
        try:
            drawn = await pool.draw(requests, pack, DEMO_DAY, Roster(url, counts))
        finally:
            await pool.release()
        inline = await ChartPool(inline=True).draw(
            requests, pack, DEMO_DAY, Roster(url, counts), engine
        )
    finally:
        await engine.dispose()
    assert drawn == inline
    names = [[f.filename for f in files] for files in drawn]
    assert names == [["compliance-trend.png", "caseload-bands.png"]] * len(teams)
    assert all(f.content.startswith(b"\x89PNG\r\n\x1a\n") for files in drawn for f in files)


async def test_two_chart_workers_draw_batches_side_by_side_and_lose_none() -> None:
    """Four batches at once on a pool of two: each answer goes back to the batch that asked,
    and no more than two processes are started."""
    from decimal import Decimal

    pack = builtin_pack("derbyshire")
    batches = [
        [
            ChartRequest(f"Team {b}-{n}", (("2026-10", Decimal(60 + b * 10 + n)),), Decimal(90), ())
            for n in range(2)
        ]
        for b in range(4)
    ]
    pool = ChartPool(workers=2)
    try:
        drawn = await asyncio.gather(*(pool.draw(b, pack, date(2026, 11, 23)) for b in batches))
        started = len(pool._started)
    finally:
        await pool.release()
    assert started == 2
    for batch, files in zip(batches, drawn, strict=True):
        inline = await ChartPool(inline=True).draw(batch, pack, date(2026, 11, 23))
        assert files == inline  # the alt text names the team and its figure: none crossed


async def test_the_scheduler_thread_ticks_at_the_configured_interval(
    template: Path, tmp_path: Path
) -> None:
    """SCHEDULER_INTERVAL_S reaches the scheduler's thread: at 1 s it ticks again and again
    (at the default 60 s it would tick once in the time allowed)."""
    settings = _settings(template, tmp_path, scheduler_interval_s=1)
    app = create_app(settings)
    server = TestServer(app, host="127.0.0.1")
    async with server:
        thread = app[SCHEDULER_THREAD]
        await _until(lambda: thread.ticks >= 3, seconds=50.0)
    assert thread.ticks >= 3
