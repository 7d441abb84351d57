"""Supervision records: written section by section, then signed by both parties."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, literal_column, or_, union_all, update
from sqlalchemy import select as core_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogs.views import ActionView, DecisionView, DueRecords, RecordView
from policy.packs.schema import DEFAULT_RECORD_KIND
from storage.models import (
    Case,
    RecordAction,
    RecordCaseDiscussion,
    RecordDecision,
    SessionAttendee,
    SupervisionRecord,
    SupervisionSession,
)

_SESSION_JOIN = col(SupervisionSession.id) == col(SupervisionRecord.session_id)
_ATTENDEE_JOIN = col(SessionAttendee.session_id) == col(SupervisionRecord.session_id)


class SqlRecords:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save(
        self,
        *,
        session_id: int,
        template_id: str,
        sections: Mapping[str, str],
        case_discussions: Mapping[int, Mapping[str, str]],
        decisions: Sequence[tuple[int | None, str, str]],
        actions: Sequence[tuple[str, int, date, date | None, str | None]],
        next_meeting_at: datetime | None,
        written_by_id: int,
        written_at: datetime,
        kind: str = DEFAULT_RECORD_KIND,
    ) -> RecordView:
        """One record of the session, of one kind: a second kind of the same session is another
        row (LAM 004:350,356), a second record of the same kind is refused by the database."""
        record = SupervisionRecord(
            session_id=session_id,
            kind=kind,
            template_id=template_id,
            sections=dict(sections),
            next_meeting_at=next_meeting_at,
            written_by_id=written_by_id,
            written_at=written_at,
        )
        self._session.add(record)
        await self._session.flush()
        assert record.id is not None
        for case_id, headings in case_discussions.items():
            self._session.add(
                RecordCaseDiscussion(record_id=record.id, case_id=case_id, headings=dict(headings))
            )
        for decided_case, decision, rationale in decisions:
            self._session.add(
                RecordDecision(
                    record_id=record.id,
                    case_id=decided_case,
                    decision=decision,
                    rationale=rationale,
                )
            )
        for description, owner_id, due, review, success in actions:
            self._session.add(
                RecordAction(
                    record_id=record.id,
                    description=description,
                    owner_id=owner_id,
                    due_date=due,
                    review_date=review,
                    success=success,
                )
            )
        await self._session.flush()
        return await self._view(record)

    async def _view(self, record: SupervisionRecord) -> RecordView:
        assert record.id is not None
        discussed = (
            await self._session.exec(
                select(Case.reference, RecordCaseDiscussion.headings)
                .join(RecordCaseDiscussion, col(RecordCaseDiscussion.case_id) == Case.id)
                .where(RecordCaseDiscussion.record_id == record.id)
                .order_by(col(Case.reference))
            )
        ).all()
        refs = [ref for ref, _ in discussed]
        decisions = (
            await self._session.exec(
                select(RecordDecision, Case.reference)
                .outerjoin(Case, col(Case.id) == RecordDecision.case_id)
                .where(RecordDecision.record_id == record.id)
                .order_by(col(RecordDecision.id))
            )
        ).all()
        actions = (
            await self._session.exec(
                select(RecordAction)
                .where(RecordAction.record_id == record.id)
                .order_by(col(RecordAction.id))
            )
        ).all()
        return RecordView(
            id=record.id,
            session_id=record.session_id,
            template_id=record.template_id,
            sections={k: str(v) for k, v in record.sections.items()},
            case_references=tuple(refs),
            decisions=tuple(DecisionView(ref, d.decision, d.rationale) for d, ref in decisions),
            actions=tuple(_action_view(a) for a in actions),
            next_meeting_at=record.next_meeting_at,
            written_by_id=record.written_by_id,
            written_at=record.written_at,
            supervisor_signed_at=record.supervisor_signed_at,
            supervisee_signed_at=record.supervisee_signed_at,
            changes_requested=record.changes_requested,
            kind=record.kind,
            case_notes={
                ref: {k: str(v) for k, v in (headings or {}).items()} for ref, headings in discussed
            },
        )

    async def get(self, record_id: int) -> RecordView | None:
        row = await self._session.get(SupervisionRecord, record_id)
        return await self._view(row) if row else None

    async def ids_for_sessions(self, session_ids: Sequence[int]) -> dict[int, int]:
        """Each session's record number, where one is written: for buttons, not its content."""
        if not session_ids:
            return {}
        rows = await self._session.exec(
            select(SupervisionRecord.session_id, SupervisionRecord.id).where(
                col(SupervisionRecord.session_id).in_(list(session_ids))
            )
        )
        return {int(session_id): int(record_id or 0) for session_id, record_id in rows.all()}

    async def for_session(self, session_id: int) -> Sequence[RecordView]:
        """Every record of the session, one per kind, in the order they were written."""
        rows = (
            await self._session.exec(
                select(SupervisionRecord)
                .where(SupervisionRecord.session_id == session_id)
                .order_by(col(SupervisionRecord.id))
            )
        ).all()
        return [await self._view(row) for row in rows]

    async def last_actions(self, supervisee_id: int) -> Sequence[ActionView]:
        """The actions of the supervisee's last record (as `last_for` finds it), without reading
        the record's content: an agenda needs these, not the sections."""
        last = (
            select(col(SupervisionRecord.id))
            .join(SessionAttendee, col(SessionAttendee.session_id) == SupervisionRecord.session_id)
            .join(SupervisionSession, col(SupervisionSession.id) == SupervisionRecord.session_id)
            .where(SessionAttendee.staff_id == supervisee_id)
            .order_by(
                col(SupervisionSession.planned_start).desc(), col(SupervisionRecord.id).desc()
            )
            .limit(1)
            .scalar_subquery()
        )
        rows = await self._session.exec(
            select(RecordAction)
            .where(col(RecordAction.record_id) == last)
            .order_by(col(RecordAction.id))
        )
        return [_action_view(a) for a in rows.all()]

    async def last_recorded_at(self, supervisee_id: int) -> datetime | None:
        """When the supervisee's last session with a record (as `last_for` finds it) began."""
        return (
            await self._session.exec(
                select(func.max(col(SupervisionSession.planned_start)))
                .select_from(SupervisionRecord)
                .join(
                    SessionAttendee, col(SessionAttendee.session_id) == SupervisionRecord.session_id
                )
                .join(
                    SupervisionSession, col(SupervisionSession.id) == SupervisionRecord.session_id
                )
                .where(SessionAttendee.staff_id == supervisee_id)
            )
        ).one()

    async def last_for(self, supervisee_id: int) -> RecordView | None:
        row = (
            await self._session.exec(
                select(SupervisionRecord)
                .join(
                    SessionAttendee, col(SessionAttendee.session_id) == SupervisionRecord.session_id
                )
                .join(
                    SupervisionSession, col(SupervisionSession.id) == SupervisionRecord.session_id
                )
                .where(SessionAttendee.staff_id == supervisee_id)
                # The latest session; of its records (one per kind), the last written.
                .order_by(
                    col(SupervisionSession.planned_start).desc(), col(SupervisionRecord.id).desc()
                )
                .limit(1)
            )
        ).first()
        return await self._view(row) if row else None

    async def sign(self, record_id: int, staff_id: int, at: datetime) -> RecordView:
        record = await self._session.get(SupervisionRecord, record_id)
        if record is None:
            raise LookupError(f"no record {record_id}")
        session = await self._session.get(SupervisionSession, record.session_id)
        assert session is not None
        if session.supervisor_id == staff_id:
            record.supervisor_signed_at = record.supervisor_signed_at or at
        else:
            record.supervisee_signed_at = record.supervisee_signed_at or at
            record.changes_requested = None
        self._session.add(record)
        await self._session.flush()
        return await self._view(record)

    async def request_changes(self, record_id: int, text: str) -> None:
        record = await self._session.get(SupervisionRecord, record_id)
        if record is not None:
            record.changes_requested = text
            self._session.add(record)

    async def awaiting_signature(self, staff_id: int) -> Sequence[RecordView]:
        """Records this person has still to sign, on either side."""
        attending = select(SessionAttendee.session_id).where(SessionAttendee.staff_id == staff_id)
        rows = (
            await self._session.exec(
                select(SupervisionRecord)
                .join(
                    SupervisionSession, col(SupervisionSession.id) == SupervisionRecord.session_id
                )
                .where(
                    or_(
                        and_(
                            col(SupervisionSession.supervisor_id) == staff_id,
                            col(SupervisionRecord.supervisor_signed_at).is_(None),
                        ),
                        and_(
                            col(SupervisionRecord.session_id).in_(attending),
                            col(SupervisionRecord.supervisee_signed_at).is_(None),
                        ),
                    )
                )
                .order_by(col(SupervisionRecord.written_at))
            )
        ).all()
        return [await self._view(r) for r in rows]

    async def for_due(self, staff_id: int, *, agreed: bool = True) -> DueRecords:
        """ "What's due" reads dates and flags, not records (issue 24 item 3): the records
        waiting for the person's signature and (with `agreed`) their latest session's last
        written record, in one statement of two parts, then their open actions."""
        R, S = SupervisionRecord, SupervisionSession
        attending = select(SessionAttendee.session_id).where(SessionAttendee.staff_id == staff_id)
        dates = (
            col(R.written_at),
            col(R.next_meeting_at),
            col(R.supervisor_signed_at),
            col(R.supervisee_signed_at),
        )
        # Two parts rather than one OR across the two tables: with the OR, SQLite read every
        # record in the database (219 ms an answer at 1x); each part finds its rows by an index
        # (the supervisor's sessions; the sessions attended). The second leaves out what the
        # first has, so a record is listed once, as with the OR.
        unsigned_as_supervisor = and_(
            col(S.supervisor_id) == staff_id, col(R.supervisor_signed_at).is_(None)
        )
        as_supervisor: Any = (
            core_select(literal_column("0").label("part"), *dates)
            .join(S, col(S.id) == R.session_id)
            .where(unsigned_as_supervisor)
        )
        as_supervisee: Any = (
            core_select(literal_column("0").label("part"), *dates)
            .join(S, col(S.id) == R.session_id)
            .where(
                col(R.session_id).in_(attending),
                col(R.supervisee_signed_at).is_(None),
                ~unsigned_as_supervisor,
            )
        )
        to_sign: Any = union_all(as_supervisor, as_supervisee)
        query: Any = to_sign
        if agreed:
            # The latest session's last written record, as last_for finds it.
            last = (
                core_select(literal_column("1").label("part"), *dates)
                .join(S, col(S.id) == R.session_id)
                .where(col(R.session_id).in_(attending))
                .order_by(col(S.planned_start).desc(), col(R.id).desc())
                .limit(1)
                .subquery()
            )
            query = union_all(as_supervisor, as_supervisee, core_select(last))
        query = query.order_by(literal_column("part"), literal_column("written_at"))
        connection = await self._session.connection()
        rows = (await connection.execute(query)).all()
        # (part, written_at, next_meeting_at, supervisor_signed_at, supervisee_signed_at)
        latest = next((row for row in rows if row[0] == 1), None)
        next_meeting = latest[2] if latest is not None and latest[3] and latest[4] else None
        return DueRecords(
            tuple(row[1] for row in rows if row[0] == 0),
            next_meeting,
            tuple(await self.open_actions(staff_id)),
        )

    async def open_actions(self, staff_id: int) -> Sequence[ActionView]:
        rows = await self._session.exec(
            select(RecordAction)
            .where(RecordAction.owner_id == staff_id, col(RecordAction.done_at).is_(None))
            .order_by(col(RecordAction.due_date))
        )
        return [_action_view(a) for a in rows.all()]

    async def action(self, action_id: int) -> ActionView | None:
        row = await self._session.get(RecordAction, action_id)
        return _action_view(row) if row is not None else None

    async def close_action(self, action_id: int, outcome: str, at: datetime) -> bool:
        # One statement that only an open action matches: two clicks at once close it once.
        connection = await self._session.connection()
        closed = await connection.execute(
            update(RecordAction)
            .where(col(RecordAction.id) == action_id, col(RecordAction.done_at).is_(None))
            .values(done_at=at, closed_as=outcome)
        )
        return bool(closed.rowcount)

    async def ask_again(self, action_id: int, on: date) -> None:
        connection = await self._session.connection()
        await connection.execute(
            update(RecordAction)
            .where(col(RecordAction.id) == action_id, col(RecordAction.done_at).is_(None))
            .values(asked_on=on)
        )


def _action_view(row: RecordAction) -> ActionView:
    assert row.id is not None
    return ActionView(
        row.id,
        row.description,
        row.owner_id,
        row.due_date,
        row.review_date,
        row.done_at is not None,
        row.closed_as,
        row.asked_on,
        row.success,
    )
