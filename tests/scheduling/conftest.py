"""The demo council on a Monday, built once, and a copy of it per test (a file that needs another
pack or day defines its own `seeded`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from demo_data import build_demo, copy_of
from sqlalchemy.ext.asyncio import AsyncEngine

DEMO_MONDAY = date(2026, 11, 23)


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("scheduling-demo") / "demo.db", DEMO_MONDAY)


@pytest.fixture
async def database(seeded: Path, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    _, engine = copy_of(seeded, tmp_path)
    yield engine
    await engine.dispose()
