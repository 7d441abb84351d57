"""The agenda the day before (issue 27): once a day per council, each supervision booked for
tomorrow has its agenda (dialogs.agenda) sent privately to its supervisor and to each
supervisee, at the pack's morning time (scheduling.actions.send_at); each supervisee also gets
the pack's reflection questions where it has them, with a button to answer them
(dialogs.flows.reflect). Each message is keyed by session, supervisee, recipient and the
session's day (dialogs.agenda.agenda_key), so several instances, or a restart, queue it once; a
session moved to another day is a new agenda. A session booked after this run, for tomorrow or
later today, has the same message sent at booking under the same key (dialogs.agenda.
booking_agendas): once either way.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from datetime import time as clock_time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from dialogs.agenda import agenda_card, agenda_key, for_supervisor, reflect_key, reflection_card
from dialogs.flow import Turn
from dialogs.i18n import use_language
from dialogs.messages import Card
from dialogs.recipients import language_for
from dialogs.serialise import to_dict
from policy.packs import Pack
from policy.vocabulary import SessionStatus
from scheduling.actions import send_at
from scheduling.obligations import Stats, _chunks
from scheduling.reminders import ROWS_PER_WRITE
from storage.db import session_factory
from storage.models import SupervisionSession
from storage.outbox import Queued, destinations_of, enqueue_many, sealed
from storage.repositories.prepared import prepare, read_ahead
from storage.unit_of_work import unit_of_work_factory


async def send_agendas(
    database: AsyncEngine,
    organisation_id: int,
    pack: Pack,
    packs: Mapping[str, Pack],
    now: datetime,
    today: date,
    stats: Stats,
) -> int:
    """Queue the agendas of tomorrow's booked supervisions; returns how many rows were new."""
    tomorrow = today + timedelta(days=1)
    start = datetime.combine(tomorrow, clock_time(0), tzinfo=pack.zone)
    s = SupervisionSession
    query = (
        select(col(s.id))
        .where(
            col(s.organisation_id) == organisation_id,
            col(s.status) == SessionStatus.BOOKED.value,
            col(s.planned_start) >= start,
            col(s.planned_start) < start + timedelta(days=1),
        )
        .order_by(col(s.planned_start), col(s.id))
    )
    async with database.connect() as connection:
        session_ids = [int(i or 0) for i in (await connection.execute(query)).scalars().all()]
    if not session_ids:
        return 0
    at = send_at(pack, now, today)
    queued: list[Queued] = []
    unit_of_work = unit_of_work_factory(database, packs)
    async with unit_of_work() as unit:
        # Issue 18: what every agenda below reads, for all of tomorrow's supervisees at once
        # (a few statements for the council, not a dozen for each); the cards are drawn by the
        # chat's own functions, which find the answers already read.
        caps = pack.count_caps()
        reads = await read_ahead(
            unit.session,
            session_ids,
            today,
            teams=caps is not None and caps.needs_team_caseload,
        )
        prepare(unit, reads)
        everyone = sorted(
            {v.supervisor_id for v in reads.sessions.values()}
            | {who for v in reads.sessions.values() for who in v.supervisee_ids}
        )
        reach = await destinations_of(unit.session, everyone)
        for session_id in session_ids:
            booked = await unit.sessions.get(session_id)
            if booked is None:
                continue
            for supervisee_id in booked.supervisee_ids:
                supervisee = await unit.directory.staff(supervisee_id)
                if supervisee is None:
                    continue
                turn = Turn(unit, supervisee, pack, now, "", pack.zone)
                readers = sorted({booked.supervisor_id, supervisee_id})
                payloads = {}
                languages: dict[int, str] = {}
                cards: dict[str, Card] = {}  # drawn once for each language the readers read
                for reader in readers:
                    # Issue 28: each reader's copy in their language (their choice, else the
                    # council's default); the supervisor's has the button to write it up.
                    person = supervisee if reader == supervisee_id else None
                    person = person or await unit.directory.staff(reader)
                    language = languages[reader] = language_for(
                        person.language if person is not None else None,
                        pack.language.default,
                        person.client_language if person is not None else None,
                    )
                    with use_language(language):
                        if language not in cards:
                            cards[language] = await agenda_card(turn, booked, supervisee)
                        card = cards[language]
                        if reader == booked.supervisor_id:
                            card = for_supervisor(card, booked)
                    payloads[reader] = {"replies": [to_dict(card)]}
                queued += [
                    Queued(
                        f"{agenda_key(booked.id, supervisee_id, reader, tomorrow)}:{platform}",
                        platform,
                        target,
                        "agenda",
                        payloads[reader],
                        at,
                    )
                    for reader in readers
                    for platform, target in reach[reader]
                ]
                if pack.reflection is not None:  # optional: the pack's questions, to answer
                    with use_language(languages[supervisee_id]):
                        prompt = {"replies": [to_dict(reflection_card(booked, turn))]}
                    queued += [
                        Queued(
                            f"{reflect_key(booked.id, supervisee_id, tomorrow)}:{platform}",
                            platform,
                            target,
                            "reflect",
                            prompt,
                            at,
                        )
                        for platform, target in reach[supervisee_id]
                    ]
    if not queued:
        return 0
    added = 0
    # Encrypted before the transactions begin; a few rows to each, so that no write holds the
    # lock for long however many sessions a council has tomorrow (issue 18: under 50 ms).
    for part in _chunks(sealed(queued), ROWS_PER_WRITE):
        with stats.write(f"{len(part)} agenda rows"):
            async with session_factory(database)() as writing:
                added += await enqueue_many(writing, part)
                await writing.commit()
    stats.queued += added
    return added
