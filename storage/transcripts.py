"""The playground's conversation as each person, kept in the database (issue 22): a reload of
the page, or a restart of the server, shows it again. The newest turns per person are kept, the
rest deleted as each turn is added; erasure (storage.retention) removes a person's with them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from storage.db import session_factory
from storage.models import PlaygroundTurn

TURNS_KEPT = 200  # a long session's worth; a page shows them all at once


async def keep(
    engine: AsyncEngine,
    staff_id: int,
    turn: Mapping[str, Any],
    at: datetime,
    kept: int = TURNS_KEPT,
) -> None:
    """Add a turn to the person's transcript and forget any beyond the newest `kept`."""
    async with session_factory(engine)() as session:
        session.add(PlaygroundTurn(staff_id=staff_id, turn=dict(turn), said_at=at))
        await session.flush()
        oldest_kept = (
            await session.exec(
                select(PlaygroundTurn.id)
                .where(PlaygroundTurn.staff_id == staff_id)
                .order_by(col(PlaygroundTurn.id).desc())
                .offset(kept - 1)
                .limit(1)
            )
        ).first()
        if oldest_kept is not None:
            connection = await session.connection()
            await connection.execute(
                delete(PlaygroundTurn).where(
                    col(PlaygroundTurn.staff_id) == staff_id, col(PlaygroundTurn.id) < oldest_kept
                )
            )
        await session.commit()


async def turns(engine: AsyncEngine, staff_id: int) -> Sequence[dict[str, Any]]:
    """The person's transcript, oldest first."""
    async with session_factory(engine)() as session:
        rows = await session.exec(
            select(PlaygroundTurn.turn)
            .where(PlaygroundTurn.staff_id == staff_id)
            .order_by(col(PlaygroundTurn.id))
        )
        return [dict(turn) for turn in rows.all()]
