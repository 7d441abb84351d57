"""Writes that may happen once, each claimed by a UniqueWrite key in the transaction making it.

Inside a turn, each new row of a table that a person confirms (a manager decision, informal
supervision, an absence, an over-cap approval, a personal element, a booking, a record) claims a
key made of the conversation and the state version the turn loaded. Two turns that confirmed the
same step claim the same key and the database refuses the second, whatever the engine's own
checks did: a race or a bug elsewhere cannot commit a duplicate. A signature claims one key per
record and party, and a session is marked held once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from policy.vocabulary import SessionStatus
from storage.models import (
    Absence,
    InformalSupervision,
    ManagerDecision,
    OverCapApproval,
    PersonalElement,
    SupervisionRecord,
    SupervisionSession,
)
from storage.models.decisions import UniqueWrite

ONE_PER_CONFIRMATION = (
    ManagerDecision,
    InformalSupervision,
    OverCapApproval,
    PersonalElement,
    Absence,
    SupervisionSession,
    SupervisionRecord,
)
_SIGNATURES = ("supervisor_signed_at", "supervisee_signed_at")


def confirmation_of(key: str, version: int, saved_at: datetime) -> str:
    """One conversation step, hashed: a key says nothing about who was talking."""
    step = f"{key}#{version}@{saved_at.isoformat()}"
    return hashlib.sha256(step.encode()).hexdigest()[:32]


def claimed_twice(error: IntegrityError) -> bool:
    """The database refused a second claim of the same key (SQLite and PostgreSQL wordings)."""
    return str(UniqueWrite.__tablename__) in str(error.orig).lower()


class UniqueWrites:
    """Claims a key for each guarded write a session flushes; one per unit of work."""

    def __init__(self, confirmation: Callable[[], str | None]) -> None:
        self._confirmation = confirmation  # the step this turn confirms, if it loaded one
        self._counts: dict[str, int] = {}

    def watch(self, session: AsyncSession) -> None:
        event.listen(session.sync_session, "before_flush", self._before_flush)

    def _before_flush(self, session: Session, _context: Any, _instances: Any) -> None:
        keys = []
        confirmation = self._confirmation()
        if confirmation is not None:
            for row in session.new:
                if isinstance(row, ONE_PER_CONFIRMATION):
                    table = str(type(row).__tablename__)
                    count = self._counts.get(table, 0)
                    self._counts[table] = count + 1
                    keys.append(f"confirm:{confirmation}:{table}:{count}")
        for row in session.dirty:
            if isinstance(row, SupervisionRecord):
                for column in _SIGNATURES:
                    if _became(row, column, lambda value: value is not None):
                        keys.append(f"sign:{row.id}:{column.removesuffix('_signed_at')}")
            elif isinstance(row, SupervisionSession) and _became(row, "status", _is_held):
                keys.append(f"held:{row.id}")
        for key in keys:
            session.add(UniqueWrite(key=key))


def _became(row: object, column: str, wanted: Callable[[Any], bool]) -> bool:
    """The column is being changed to a wanted value from one that was not."""
    history = inspect(row).attrs[column].history
    return (
        bool(history.added)
        and wanted(history.added[0])
        and not any(wanted(value) for value in history.deleted)
    )


def _is_held(value: Any) -> bool:
    return bool(value == SessionStatus.HELD.value)
