"""Transcript tests: a real engine on a copy of the demo council (SQLite), with a fake clock."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from demo_data import build_demo, copy_of
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from dialogs.engine import Engine, Result
from dialogs.messages import AskForm, Choice, Command, FormSubmit, Inbound, Payload, Reply, Text
from dialogs.registry import flows, understanding
from policy.packs import builtin_pack, builtin_pack_ids
from storage.db import session_factory
from storage.models import Staff
from storage.unit_of_work import unit_of_work_factory

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 11, 23)  # a Monday


@dataclass
class FakeClock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 23, 10, 0, tzinfo=LONDON))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("demo") / "demo.db", TODAY)


@pytest.fixture
async def database(demo_database: Path, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    _, engine = copy_of(demo_database, tmp_path)
    yield engine
    await engine.dispose()


def make_engine(database: AsyncEngine, clock: FakeClock) -> Engine:
    packs = {pack_id: builtin_pack(pack_id) for pack_id in builtin_pack_ids()}
    return Engine(
        flows=flows(),
        understanding=understanding(),
        unit_of_work=unit_of_work_factory(database, packs),
        clock=clock,
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


_ids = itertools.count(1)


@dataclass
class Chat:
    """One person's conversation: send things, read the replies."""

    engine: Engine
    staff_id: int
    clock: FakeClock
    platform: str = "web"
    last: Result = field(default_factory=Result)

    async def send(self, payload: Payload | str, message_id: str | None = None) -> list[Reply]:
        if isinstance(payload, str):
            payload = Text(payload)
        inbound = Inbound(
            platform=self.platform,
            conversation_key=f"{self.platform}:{self.staff_id}",
            message_id=message_id or f"m{next(_ids)}",
            actor_id=self.staff_id,
            payload=payload,
            received_at=self.clock(),
        )
        self.last = await self.engine.handle(inbound)
        return list(self.last.replies)

    async def command(self, name: str, argument: str = "") -> list[Reply]:
        return await self.send(Command(name, argument))

    async def choose(self, value: str) -> list[Reply]:
        return await self.send(Choice(value))

    async def submit(self, **values: str) -> list[Reply]:
        form = self.form()
        merged = {f.name: f.value for f in form.fields} | values
        return await self.send(FormSubmit(form.form_id, merged))

    def form(self) -> AskForm:
        forms = [r for r in self.last.replies if isinstance(r, AskForm)]
        assert forms, f"expected a form, got {self.last.replies}"
        return forms[-1]

    def text(self) -> str:
        return "\n".join(
            getattr(r, "text", "") or getattr(r, "title", "") for r in self.last.replies
        )


async def staff_id(database: AsyncEngine, name: str) -> int:
    async with session_factory(database)() as session:
        row = (await session.exec(select(Staff).where(Staff.name == name))).one()
    assert row.id is not None
    return row.id


@pytest.fixture
async def chat_as(database: AsyncEngine, clock: FakeClock):  # type: ignore[no-untyped-def]
    engine = make_engine(database, clock)

    async def open_chat(name: str, platform: str = "web") -> Chat:
        return Chat(engine, await staff_id(database, name), clock, platform)

    return open_chat


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The corpus figures (tests/dialogs/test_dialogs_corpus.py), whenever those tests ran."""
    from test_dialogs_corpus import REPORTS

    for report in REPORTS:
        for line in report.lines():
            terminalreporter.write_line(f"understanding, {line}")
