"""SQLite's WAL checkpoints: the scheduler's engine leaves them to the scheduler, between writes,
so that no commit of its runs one before it returns (issue 18: short write transactions)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import checkpoint, create_engine


async def _wal_frames(engine: AsyncEngine) -> int:
    """Frames in the WAL now (PRAGMA wal_checkpoint answers busy, frames, checkpointed)."""
    async with engine.connect() as connection:
        row = (await connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")).one()
    return int(row[1])


async def _write(engine: AsyncEngine, transactions: int) -> None:
    async with engine.begin() as connection:
        await connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS t (x BLOB)")
    for _ in range(transactions):
        async with engine.begin() as connection:  # about 50 pages a transaction
            await connection.exec_driver_sql("INSERT INTO t VALUES (randomblob(200000))")


async def test_only_an_engine_with_auto_checkpoint_checkpoints_on_commit(tmp_path: Path) -> None:
    frames = {}
    for auto in (True, False):
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/{auto}.db", auto_checkpoint=auto)
        try:
            # A checkpoint between each pair keeps the WAL from being reset, so its frames
            # count what the commits left in it: past SQLite's 1,000 pages only without auto.
            await _write(engine, 30)
            frames[auto] = await _wal_frames(engine)
        finally:
            await engine.dispose()
    assert frames[False] > 1000  # 30 commits of ~50 pages, none checkpointed on commit
    assert frames[True] < 1000  # a commit past 1,000 pages checkpointed and the WAL restarted


async def test_checkpoint_copies_the_wal_back_and_is_nothing_on_other_engines(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/c.db", auto_checkpoint=False)
    try:
        await _write(engine, 5)
        assert await checkpoint(engine) is True
        async with engine.connect() as connection:
            busy, log, done = (
                await connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            ).one()
        assert busy == 0
        assert log == done > 0  # every frame is in the database file
        async with engine.connect() as connection:
            limit = (await connection.exec_driver_sql("PRAGMA wal_autocheckpoint")).scalar()
        assert limit == 0
    finally:
        await engine.dispose()
