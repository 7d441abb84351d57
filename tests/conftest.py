"""Shared fixtures: a migrated database per test, on SQLite or on PostgreSQL (TEST_DATABASE_URL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from testing_keys import TEST_RECORD_KEY

from storage import crypto
from storage.db import create_engine, normalise_url
from storage.migrate import upgrade

SERVER_URL = os.environ.get("TEST_DATABASE_URL")
# Record text is encrypted at rest: the tests use a fixed key of their own.
crypto.configure(TEST_RECORD_KEY)


def _admin_execute(url: str, statement: str) -> None:
    import asyncio

    import asyncpg

    async def run() -> None:
        parsed = make_url(normalise_url(url))
        connection = await asyncpg.connect(
            host=parsed.host,
            port=parsed.port,
            user=parsed.username,
            password=parsed.password,
            database=parsed.database,
        )
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())


@pytest.fixture(autouse=True)
def _record_key() -> None:
    """Every test starts with the suite's own key, whatever an earlier test configured."""
    crypto.configure(TEST_RECORD_KEY)


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh database on the PostgreSQL server under test."""
    if not SERVER_URL:
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    name = f"t_{uuid.uuid4().hex[:12]}"
    _admin_execute(SERVER_URL, f'CREATE DATABASE "{name}"')
    yield str(make_url(normalise_url(SERVER_URL)).set(database=name).render_as_string(False))
    _admin_execute(SERVER_URL, f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A database migrated to head."""
    await upgrade(database_url)
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def on_postgres() -> bool:
    return bool(SERVER_URL)
