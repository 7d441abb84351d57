"""Rows to the dialogs' views."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from dialogs.views import CaseView, SessionView, StaffView, TeamView
from policy.vocabulary import SessionStatus, SessionType
from scoring.vocabulary import AllocationRole, CaseCategory, StaffRole
from storage.models import Case, Staff, SupervisionSession, Team

# Hot paths read Core rows (no ORM object built), which carry the same attribute names.
StaffRow = Staff | Row[Any]
CaseRow = Case | Row[Any]


def staff_view(row: StaffRow) -> StaffView:
    assert row.id is not None
    return StaffView(
        id=row.id,
        organisation_id=row.organisation_id,
        name=row.name,
        email=row.email,
        role=StaffRole(row.role),
        team_id=row.team_id,
        line_manager_id=row.line_manager_id,
        grade=row.grade,
        fte=row.fte,
        agency=row.agency,
        asye_start=row.asye_start,
        start_date=row.start_date,
        leaving_date=row.leaving_date,
        # A reader that picks its columns (scheduling.roster) need not pick this one: it keeps
        # no score between calls.
        caseload_version=getattr(row, "caseload_version", 0),
        language=getattr(row, "language", None),  # some reads select fewer columns
        client_language=getattr(row, "client_language", None),
    )


def team_view(row: Team) -> TeamView:
    assert row.id is not None
    return TeamView(
        row.id, row.organisation_id, row.name, row.service, row.manager_id, row.meeting_link
    )


def case_view(row: CaseRow, allocation: str = AllocationRole.LEAD.value) -> CaseView:
    assert row.id is not None
    return CaseView(
        id=row.id,
        reference=row.reference,
        category=CaseCategory(row.category),
        children=row.children,
        opened=row.opened,
        closed=row.closed,
        facts=dict(row.facts),
        allocation=AllocationRole(allocation),
    )


def session_view(
    row: SupervisionSession, supervisee_ids: tuple[int, ...], record_kinds: tuple[str, ...] = ()
) -> SessionView:
    assert row.id is not None
    return SessionView(
        id=row.id,
        type=SessionType(row.type),
        supervisor_id=row.supervisor_id,
        supervisee_ids=supervisee_ids,
        start=row.planned_start,
        end=row.planned_end,
        venue=row.venue,
        virtual=row.virtual,
        status=SessionStatus(row.status),
        cancel_reason=row.cancel_reason,
        rescheduled_from_id=row.rescheduled_from_id,
        agenda=tuple(row.agenda),
        ical_uid=row.ical_uid,
        ical_sequence=row.ical_sequence,
        record_kinds=record_kinds,
        online_meeting_id=row.online_meeting_id,
        online_meeting_url=row.online_meeting_url,
        outlook_event_id=getattr(row, "outlook_event_id", None),
    )
