"""The minute tick's reminders: read only the stored obligations whose planning day has come.

Each obligation row carries `next_plan`, the next day a reminder may be due for it (an index), so
a tick with nothing new reads nothing but that index. What the reminders say and when they go is
still decided by dialogs.reminders.plan_for_person from the same due items as before, with the
same idempotency keys, so planning twice or on several instances queues each message once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import aliased
from sqlmodel import col

from dialogs.recipients import language_for
from dialogs.reminders import QuietHours, plan_for_person
from dialogs.serialise import to_dict
from policy.facts import StaffFacts
from policy.frequencies import DueItem, overdue_days
from policy.packs import Pack
from scheduling.obligations import Stats, _chunks
from scoring.vocabulary import StaffRole
from storage.db import session_factory
from storage.models import Absence, Obligation, ObligationState, Snooze, Staff
from storage.outbox import Queued, destinations_of, enqueue_many, sealed

log = logging.getLogger(__name__)

# People planned together: their reads (a statement each for their staff rows, absences, snoozes
# and chats, whatever their number), then their writes. Issue 18: 20 at a time made the first
# tick of the day at 0.1x England about 700 reads; a council's day is now a few.
PEOPLE_PER_READ = 500
ROWS_PER_WRITE = 25  # outbox rows per write transaction (issue 18: under 50 ms)
IDS_PER_UPDATE = 500  # planned obligations moved on to tomorrow per write transaction


def _zone(name: str, fallback: ZoneInfo) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


def _languages(
    chosen: Mapping[int, tuple[str | None, str | None]], default: str
) -> Callable[[int], str]:
    """Each reader's language: their choice, else their Teams client's, else the default."""

    def language_of(staff_id: int) -> str:
        language, client = chosen.get(staff_id, (None, None))
        return language_for(language, default, client)

    return language_of


async def plan_reminders(
    database: AsyncEngine,
    organisation_id: int,
    pack: Pack,
    now: datetime,
    today: date,
    stats: Stats,
) -> int:
    """Queue today's reminders and escalations for everyone with an obligation whose planning
    day has come; returns how many outbox rows were new."""
    ob, st = Obligation, ObligationState
    query = select(
        col(ob.id), col(ob.staff_id), col(ob.kind), col(ob.description), col(ob.source),
        col(ob.case_reference), col(ob.session_id), col(ob.due), col(ob.record_kind),
    ).join(st, col(st.staff_id) == col(ob.staff_id)).where(
        col(ob.organisation_id) == organisation_id,
        col(ob.next_plan) <= today,
        # Only what is computed from the facts as they are now: a person marked stale since
        # (a session just held, on another instance) is planned once recomputed.
        col(st.computed) == col(st.changes),
        col(st.valid_until) > today,
    )  # fmt: skip
    async with database.connect() as connection:
        rows = (await connection.execute(query)).all()
    if not rows:
        return 0
    by_person: dict[int, list[tuple[int, DueItem]]] = defaultdict(list)
    for row_id, staff_id, kind, description, source, reference, session_id, due, rk in rows:
        item = DueItem(
            kind,
            description,
            staff_id,
            due,
            overdue_days(due, today),
            source,
            reference,
            session_id,
            rk,
        )
        by_person[staff_id].append((int(row_id or 0), item))
    added = 0
    make = session_factory(database)
    for people in _chunks(sorted(by_person), PEOPLE_PER_READ):
        async with make() as session:  # reads for this chunk of people only
            connection = await session.connection()
            manager, above = aliased(Staff), aliased(Staff)
            read = (
                await connection.execute(
                    select(
                        col(Staff.id), col(Staff.name), col(Staff.role), col(Staff.team_id),
                        col(Staff.line_manager_id), col(Staff.start_date), col(Staff.timezone),
                        col(Staff.quiet_hours_start), col(Staff.quiet_hours_end),
                        col(manager.line_manager_id),
                        # Issue 28 item 1: each message in its recipient's language (the person
                        # reminded, or the manager an escalation goes to), read in this statement.
                        col(Staff.language), col(Staff.client_language),
                        col(above.language), col(above.client_language),
                    )
                    .outerjoin(manager, col(manager.id) == col(Staff.line_manager_id))
                    .outerjoin(above, col(above.id) == col(manager.line_manager_id))
                    .where(col(Staff.id).in_(people))
                )
            ).all()  # fmt: skip
            staff_rows = [row[:10] for row in read]
            chosen: dict[int, tuple[str | None, str | None]] = {}
            for row in read:
                chosen[int(row[0] or 0)] = (row[10], row[11])
                if row[9] is not None:
                    chosen[int(row[9])] = (row[12], row[13])
            away = {
                staff_id
                for (staff_id,) in (
                    await connection.execute(
                        select(col(Absence.staff_id)).where(
                            col(Absence.staff_id).in_(people),
                            col(Absence.start_date) <= today,
                            col(Absence.end_date) >= today,
                        )
                    )
                ).all()
            }
            snoozed: dict[int, dict[str, date]] = defaultdict(dict)
            for staff_id, kind, until in (
                await connection.execute(
                    select(col(Snooze.staff_id), col(Snooze.kind), col(Snooze.until)).where(
                        col(Snooze.staff_id).in_(people),
                        col(Snooze.until) >= today,
                    )
                )
            ).all():
                snoozed[staff_id][kind] = until
            language_of = _languages(chosen, pack.language.default)

            queued: list[Queued] = []
            planned_ids: list[int] = []
            escalate_to: dict[int, int | None] = {}
            for row_sid, name, role, team, line, start, zone, q_start, q_end, boss in staff_rows:
                sid = int(row_sid or 0)
                person = StaffFacts(
                    sid, name, StaffRole(role), team or 0, line, start or date(2000, 1, 1)
                )
                escalate_to[sid] = boss
                items = by_person[sid]
                try:
                    plans = plan_for_person(
                        person,
                        [item for _, item in items],
                        pack,
                        today,
                        now,
                        zone=_zone(zone, pack.zone),
                        quiet=QuietHours(q_start, q_end),
                        escalate_to=boss,
                        absent_today=sid in away,
                        snoozed=snoozed.get(sid, {}),
                        language_of=language_of,
                    )
                except Exception as error:  # planned again next tick; the others go now
                    stats.failed(
                        f"reminders of staff {sid} (organisation {organisation_id})", error
                    )
                    continue
                planned_ids += [row_id for row_id, _ in items]
                for planned in plans:
                    payload = {"replies": [to_dict(r) for r in planned.replies]}
                    queued.append(
                        Queued(
                            planned.key, "", str(planned.staff_id), planned.kind, payload,
                            planned.send_at,
                        )
                    )  # fmt: skip
            reach = await destinations_of(session, sorted({int(q.target) for q in queued}))
            rows_out = [
                Queued(f"{q.key}:{platform}", platform, target, q.kind, q.payload, q.due_at)
                for q in queued
                for platform, target in reach[int(q.target)]
            ]
        # The writes: a few rows per transaction (each payload encrypted before it begins),
        # then the planned obligations move on to tomorrow. Keys make it safe to stop between
        # the two: planning the same people again queues only what is missing.
        for part in _chunks(sealed(rows_out), ROWS_PER_WRITE):
            with stats.write(f"{len(part)} reminder rows"):
                async with make() as writing:
                    added += await enqueue_many(writing, part)
                    await writing.commit()
        table = Obligation.__table__  # type: ignore[attr-defined]
        for ids in _chunks(planned_ids, IDS_PER_UPDATE):
            with stats.write(f"{len(ids)} obligations planned"):
                async with make() as writing:
                    await (await writing.connection()).execute(
                        update(table)
                        .where(table.c.id.in_(ids))
                        .values(next_plan=today + timedelta(days=1))
                    )
                    await writing.commit()
        stats.planned += len(people)
    stats.queued += added
    return added
