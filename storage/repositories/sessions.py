"""Supervision sessions: booking, clashes, cancellation and what is coming up."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_
from sqlalchemy import select as core_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogs.views import BookedSession, SessionView
from policy.vocabulary import CancelReason, SessionStatus, SessionType
from storage.models import (
    SessionAttendee,
    SessionReflection,
    SupervisionRecord,
    SupervisionSession,
)
from storage.repositories.mapping import session_view

ACTIVE = (SessionStatus.BOOKED.value, SessionStatus.HELD.value)


class SqlSessions:
    def __init__(self, session: AsyncSession, uid_domain: str = "supervision-assistant") -> None:
        self._session = session
        self._uid_domain = uid_domain

    async def book(
        self,
        *,
        organisation_id: int,
        type: SessionType,
        supervisor_id: int,
        supervisee_ids: Sequence[int],
        start: datetime,
        end: datetime,
        venue: str,
        virtual: bool,
        agenda: Sequence[str],
        created_by_id: int,
        rescheduled_from_id: int | None = None,
    ) -> SessionView:
        uid, sequence = f"{uuid.uuid4()}@{self._uid_domain}", 0
        if rescheduled_from_id is not None:
            previous = await self._session.get(SupervisionSession, rescheduled_from_id)
            if previous is not None:
                # RFC 5545: a rearranged meeting keeps its UID and raises SEQUENCE.
                uid, sequence = previous.ical_uid, previous.ical_sequence + 1
        row = SupervisionSession(
            organisation_id=organisation_id,
            type=type.value,
            supervisor_id=supervisor_id,
            planned_start=start,
            planned_end=end,
            venue=venue,
            virtual=virtual,
            agenda=list(agenda),
            ical_uid=uid,
            ical_sequence=sequence,
            created_by_id=created_by_id,
            rescheduled_from_id=rescheduled_from_id,
        )
        self._session.add(row)
        await self._session.flush()
        assert row.id is not None
        for staff_id in supervisee_ids:
            self._session.add(SessionAttendee(session_id=row.id, staff_id=staff_id))
        await self._session.flush()
        return session_view(row, tuple(supervisee_ids))

    async def _views(self, rows: Sequence[SupervisionSession]) -> list[SessionView]:
        ids = [r.id for r in rows if r.id is not None]
        if not ids:
            return []
        attendees: dict[int, list[int]] = {}
        for attendee in (
            await self._session.exec(
                select(SessionAttendee).where(col(SessionAttendee.session_id).in_(ids))
            )
        ).all():
            attendees.setdefault(attendee.session_id, []).append(attendee.staff_id)
        # Every record of each session, one per kind (issue 20 item 14), not only the first.
        recorded: dict[int, list[str]] = {}
        for session_id, kind in (
            await self._session.exec(
                select(SupervisionRecord.session_id, SupervisionRecord.kind)
                .where(col(SupervisionRecord.session_id).in_(ids))
                .order_by(col(SupervisionRecord.id))
            )
        ).all():
            recorded.setdefault(session_id, []).append(kind)
        return [
            session_view(
                r,
                tuple(sorted(attendees.get(r.id or 0, []))),
                tuple(recorded.get(r.id or 0, ())),
            )
            for r in rows
        ]

    def _involving(self, staff_id: int):  # type: ignore[no-untyped-def]
        attending = select(SessionAttendee.session_id).where(SessionAttendee.staff_id == staff_id)
        return or_(
            SupervisionSession.supervisor_id == staff_id,  # type: ignore[arg-type]
            col(SupervisionSession.id).in_(attending),
        )

    async def get(self, session_id: int) -> SessionView | None:
        row = await self._session.get(SupervisionSession, session_id)
        return (await self._views([row]))[0] if row else None

    async def between(self, staff_id: int, start: datetime, end: datetime) -> Sequence[SessionView]:
        rows = await self._session.exec(
            select(SupervisionSession).where(
                self._involving(staff_id),
                col(SupervisionSession.status).in_(ACTIVE),
                col(SupervisionSession.planned_start) < end,
                col(SupervisionSession.planned_end) > start,
            )
        )
        return await self._views(rows.all())

    async def upcoming(self, staff_id: int, after: datetime) -> Sequence[SessionView]:
        rows = await self._session.exec(
            select(SupervisionSession)
            .where(
                self._involving(staff_id),
                SupervisionSession.status == SessionStatus.BOOKED.value,
                col(SupervisionSession.planned_start) >= after,
            )
            .order_by(col(SupervisionSession.planned_start))
            .limit(20)
        )
        return await self._views(rows.all())

    async def booked_after(self, staff_id: int, after: datetime) -> Sequence[BookedSession]:
        """`upcoming`'s sessions (the first 20 booked from `after`, involving the person) with
        their supervisees, in one statement of bare columns: "what's due" reads no agenda,
        notes or record kinds (issue 24; three statements and ORM rows for a manager before)."""
        S, A = SupervisionSession, SessionAttendee
        first = (
            select(col(S.id))
            .where(
                self._involving(staff_id),
                S.status == SessionStatus.BOOKED.value,
                col(S.planned_start) >= after,
            )
            .order_by(col(S.planned_start))
            .limit(20)
            .subquery()
        )
        connection = await self._session.connection()
        rows = await connection.execute(
            core_select(col(S.id), col(S.planned_start), col(S.supervisor_id), col(A.staff_id))
            .join(first, first.c.id == S.id)
            .outerjoin(A, col(A.session_id) == S.id)
            .order_by(col(S.planned_start), col(S.id), col(A.staff_id))
        )
        found: dict[int, tuple[datetime, int, list[int]]] = {}
        for session_id, start, supervisor_id, attendee in rows.all():
            kept = found.setdefault(int(session_id or 0), (start, supervisor_id, []))
            if attendee is not None:
                kept[2].append(attendee)
        return [
            BookedSession(session_id, start, supervisor_id, tuple(attendees))
            for session_id, (start, supervisor_id, attendees) in found.items()
        ]

    async def recent(self, staff_id: int, since: datetime) -> Sequence[SessionView]:
        rows = await self._session.exec(
            select(SupervisionSession)
            .where(self._involving(staff_id), col(SupervisionSession.planned_start) >= since)
            .order_by(col(SupervisionSession.planned_start))
        )
        return await self._views(rows.all())

    async def cancel(self, session_id: int, reason: CancelReason, note: str) -> None:
        row = await self._session.get(SupervisionSession, session_id)
        if row is None:
            return
        # DCC 000:93: the reason for any cancellation MUST be recorded.
        row.status = SessionStatus.CANCELLED.value
        row.cancel_reason = reason.value
        row.cancel_note = note
        row.ical_sequence += 1
        self._session.add(row)

    async def set_online_meeting(
        self, session_id: int, meeting_id: str | None, join_url: str | None
    ) -> None:
        """The Teams meeting made for the session (issue 23 item 6), or None to forget it."""
        row = await self._session.get(SupervisionSession, session_id)
        if row is not None:
            row.online_meeting_id, row.online_meeting_url = meeting_id, join_url
            self._session.add(row)
            await self._session.flush()

    async def set_outlook_event(self, session_id: int, event_id: str | None) -> None:
        """The Outlook event the invitation was sent as (issue 23 item 6), or None."""
        row = await self._session.get(SupervisionSession, session_id)
        if row is not None:
            row.outlook_event_id = event_id
            self._session.add(row)
            await self._session.flush()

    async def mark_held(self, session_id: int) -> None:
        row = await self._session.get(SupervisionSession, session_id)
        if row is not None and row.status == SessionStatus.BOOKED.value:
            row.status = SessionStatus.HELD.value
            self._session.add(row)

    async def reflection(self, session_id: int, staff_id: int) -> str | None:
        row = await self._reflection(session_id, staff_id)
        return row.text if row is not None else None

    async def _reflection(self, session_id: int, staff_id: int) -> SessionReflection | None:
        """The supervisee's answer to the reflection questions before this session, if any."""
        return (
            await self._session.exec(
                select(SessionReflection).where(
                    SessionReflection.session_id == session_id,
                    SessionReflection.staff_id == staff_id,
                )
            )
        ).first()

    async def save_reflection(
        self, session_id: int, staff_id: int, text: str, at: datetime
    ) -> None:
        row = await self._reflection(session_id, staff_id)
        if row is None:
            row = SessionReflection(
                session_id=session_id, staff_id=staff_id, text=text, answered_at=at
            )
        else:
            row.text, row.answered_at = text, at
            row.to_record, row.to_record_at = False, None  # a new answer: asked again
        self._session.add(row)
        await self._session.flush()

    async def reflection_shared(self, session_id: int, staff_id: int) -> bool:
        row = await self._reflection(session_id, staff_id)
        return row is not None and row.to_record

    async def share_reflection(
        self, session_id: int, staff_id: int, agreed: bool, at: datetime
    ) -> bool:
        row = await self._reflection(session_id, staff_id)
        if row is None:
            return False
        row.to_record, row.to_record_at = agreed, at
        self._session.add(row)
        await self._session.flush()
        return True
