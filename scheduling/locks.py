"""One instance at a time per council, through the database the council already runs.

On PostgreSQL a session-level advisory lock (pg_try_advisory_lock) on a connection of its own:
another instance that finds it taken skips the council this tick instead of waiting, and the lock
goes with the connection if the instance dies. SQLite is one host's embedded database: its single
writer already serialises the writes, and there is nothing to coordinate.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

_NAMESPACE = 0x5355  # "SU": the first key of the two-key advisory lock, for our locks only


@asynccontextmanager
async def council_lock(database: AsyncEngine, organisation_id: int) -> AsyncIterator[bool]:
    """Yields True when this instance holds the council's lock (always on SQLite)."""
    if database.dialect.name != "postgresql":
        yield True
        return
    async with database.connect() as connection:
        key = {"a": _NAMESPACE, "b": organisation_id}
        got = (await connection.execute(text("SELECT pg_try_advisory_lock(:a, :b)"), key)).scalar()
        await connection.commit()
        try:
            yield bool(got)
        finally:
            if got:
                await connection.execute(text("SELECT pg_advisory_unlock(:a, :b)"), key)
                await connection.commit()
