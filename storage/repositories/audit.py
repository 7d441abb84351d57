"""The audit trail: append-only, each row hash-chained to the one before it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import CursorResult
from sqlalchemy.sql import Executable
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import AuditCovered, AuditEvent, utcnow

GENESIS = "0" * 64
_LOCK_KEY = 0x5AFE_A0D1  # one advisory lock id for the chain's tail on PostgreSQL


def event_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}|{canonical}".encode()).hexdigest()


def _fields(row: AuditEvent) -> dict[str, Any]:
    return {
        "id": row.id,
        "occurred_at": row.occurred_at.isoformat(),
        "actor_id": row.actor_id,
        "action": row.action,
        "subject_type": row.subject_type,
        "subject_id": row.subject_id,
        "target_staff_id": row.target_staff_id,
        "reason": row.reason,
        "detail": row.detail,
    }


class SqlAudit:
    def __init__(self, session: AsyncSession, clock: Callable[[], datetime] | None = None) -> None:
        self._session = session
        # The application's clock (the demo's moves forward): an event is dated as the rest of
        # the turn is, not by the machine's clock.
        self._clock = clock or utcnow

    async def _run(self, statement: Executable) -> CursorResult[Any]:
        """Core statements (insert, update, delete) on the unit of work's connection."""
        connection = await self._session.connection()
        return await connection.execute(statement)

    async def record(
        self,
        *,
        actor_id: int | None,
        action: str,
        subject_type: str,
        subject_id: str,
        target_staff_id: int | None,
        reason: str = "",
        detail: Mapping[str, Any] | None = None,
        at: datetime | None = None,
        covered: Sequence[int] = (),
    ) -> None:
        """One event. `covered`: the people it concerns besides `target_staff_id` (a team
        view's members): listed in its hashed detail, and each findable by subject access."""
        people = list(dict.fromkeys(covered))
        if people:
            detail = {**(detail or {}), "covered": people}
        bind = self._session.bind
        if bind is not None and bind.dialect.name == "postgresql":
            # Serialise appends across instances so the chain never forks.
            await self._run(text(f"SELECT pg_advisory_xact_lock({_LOCK_KEY})"))
        last = (
            await self._session.exec(
                select(AuditEvent.id, AuditEvent.hash).order_by(col(AuditEvent.id).desc()).limit(1)
            )
        ).first()
        prev_hash = last[1] if last else GENESIS
        row = AuditEvent(
            id=(last[0] or 0) + 1 if last else 1,
            occurred_at=at or self._clock(),
            actor_id=actor_id,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            target_staff_id=target_staff_id,
            reason=reason,
            detail=dict(detail or {}),
            prev_hash=prev_hash,
            hash="",
        )
        row.hash = event_hash(prev_hash, _fields(row))
        self._session.add(row)
        await self._session.flush()
        if people:  # after the event: the rows refer to it
            connection = await self._session.connection()
            await connection.execute(
                insert(AuditCovered),
                [{"event_id": row.id, "staff_id": person} for person in people],
            )

    async def handover(self, staff_id: int, new_manager_id: int) -> tuple[int | None, bool] | None:
        events = (
            await self._session.exec(
                select(AuditEvent.detail)
                .where(
                    AuditEvent.subject_type == "handover", AuditEvent.subject_id == str(staff_id)
                )
                .order_by(col(AuditEvent.id))
            )
        ).all()
        found: tuple[int | None, bool] | None = None
        for detail in events:
            if detail.get("to") != new_manager_id:
                continue
            if detail.get("event") == "line manager changed":
                found = (detail.get("from"), False)
            elif detail.get("event") == "confirmed" and found is not None:
                found = (found[0], True)
        return found

    async def record_reads(
        self,
        *,
        actor_id: int,
        subject_type: str,
        staff_ids: Sequence[int],
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """One read event per person, chained as `record` chains them, in one append: a team
        view reads a dozen people at once (issue 26), and one flush is far cheaper than twelve."""
        if not staff_ids:
            return
        bind = self._session.bind
        if bind is not None and bind.dialect.name == "postgresql":
            await self._run(text(f"SELECT pg_advisory_xact_lock({_LOCK_KEY})"))
        last = (
            await self._session.exec(
                select(AuditEvent.id, AuditEvent.hash).order_by(col(AuditEvent.id).desc()).limit(1)
            )
        ).first()
        next_id = (last[0] or 0) + 1 if last else 1
        prev_hash = last[1] if last else GENESIS
        at = self._clock()
        for staff_id in staff_ids:
            row = AuditEvent(
                id=next_id,
                occurred_at=at,
                actor_id=actor_id,
                action="read",
                subject_type=subject_type,
                subject_id=str(staff_id),
                target_staff_id=staff_id,
                reason="",
                detail=dict(detail or {}),
                prev_hash=prev_hash,
                hash="",
            )
            row.hash = event_hash(prev_hash, _fields(row))
            self._session.add(row)
            next_id, prev_hash = next_id + 1, row.hash
        await self._session.flush()


@dataclass(frozen=True)
class ChainProblem:
    event_id: int
    problem: str


async def verify_chain(session: AsyncSession) -> tuple[int, Sequence[ChainProblem]]:
    """Re-compute every hash: an edited, deleted, inserted or reordered row breaks the chain."""
    rows = (await session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))).all()
    problems: list[ChainProblem] = []
    prev_hash, expected_id = GENESIS, 1
    for row in rows:
        assert row.id is not None
        if row.id != expected_id:
            problems.append(ChainProblem(row.id, f"expected event {expected_id}: rows missing"))
        if row.prev_hash != prev_hash:
            problems.append(ChainProblem(row.id, "does not follow the event before it"))
        if event_hash(row.prev_hash, _fields(row)) != row.hash:
            problems.append(ChainProblem(row.id, "content changed after it was written"))
        prev_hash, expected_id = row.hash, row.id + 1
    return len(rows), problems
