"""Playground fixtures: the demo council seeded once, a copy per test, and a fixed demo clock."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncEngine
from web_helpers import DEMO_DAY, demo_clock, playground_settings, sqlite_url

from bot.app import create_app
from bot.commands.demo import demo_template
from policy.packs import builtin_pack
from storage.db import create_engine
from storage.demo import seed_demo
from storage.migrate import upgrade


@pytest.fixture(scope="session")
def web_demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web-demo") / "demo.db"

    async def build() -> None:
        await upgrade(sqlite_url(path))
        engine = create_engine(sqlite_url(path))
        session_type, template = demo_template(builtin_pack("derbyshire"))
        await seed_demo(engine, DEMO_DAY, session_type=session_type, template=template)
        await engine.dispose()

    asyncio.run(build())
    return path


@pytest.fixture
def web_demo_file(web_demo_template: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "demo.db"
    shutil.copy(web_demo_template, copy)
    return copy


@pytest.fixture
async def web_engine(web_demo_file: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(sqlite_url(web_demo_file))
    yield engine
    await engine.dispose()


@pytest.fixture
async def playground(web_demo_file: Path, web_engine: AsyncEngine) -> AsyncIterator[TestServer]:
    """The demo app over real HTTP on loopback, with the scheduler left to the clock control."""
    app = create_app(
        playground_settings(web_demo_file), web_engine, demo_clock(), run_scheduler=False
    )
    server = TestServer(app, host="127.0.0.1")
    async with server:
        yield server
