"""Playground fixtures: the demo council seeded once, a copy per test, and a fixed demo clock;
Powys's demo council too, for the Welsh tests (issue 28)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from demo_data import build_demo
from sqlalchemy.ext.asyncio import AsyncEngine
from web_helpers import DEMO_DAY, demo_clock, playground_settings, sqlite_url

from bot.app import create_app
from storage.db import create_engine


@pytest.fixture(scope="session")
def web_demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("web-demo") / "demo.db", DEMO_DAY)


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


@pytest.fixture(scope="session")
def powys_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("powys") / "demo.db", DEMO_DAY, pack_id="powys")


@pytest.fixture
async def powys(powys_template: Path, tmp_path: Path) -> AsyncIterator[TestServer]:
    """Powys's demo council (a Welsh council: Welsh by default, channels in both languages)
    in the playground over real HTTP on loopback."""
    copy = tmp_path / "demo.db"
    shutil.copy(powys_template, copy)
    engine = create_engine(sqlite_url(copy))
    app = create_app(playground_settings(copy), engine, demo_clock(), run_scheduler=False)
    server = TestServer(app, host="127.0.0.1")
    async with server:
        yield server
    await engine.dispose()
