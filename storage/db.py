"""Engines and sessions: built on demand from a URL, never at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

DEFAULT_URL = "sqlite+aiosqlite:///./data/supervision.db"


def normalise_url(url: str) -> str:
    """Accept the URLs people paste (postgres://, postgresql://) and pick the async drivers."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        url = "sqlite+aiosqlite://" + url.removeprefix("sqlite://")
    return url


def create_engine(url: str = DEFAULT_URL, *, auto_checkpoint: bool = True) -> AsyncEngine:
    """`auto_checkpoint=False` (SQLite): this engine's commits never copy the WAL back into the
    database themselves; its owner calls `checkpoint` between its writes instead (the
    scheduler: a commit that crosses the WAL's size otherwise runs the checkpoint before it
    returns, and a Monday's batches of digests grew some commits from a few ms to 390 ms)."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        if not auto_checkpoint:
            event.listen(engine.sync_engine, "connect", _no_auto_checkpoint)
        return engine
    return create_async_engine(url, pool_pre_ping=True)


async def checkpoint(engine: AsyncEngine) -> bool:
    """SQLite: copy what the WAL holds back into the database now, outside any transaction.
    PASSIVE waits for no reader or writer and holds none up (sqlite.org/wal.html); a busy
    database is simply checkpointed further next time. Nothing to do on PostgreSQL: False."""
    if engine.dialect.name != "sqlite":
        return False
    async with engine.connect() as connection:
        await connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
    return True


def _no_auto_checkpoint(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    # Foreign keys are off by default in SQLite; WAL lets readers work while the scheduler writes.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # In WAL mode NORMAL syncs at checkpoints rather than on every commit: the database can
    # never be corrupted, and a crash of the bot loses nothing; a power cut or OS crash may lose
    # the last moments' commits. FULL fsyncs each commit and took a third of a chat answer's CPU.
    # (Rails defaults SQLite to the same; use PostgreSQL where every commit must reach disk.)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def session_scope(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session that commits when the block ends normally and rolls back otherwise."""
    async with session_factory(engine)() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
