"""Dialog state with optimistic versions, and the record of platform messages already handled."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, update
from sqlalchemy import select as select_core
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.sql import Executable
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogs.ports import ConcurrentUpdate, StoredState
from storage.models import DialogState, ProcessedInbound, utcnow


class SqlStateStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _run(self, statement: Executable) -> CursorResult[Any]:
        """Core statements (insert, update, delete) on the unit of work's connection."""
        connection = await self._session.connection()
        return await connection.execute(statement)

    async def load(self, key: str) -> StoredState | None:
        table = DialogState.__table__  # type: ignore[attr-defined]
        row = (await self._run(select_core(table).where(table.c.key == key))).first()
        if row is None:
            return None
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
            existing = await self._session.get(DialogState, key)
            if existing is not None:
                raise ConcurrentUpdate(key)
            await self._run(insert(DialogState).values(key=key, version=1, **values))
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

    async def delete(self, key: str) -> None:
        await self._run(delete(DialogState).where(DialogState.key == key))  # type: ignore[arg-type]

    async def claim_message(self, platform: str, message_id: str) -> bool:
        dialect = self._session.bind.dialect.name if self._session.bind else "sqlite"
        builder = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            builder(ProcessedInbound)
            .values(platform=platform, message_id=message_id, seen_at=utcnow())
            .on_conflict_do_nothing(index_elements=["platform", "message_id"])
        )
        result = await self._run(statement)
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
