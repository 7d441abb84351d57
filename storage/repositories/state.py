"""Dialog state with optimistic versions, the per-conversation lock, and the record of platform
messages already handled."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, text, update
from sqlalchemy import select as select_core
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.sql import Executable
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogs.flow import FINISHED
from dialogs.ports import ConcurrentUpdate, StoredState
from storage.models import DialogState, ProcessedInbound, utcnow

# The first key of PostgreSQL's two-key advisory locks: "conversation". The two-key space does
# not overlap the one-key space the audit chain locks in (storage/repositories/audit.py).
_CONVERSATION_LOCKS = 0x5AFE_C0
# Issue 24: what every turn runs, built once (SQLite's statement, PostgreSQL's statement).
_DIALOG_STATE = DialogState.__table__  # type: ignore[attr-defined]
_LOAD = select_core(_DIALOG_STATE).where(_DIALOG_STATE.c.key == bindparam("key"))
_CLAIM = tuple(
    builder(ProcessedInbound)
    .values(
        platform=bindparam("platform"),
        message_id=bindparam("message_id"),
        seen_at=bindparam("seen_at"),
    )
    .on_conflict_do_nothing(index_elements=["platform", "message_id"])
    for builder in (sqlite_insert, pg_insert)
)


def _lock_id(key: str) -> int:
    """A stable signed 32-bit number for a conversation key (a collision only serialises two
    conversations that happen to share it, never mixes them)."""
    return int.from_bytes(zlib.crc32(key.encode()).to_bytes(4, "big"), "big", signed=True)


class SqlStateStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # The conversation step this turn read, which its writes confirm: the key, the version and
        # when it was saved (versions start again at 1 after a conversation is deleted).
        self.loaded: tuple[str, int, datetime] | None = None

    @property
    def _dialect(self) -> str:
        return self._session.bind.dialect.name if self._session.bind else "sqlite"

    async def _run(self, statement: Executable) -> CursorResult[Any]:
        """Core statements (insert, update, delete) on the unit of work's connection."""
        connection = await self._session.connection()
        return await connection.execute(statement)

    async def lock(self, key: str) -> None:
        """Hold every other instance's turn of this conversation until this transaction ends.

        PostgreSQL: a transaction-scoped advisory lock, released by the commit or rollback.
        SQLite has one writer at a time already, and the engine serialises a process's own turns;
        a second process is caught by the version checks below.
        """
        if self._dialect == "postgresql":
            statement = text("SELECT pg_advisory_xact_lock(:space, :key)")
            await self._run(statement.bindparams(space=_CONVERSATION_LOCKS, key=_lock_id(key)))

    async def load(self, key: str) -> StoredState | None:
        connection = await self._session.connection()
        row = (await connection.execute(_LOAD, {"key": key})).first()
        if row is None:
            self.loaded = None
            return None
        # A finished conversation confirms nothing more (the engine leaves it as it is).
        self.loaded = (key, row.version, row.updated_at) if row.step != FINISHED else None
        return StoredState(row.flow, row.step, dict(row.data), row.version, row.expires_at)

    async def save(
        self,
        key: str,
        flow: str,
        step: str,
        data: Mapping[str, Any],
        expires_at: datetime,
        expected_version: int | None,
    ) -> int:
        values = {
            "flow": flow,
            "step": step,
            "data": dict(data),
            "expires_at": expires_at,
            "updated_at": utcnow(),
        }
        if expected_version is None:
            # Two first messages at once: the second insert does nothing (on PostgreSQL it waits
            # for the first to commit) and is told the conversation moved on, never an error.
            builder = pg_insert if self._dialect == "postgresql" else sqlite_insert
            statement = (
                builder(DialogState)
                .values(key=key, version=1, **values)
                .on_conflict_do_nothing(index_elements=["key"])
            )
            if not (await self._run(statement)).rowcount:
                raise ConcurrentUpdate(key)
            return 1
        result = await self._run(
            update(DialogState)
            .where(DialogState.key == key, DialogState.version == expected_version)  # type: ignore[arg-type]
            .values(version=expected_version + 1, **values)
        )
        if result.rowcount != 1:
            raise ConcurrentUpdate(key)
        self._session.expire_all()
        return expected_version + 1

    async def delete(self, key: str, expected_version: int | None = None) -> None:
        """Forget a conversation; with a version, only if it is still at that version."""
        statement = delete(DialogState).where(DialogState.key == key)  # type: ignore[arg-type]
        if expected_version is None:
            await self._run(statement)
            return
        statement = statement.where(DialogState.version == expected_version)  # type: ignore[arg-type]
        if (await self._run(statement)).rowcount != 1:
            raise ConcurrentUpdate(key)

    async def claim_message(self, platform: str, message_id: str) -> bool:
        statement = _CLAIM[self._dialect == "postgresql"]
        connection = await self._session.connection()
        values = {"platform": platform, "message_id": message_id, "seen_at": utcnow()}
        result = await connection.execute(statement, values)
        return bool(result.rowcount)

    async def expired(self, now: datetime) -> int:
        """Housekeeping: drop conversations nobody came back to."""
        result = await self._run(
            delete(DialogState).where(DialogState.expires_at < now)  # type: ignore[arg-type]
        )
        return int(result.rowcount)

    async def has(self, key: str) -> bool:
        return (
            await self._session.exec(select(DialogState.key).where(DialogState.key == key))
        ).first() is not None
