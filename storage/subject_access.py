"""Everything held about one staff member, for a subject access request (UK GDPR Art. 15)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Absence,
    AuditCovered,
    AuditEvent,
    Case,
    CaseAllocation,
    CourseCompletion,
    InformalSupervision,
    ManagerDecision,
    MissedMonth,
    OverCapApproval,
    PersonalElement,
    RecordAction,
    RecordCaseDiscussion,
    RecordDecision,
    SessionAttendee,
    SessionReflection,
    Staff,
    SupervisionRecord,
    SupervisionSession,
    Team,
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _row(model: SQLModel, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: _plain(v) for k, v in model.model_dump().items() if k not in drop}


async def person_export(session: AsyncSession, staff_id: int) -> dict[str, Any]:
    person = await session.get(Staff, staff_id)
    if person is None:
        raise LookupError(staff_id)
    team = await session.get(Team, person.team_id) if person.team_id else None
    attending = select(SessionAttendee.session_id).where(SessionAttendee.staff_id == staff_id)
    sessions = (
        await session.exec(
            select(SupervisionSession)
            .where(
                or_(
                    col(SupervisionSession.supervisor_id) == staff_id,
                    col(SupervisionSession.id).in_(attending),
                )
            )
            .order_by(col(SupervisionSession.planned_start))
        )
    ).all()
    session_ids = [s.id for s in sessions]
    records = (
        await session.exec(
            select(SupervisionRecord).where(col(SupervisionRecord.session_id).in_(session_ids))
        )
    ).all()
    record_ids = [r.id for r in records]

    async def rows(model: type[SQLModel], *where: Any) -> list[dict[str, Any]]:
        query = select(model).where(*where).order_by(*model.__table__.primary_key)  # type: ignore[attr-defined]
        return [_row(r) for r in (await session.exec(query)).all()]

    allocations = (
        await session.exec(
            select(CaseAllocation, Case.reference, Case.category)
            .join(Case, col(Case.id) == CaseAllocation.case_id)
            .where(CaseAllocation.staff_id == staff_id)
        )
    ).all()
    return {
        "generated_for": "subject access request",
        "person": _row(person),
        "team": team.name if team else None,
        "absences": await rows(Absence, col(Absence.staff_id) == staff_id),
        "case_allocations": [
            {**_row(a), "case_reference": ref, "category": category}
            for a, ref, category in allocations
        ],
        "supervision_sessions": [_row(s) for s in sessions],
        "supervision_records": [_row(r) for r in records],
        "record_case_discussions": await rows(
            RecordCaseDiscussion, col(RecordCaseDiscussion.record_id).in_(record_ids)
        ),
        "record_decisions": await rows(
            RecordDecision, col(RecordDecision.record_id).in_(record_ids)
        ),
        "record_actions": await rows(RecordAction, col(RecordAction.record_id).in_(record_ids)),
        "reflections_before_supervision": await rows(
            SessionReflection, col(SessionReflection.staff_id) == staff_id
        ),
        "informal_supervision": await rows(
            InformalSupervision,
            or_(
                col(InformalSupervision.supervisee_id) == staff_id,
                col(InformalSupervision.supervisor_id) == staff_id,
            ),
        ),
        "manager_decisions": await rows(
            ManagerDecision,
            or_(
                col(ManagerDecision.decided_by_id) == staff_id,
                col(ManagerDecision.worker_id) == staff_id,
            ),
        ),
        "over_cap_approvals": await rows(
            OverCapApproval, col(OverCapApproval.staff_id) == staff_id
        ),
        "missed_supervision_months": await rows(MissedMonth, col(MissedMonth.staff_id) == staff_id),
        "personal_score_elements": await rows(
            PersonalElement, col(PersonalElement.staff_id) == staff_id
        ),
        "courses_completed": await rows(
            CourseCompletion, col(CourseCompletion.staff_id) == staff_id
        ),
        # Events about them, by them, and those covering them among others (a manager's team
        # view is one event listing every member shown: issue 24).
        "access_log": await rows(
            AuditEvent,
            or_(
                col(AuditEvent.target_staff_id) == staff_id,
                col(AuditEvent.actor_id) == staff_id,
                col(AuditEvent.id).in_(
                    select(AuditCovered.event_id).where(AuditCovered.staff_id == staff_id)
                ),
            ),
        ),
    }
