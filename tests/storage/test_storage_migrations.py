"""Migrations build the whole schema on an empty database and match the models exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

import storage.models as models
from storage.db import create_engine, session_factory
from storage.migrate import upgrade


async def test_upgrade_creates_every_table_and_no_drift(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        diff = await connection.run_sync(
            lambda c: compare_metadata(MigrationContext.configure(c), models.metadata)
        )
    assert set(models.metadata.tables) <= tables
    assert "alembic_version" in tables
    assert diff == []


async def test_upgrade_twice_is_harmless(database_url: str) -> None:
    await upgrade(database_url)
    await upgrade(database_url)
    engine = create_engine(database_url)
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
    await engine.dispose()
    assert "staff" in tables


async def test_datetimes_come_back_aware_and_in_utc(engine: AsyncEngine) -> None:
    london_summer = datetime(2026, 7, 1, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    async with session_factory(engine)() as session:
        org = models.Organisation(slug="t", name="Test", pack_id="derbyshire")
        session.add(org)
        await session.commit()
        session.add(models.DialogState(key="k", flow="book", step="who", expires_at=london_summer))
        await session.commit()
    async with session_factory(engine)() as session:
        state = (await session.exec(select(models.DialogState))).one()
    assert state.expires_at.tzinfo is not None
    assert state.expires_at == london_summer
    assert state.expires_at.utcoffset() == timedelta(0)
    assert state.expires_at.hour == 8  # 09:30 BST is 08:30 UTC


async def test_naive_datetimes_are_refused(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session:
        session.add(
            models.DialogState(key="k", flow="book", step="who", expires_at=datetime(2026, 1, 1))
        )
        with pytest.raises(Exception, match="naive datetime"):
            await session.commit()


async def test_decimal_fte_is_exact(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session:
        org = models.Organisation(slug="t", name="Test", pack_id="derbyshire")
        session.add(org)
        await session.flush()
        assert org.id is not None
        session.add(
            models.Staff(
                organisation_id=org.id,
                external_ref="E1",
                name="A Worker",
                email="a@x.gov.uk",
                role="social_worker",
                fte=Decimal("0.6"),
            )
        )
        await session.commit()
    async with session_factory(engine)() as session:
        staff = (await session.exec(select(models.Staff))).one()
    assert staff.fte == Decimal("0.6")
    assert isinstance(staff.fte, Decimal)
    assert staff.created_at.tzinfo == UTC
