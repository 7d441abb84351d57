"""Manager decisions, informal supervision, absences, over-cap approvals and courses done."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import or_, update
from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogs.ports import ConcurrentUpdate
from dialogs.views import AbsenceView, EnteredNoteView, PersonalElementView
from policy.vocabulary import AbsenceKind, CancelReason
from storage.models import (
    Absence,
    AuditEvent,
    Case,
    CourseCompletion,
    InformalSupervision,
    ManagerDecision,
    MissedMonth,
    OverCapApproval,
    Snooze,
    Staff,
)
from storage.models import PersonalElement as PersonalElementRow
from storage.models.base import utcnow
from storage.repositories.people import core_rows

# What "undo" may withdraw, by the audit trail's name for it (dialogs.undo).
_UNDOABLE: dict[str, type[ManagerDecision] | type[InformalSupervision]] = {
    "manager_decision": ManagerDecision,
    "informal_supervision": InformalSupervision,
}


class SqlNotes:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def snooze(self, *, staff_id: int, kind: str, until: date) -> None:
        row = (
            await self._session.exec(
                select(Snooze).where(Snooze.staff_id == staff_id, Snooze.kind == kind)
            )
        ).first()
        row = row or Snooze(staff_id=staff_id, kind=kind, until=until)
        row.until = until
        self._session.add(row)
        await self._session.flush()

    async def missed_month(
        self,
        *,
        staff_id: int,
        month: date,
        reason: CancelReason,
        note: str,
        follow_up: str,
        session_id: int | None,
        recorded_by_id: int,
    ) -> None:
        """DCC 000:176: one reason per person and month (a unique constraint); again replaces."""
        first = month.replace(day=1)
        row = (
            await self._session.exec(
                select(MissedMonth).where(
                    MissedMonth.staff_id == staff_id, MissedMonth.month == first
                )
            )
        ).first()
        row = row or MissedMonth(
            staff_id=staff_id, month=first, reason=reason.value, recorded_by_id=recorded_by_id
        )
        row.reason, row.note, row.follow_up = reason.value, note, follow_up
        row.session_id, row.recorded_by_id = session_id, recorded_by_id
        self._session.add(row)
        await self._session.flush()

    async def _add(
        self,
        row: ManagerDecision | InformalSupervision | Absence | OverCapApproval | PersonalElementRow,
    ) -> int:
        self._session.add(row)
        await self._session.flush()
        assert row.id is not None
        return row.id

    async def manager_decision(
        self,
        *,
        organisation_id: int,
        case_id: int,
        decided_by_id: int,
        worker_id: int | None,
        decision: str,
        rationale: str,
        decided_on: date,
        note_type: str,
        recorded_at: datetime | None = None,
    ) -> int:
        row = ManagerDecision(
            organisation_id=organisation_id,
            case_id=case_id,
            decided_by_id=decided_by_id,
            worker_id=worker_id,
            decision=decision,
            rationale=rationale,
            decided_on=decided_on,
            note_type=note_type,
        )
        if recorded_at is not None:  # the turn's clock: "undo" measures its window by it
            row.created_at = recorded_at
        return await self._add(row)

    async def informal(
        self,
        *,
        supervisor_id: int,
        supervisee_id: int,
        occurred_at: datetime,
        discussed: str,
        decided: str,
        recorded_by_id: int | None = None,
        recorded_at: datetime | None = None,
    ) -> int:
        row = InformalSupervision(
            supervisor_id=supervisor_id,
            supervisee_id=supervisee_id,
            occurred_at=occurred_at,
            discussed=discussed,
            decided=decided,
            recorded_by_id=recorded_by_id,
        )
        if recorded_at is not None:
            row.created_at = recorded_at
        return await self._add(row)

    async def last_entered(self, staff_id: int) -> EnteredNoteView | None:
        # The audit trail orders one person's writes across both tables (its ids only grow),
        # whatever clock dated them. Columns only: the content is never read (nor decrypted).
        last = (
            await self._session.exec(
                select(AuditEvent.subject_type, AuditEvent.subject_id)
                .where(
                    AuditEvent.actor_id == staff_id,
                    AuditEvent.action == "write",
                    col(AuditEvent.subject_type).in_(list(_UNDOABLE)),
                )
                .order_by(col(AuditEvent.id).desc())
                .limit(1)
            )
        ).first()
        if last is None or not last[1].isdigit():
            return None
        kind, note_id = last[0], int(last[1])
        if kind == "manager_decision":
            decision = (
                await core_rows(
                    self._session,
                    core_select(
                        col(ManagerDecision.created_at),
                        col(ManagerDecision.withdrawn_at),
                        col(ManagerDecision.exported_at),
                        col(Case.reference),
                        col(ManagerDecision.note_type),
                        col(ManagerDecision.decided_on),
                        col(ManagerDecision.worker_id),
                    )
                    .join(Case, col(Case.id) == ManagerDecision.case_id)
                    .where(
                        col(ManagerDecision.id) == note_id,
                        col(ManagerDecision.decided_by_id) == staff_id,
                    ),
                )
            ).first()
            if decision is None:
                return None
            worker = decision.worker_id
            return EnteredNoteView(
                kind=kind,
                id=note_id,
                recorded_at=decision.created_at,
                withdrawn_at=decision.withdrawn_at,
                exported_at=decision.exported_at,
                case_reference=decision.reference,
                note_type=decision.note_type,
                decided_on=decision.decided_on,
                told_staff_ids=(worker,) if worker and worker != staff_id else (),
            )
        informal = (
            await core_rows(
                self._session,
                core_select(
                    col(InformalSupervision.created_at),
                    col(InformalSupervision.withdrawn_at),
                    col(InformalSupervision.occurred_at),
                    col(InformalSupervision.supervisor_id),
                    col(InformalSupervision.supervisee_id),
                ).where(
                    col(InformalSupervision.id) == note_id,
                    col(InformalSupervision.recorded_by_id) == staff_id,
                ),
            )
        ).first()
        if informal is None:
            return None
        supervisor, supervisee = informal.supervisor_id, informal.supervisee_id
        return EnteredNoteView(
            kind=kind,
            id=note_id,
            recorded_at=informal.created_at,
            withdrawn_at=informal.withdrawn_at,
            occurred_at=informal.occurred_at,
            other_staff_id=supervisee if supervisor == staff_id else supervisor,
        )

    async def withdraw(self, kind: str, note_id: int, *, by_id: int, at: datetime) -> bool:
        model = _UNDOABLE[kind]
        # Conditional: of two withdrawals (a double click, two instances), one changes the row.
        statement = (
            update(model)
            .where(col(model.id) == note_id, col(model.withdrawn_at).is_(None))
            .values(withdrawn_at=at, withdrawn_by_id=by_id)
        )
        connection = await self._session.connection()
        result = await connection.execute(statement)
        return bool(result.rowcount)

    async def informal_at(
        self, *, supervisor_id: int, supervisee_id: int, occurred_at: datetime
    ) -> bool:
        query = select(InformalSupervision.id).where(
            InformalSupervision.supervisor_id == supervisor_id,
            InformalSupervision.supervisee_id == supervisee_id,
            InformalSupervision.occurred_at == occurred_at,
            col(InformalSupervision.withdrawn_at).is_(None),  # withdrawn: recorded again
        )
        return (await self._session.exec(query.limit(1))).first() is not None

    async def absence(
        self, *, staff_id: int, kind: AbsenceKind, start: date, end: date, note: str
    ) -> int:
        # The flow has checked for overlaps in this transaction; the person's row is locked
        # (PostgreSQL; SQLite has one writer) and the check repeated, so a turn that raced this
        # one is caught here and retried, and then told which absence is in the way.
        await self._session.exec(select(Staff.id).where(Staff.id == staff_id).with_for_update())
        if await self.absences_overlapping(staff_id, start, end):
            raise ConcurrentUpdate(f"absence:{staff_id}")
        row = Absence(staff_id=staff_id, kind=kind.value, start_date=start, end_date=end, note=note)
        try:
            return await self._add(row)
        except IntegrityError as exc:  # uq_absence_staff_start_kind: the same absence, raced
            raise ConcurrentUpdate(f"absence:{staff_id}") from exc  # the turn is rolled back

    async def absences_overlapping(
        self, staff_id: int, start: date, end: date
    ) -> list[AbsenceView]:
        A = Absence
        rows = await self._session.exec(
            select(col(A.id), col(A.kind), col(A.start_date), col(A.end_date))
            .where(A.staff_id == staff_id, A.start_date <= end, A.end_date >= start)
            .order_by(col(A.start_date), col(A.id))
        )
        return [AbsenceView(i, staff_id, AbsenceKind(k), s, e) for i, k, s, e in rows.all() if i]

    async def absence_by_id(self, absence_id: int) -> AbsenceView | None:
        row = await self._session.get(Absence, absence_id)
        if row is None or row.id is None:
            return None
        kind = AbsenceKind(row.kind)
        return AbsenceView(row.id, row.staff_id, kind, row.start_date, row.end_date)

    async def remove_absence(self, absence_id: int) -> None:
        row = await self._session.get(Absence, absence_id)
        if row is not None:
            await self._session.delete(row)
            await self._session.flush()

    async def over_cap_approval(
        self,
        *,
        staff_id: int,
        approver_id: int,
        recorded_by_id: int,
        reason: str,
        start: date,
        max_end: date,
    ) -> int:
        return await self._add(
            OverCapApproval(
                staff_id=staff_id,
                approver_id=approver_id,
                recorded_by_id=recorded_by_id,
                reason=reason,
                start_date=start,
                max_end_date=max_end,
            )
        )

    async def personal_element(
        self,
        *,
        staff_id: int,
        element: str,
        quantity: Decimal,
        points: Decimal | None,
        start: date,
        end: date | None,
        recorded_by_id: int,
    ) -> int:
        return await self._add(
            PersonalElementRow(
                staff_id=staff_id,
                element=element,
                quantity=quantity,
                points=points,
                start_date=start,
                end_date=end,
                recorded_by_id=recorded_by_id,
            )
        )

    async def personal_elements_of(self, staff_id: int, on: date) -> list[PersonalElementView]:
        P = PersonalElementRow
        rows = await self._session.exec(
            select(P)
            .where(P.staff_id == staff_id, or_(col(P.end_date).is_(None), col(P.end_date) >= on))
            .order_by(col(P.start_date), col(P.id))
        )
        return [_element_view(row) for row in rows.all()]

    async def personal_element_by_id(self, element_id: int) -> PersonalElementView | None:
        row = await self._session.get(PersonalElementRow, element_id)
        return _element_view(row) if row is not None else None

    async def end_personal_element(self, element_id: int, last_day: date) -> None:
        row = await self._session.get(PersonalElementRow, element_id)
        if row is not None:
            row.end_date = last_day
            self._session.add(row)
            await self._session.flush()

    async def course_completed(
        self, *, staff_id: int, course: str, completed_on: date, recorded_by_id: int
    ) -> int:
        row = (
            await self._session.exec(
                select(CourseCompletion).where(
                    CourseCompletion.staff_id == staff_id, CourseCompletion.course == course
                )
            )
        ).first() or CourseCompletion(staff_id=staff_id, course=course, completed_on=completed_on)
        row.completed_on = completed_on
        row.recorded_by_id = recorded_by_id
        row.recorded_at = utcnow()
        self._session.add(row)
        await self._session.flush()
        assert row.id is not None
        return row.id

    async def courses_of(self, staff_ids: Sequence[int]) -> dict[int, dict[str, date]]:
        return await courses_of(self._session, staff_ids)


def _element_view(row: PersonalElementRow) -> PersonalElementView:
    assert row.id is not None
    return PersonalElementView(
        row.id,
        row.staff_id,
        row.element,
        row.quantity,
        row.points,
        row.start_date,
        row.end_date,
    )


async def courses_of(session: AsyncSession, staff_ids: Sequence[int]) -> dict[int, dict[str, date]]:
    """Each person's completed courses, course id to day (CAP003 003:30); the case import
    reads them through here too."""
    found: dict[int, dict[str, date]] = {}
    if not staff_ids:
        return found
    rows = await session.exec(
        select(CourseCompletion).where(col(CourseCompletion.staff_id).in_(list(staff_ids)))
    )
    for row in rows.all():
        found.setdefault(row.staff_id, {})[row.course] = row.completed_on
    return found
