"""Actions chased (issue 27): once a day per council, the owner of each open action from a signed
record is asked about it (policy.actions.ask_about_action), privately, with Done, Not yet and No
longer needed on the message (dialogs.action_card). Each ask is keyed by action and day, and
sets the action's `asked_on` in the same transaction, so the next ask waits the pack's interval
however many instances plan it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from datetime import time as clock_time

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from sqlmodel import select as sqlmodel_select

from dialogs.action_card import action_card
from dialogs.i18n import choose, use_language
from dialogs.serialise import to_dict
from dialogs.views import ActionView
from policy.actions import ask_about_action
from policy.packs import Pack
from scheduling.obligations import Stats, _chunks
from storage.db import session_factory
from storage.models import RecordAction, Staff, SupervisionRecord, SupervisionSession
from storage.outbox import Queued, destinations_of, enqueue_many, sealed

ACTIONS_PER_WRITE = 20  # asks per write transaction (each with its rows and its asked_on)


def send_at(pack: Pack, now: datetime, today: date) -> datetime:
    """At the pack's digest time of day (the council's working morning), or now if later."""
    hour, minute = (int(part) for part in pack.digest.time.split(":"))
    return max(now, datetime.combine(today, clock_time(hour, minute), tzinfo=pack.zone))


async def chase_actions(
    database: AsyncEngine,
    organisation_id: int,
    pack: Pack,
    now: datetime,
    today: date,
    stats: Stats,
) -> int:
    """Queue today's asks about open actions; returns how many outbox rows were new."""
    rule = pack.actions
    a, r, s = RecordAction, SupervisionRecord, SupervisionSession
    query = (
        select(
            col(a.id), col(a.description), col(a.owner_id), col(a.due_date), col(a.review_date),
            col(a.asked_on),
        )
        .join(r, col(r.id) == col(a.record_id))
        .join(s, col(s.id) == col(r.session_id))
        .where(
            col(s.organisation_id) == organisation_id,
            col(r.supervisor_signed_at).is_not(None),  # agreed: the record is signed
            col(a.done_at).is_(None),
            col(a.due_date) <= today + timedelta(days=rule.remind_days_before),
        )
        .order_by(col(a.id))
    )  # fmt: skip
    async with database.connect() as connection:
        rows = (await connection.execute(query)).all()
    due = [
        ActionView(int(i or 0), text, owner, on, review, False, None, asked)
        for i, text, owner, on, review, asked in rows
        if ask_about_action(on, asked, rule, today)
    ]
    if not due:
        return 0
    make = session_factory(database)
    at = send_at(pack, now, today)
    added = 0
    for part in _chunks(due, ACTIONS_PER_WRITE):
        owners = sorted({action.owner_id for action in part})
        async with make() as session:
            reach = await destinations_of(session, owners)
            languages = await session.exec(
                sqlmodel_select(Staff.id, Staff.language).where(col(Staff.id).in_(owners))
            )
            chosen: dict[int | None, str | None] = dict(languages.all())
        queued = []
        for action in part:
            # Issue 28: in the owner's language (their choice, else the council's default).
            with use_language(choose(chosen.get(action.owner_id), None, pack.language.default)):
                payload = {"replies": [to_dict(action_card(action, today))]}
            queued += [
                Queued(
                    f"action:{action.id}:{today.isoformat()}:{platform}",
                    platform,
                    target,
                    "action",
                    payload,
                    at,
                )
                for platform, target in reach[action.owner_id]
            ]
        rows_out = sealed(queued)  # encrypted before the transaction begins
        with stats.write(f"{len(part)} actions asked about"):
            async with make() as writing:
                added += await enqueue_many(writing, rows_out)
                await (await writing.connection()).execute(
                    update(RecordAction)
                    .where(col(RecordAction.id).in_([action.id for action in part]))
                    .values(asked_on=today)
                )
                await writing.commit()
    stats.queued += added
    return added
