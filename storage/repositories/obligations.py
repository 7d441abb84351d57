"""A person's kept obligations, read by "what's due" in one statement (issue 24 item 1).

The scheduler keeps what each person owes as rows (storage/models/obligations.py, scheduling/
obligations.py). Those rows stand for `due_items` on every day from `computed_on` up to (not
including) `valid_until`, only while nothing the policy reads has changed since (`computed`
equals `changes`, which the database triggers bump in the writer's own transaction) and the
pack's rules are the ones they were computed under (`pack_fingerprint`). So a turn can tell in
the same statement that reads them whether they are current: if they are not (a session just
booked or a record just signed, before the scheduler's next pass; the day past `valid_until`; a
pack edit; a person the scheduler has not reached yet), the read answers None and the chat
recomputes from history as before, which is what the kept rows would say once refreshed.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import bindparam, func, or_
from sqlalchemy import select as core_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogs.ports import KeptDue
from policy.frequencies import DueItem, overdue_days
from policy.obligations import MissedMonth
from policy.packs import Pack
from policy.vocabulary import SessionStatus
from storage.models import (
    Case,
    CaseAllocation,
    Obligation,
    ObligationState,
    RecordCaseDiscussion,
    SessionAttendee,
    SupervisionRecord,
    SupervisionSession,
)

_fingerprints: dict[int, tuple[Pack, str]] = {}
_lock = threading.Lock()


def pack_fingerprint(pack: Pack) -> str:
    """Changes whenever the pack's rules do, so a deployed pack edit recomputes its council.
    Kept per pack object (packs are loaded once and not changed in place): serialising a pack
    cost about a millisecond, once a turn."""
    found = _fingerprints.get(id(pack))
    if found is not None and found[0] is pack:
        return found[1]
    fingerprint = hashlib.sha256(pack.model_dump_json().encode()).hexdigest()[:32]
    with _lock:
        if len(_fingerprints) > 256:  # packs reloaded many times (tests): forget the old
            _fingerprints.clear()
        _fingerprints[id(pack)] = (pack, fingerprint)
    return fingerprint


def missed_json(missed: Sequence[MissedMonth]) -> str:
    """The months missed as ObligationState.missed keeps them."""
    return json.dumps(
        [[m.obligation, m.description, m.month.isoformat(), m.source] for m in missed]
    )


State, Kept = ObligationState, Obligation
# Built once with bound parameters: the state and the rows in one statement, the state's columns
# repeated on each row (a person owes a handful of things), one row with NULLs if they owe none.
_KEPT = (
    core_select(
        col(State.changes), col(State.computed), col(State.computed_on),
        col(State.valid_until), col(State.pack_fingerprint), col(State.missed), col(Kept.kind),
        col(Kept.description), col(Kept.source), col(Kept.case_reference),
        col(Kept.session_id), col(Kept.record_kind), col(Kept.due),
    )
    .outerjoin(Kept, col(Kept.staff_id) == State.staff_id)
    .where(col(State.staff_id) == bindparam("staff_id"))
    .order_by(col(Kept.id))  # the order due_items gave them (soonest first), as written
)  # fmt: skip


async def kept_due(session: AsyncSession, staff_id: int, pack: Pack, on: date) -> KeptDue | None:
    """`staff_id`'s kept obligations and months missed on `on`, or None if the kept rows may not
    be what the policy would answer today (see the module's docstring)."""
    connection = await session.connection()
    rows = (await connection.execute(_KEPT, {"staff_id": staff_id})).all()
    if not rows:
        return None  # no state row: someone added since the last migration's backfill
    changes, computed, computed_on, valid_until, fingerprint, missed = rows[0][:6]
    if (
        changes != computed  # a fact changed since: the scheduler has not been round yet
        or computed_on is None
        or valid_until is None
        or not computed_on <= on < valid_until  # only the passing of days changed nothing
        or fingerprint != pack_fingerprint(pack)
        or missed is None  # kept before months missed were (migration 6e1f0b2a9c47)
    ):
        return None
    items = tuple(
        DueItem(kind, description, staff_id, due, overdue_days(due, on), source, ref, sid, rk)
        for *_, kind, description, source, ref, sid, rk, due in rows
        if kind is not None
    )
    months = tuple(
        MissedMonth(staff_id, obligation, description, date.fromisoformat(month), source)
        for obligation, description, month, source in json.loads(missed)
    )
    return KeptDue(items, months)


def _as_day(moment: Any, pack: Pack) -> date | None:
    """An aggregate over a UTC column comes back as naive text on SQLite (no column type)."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    day: date = moment.astimezone(pack.zone).date()
    return day


async def last_reviewed(
    session: AsyncSession, worker_ids: Sequence[int], people: Sequence[int], pack: Pack, on: date
) -> dict[int, list[tuple[str, date | None]]]:
    """Each worker's cases open on `on`, with the day of the last held session whose record
    discussed the case (None: never), in one statement: what policy.record_review ranks. As the
    recomputation reads it, only sessions of `people` (the manager and these workers) count."""
    A, C, D = CaseAllocation, Case, RecordCaseDiscussion
    R, T = SupervisionRecord, SupervisionSession
    attending = core_select(col(SessionAttendee.session_id)).where(
        col(SessionAttendee.staff_id).in_(list(people))
    )
    discussed = (
        core_select(col(D.case_id).label("case_id"), func.max(col(T.planned_start)).label("at"))
        .join(R, col(R.id) == D.record_id)
        .join(T, col(T.id) == R.session_id)
        .where(
            col(T.status) == SessionStatus.HELD.value,
            or_(col(T.supervisor_id).in_(list(people)), col(T.id).in_(attending)),
        )
        .group_by(col(D.case_id))
        .subquery()
    )
    connection = await session.connection()
    rows = await connection.execute(
        core_select(col(A.staff_id), col(C.reference), discussed.c.at)
        .join(C, col(C.id) == A.case_id)
        .outerjoin(discussed, discussed.c.case_id == C.id)
        .where(
            col(A.staff_id).in_(list(worker_ids)),
            col(A.start_date) <= on,
            or_(col(A.end_date).is_(None), col(A.end_date) > on),
            col(C.opened) <= on,
            or_(col(C.closed).is_(None), col(C.closed) > on),
        )
        .order_by(col(A.id))
    )
    found: dict[int, list[tuple[str, date | None]]] = {w: [] for w in worker_ids}
    for worker, reference, at in rows.all():
        found[worker].append((reference, _as_day(at, pack)))
    return found
