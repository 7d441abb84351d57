"""What dialogs read from storage: small frozen views, never database rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from policy.vocabulary import AbsenceKind, SessionStatus, SessionType
from scoring.vocabulary import AllocationRole, CaseCategory, StaffRole


@dataclass(frozen=True, slots=True)
class StaffView:
    id: int
    organisation_id: int
    name: str
    email: str
    role: StaffRole
    team_id: int | None = None
    line_manager_id: int | None = None
    grade: str | None = None
    fte: Decimal = Decimal(1)
    agency: bool = False
    asye_start: date | None = None
    start_date: date | None = None
    leaving_date: date | None = None
    # Changes whenever anything their caseload score reads changes (storage.caseload_triggers):
    # read with the person, so a kept score is checked without a query (dialogs.scores).
    caseload_version: int = 0
    language: str | None = None  # "cy" / "en" as chosen; None: the Teams locale or the pack's
    client_language: str | None = None  # their Teams client's, as last seen (issue 28)

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


@dataclass(frozen=True, slots=True)
class TeamView:
    id: int
    organisation_id: int
    name: str
    service: str
    manager_id: int | None
    meeting_link: str | None = None  # issue 23 item 6: carried by virtual invitations


@dataclass(frozen=True, slots=True)
class CaseView:
    id: int
    reference: str
    category: CaseCategory
    children: int
    opened: date
    closed: date | None
    facts: Mapping[str, Any] = field(default_factory=dict)
    allocation: AllocationRole = AllocationRole.LEAD  # the worker's part, where asked for a worker


@dataclass(frozen=True, slots=True)
class HeldCase:
    """One allocation in a worker's history with its case (issue 26: since when a caseload has
    been over its band): held from `start` to the day before `end` (None: still held), the days
    the allocation and its case were both open, as policy.facts.CaseloadPeriod counts them."""

    case: CaseView
    start: date
    end: date | None = None


@dataclass(frozen=True, slots=True)
class SessionView:
    id: int
    type: SessionType
    supervisor_id: int
    supervisee_ids: tuple[int, ...]
    start: datetime
    end: datetime
    venue: str
    virtual: bool
    status: SessionStatus
    cancel_reason: str | None = None
    rescheduled_from_id: int | None = None
    agenda: tuple[str, ...] = ()
    ical_uid: str = ""
    ical_sequence: int = 0
    # The kinds of the records written for it (LAM 004:350,356: a case record and professional
    # minutes can come from one session), in the order they were written.
    record_kinds: tuple[str, ...] = ()
    # Issue 23 item 6: the Teams meeting made for it through Graph (its id and join link).
    online_meeting_id: str | None = None
    online_meeting_url: str | None = None
    outlook_event_id: str | None = None  # issue 23 item 6: the invitation sent into Outlook

    @property
    def has_record(self) -> bool:
        return bool(self.record_kinds)


@dataclass(frozen=True, slots=True)
class ActionView:
    id: int
    description: str
    owner_id: int
    due_date: date
    review_date: date | None
    done: bool
    closed_as: str | None = None  # issue 27: "done" or "not_needed" (policy.actions)
    asked_on: date | None = None  # the last day its owner was asked about it
    success: str | None = None  # LAM 004:547,606 "I will know this works when?"


@dataclass(frozen=True, slots=True)
class DecisionView:
    case_reference: str | None
    decision: str
    rationale: str


@dataclass(frozen=True, slots=True)
class BookedSession:
    """A booked session as "what's due" shows it: when, and who with (issue 24)."""

    id: int
    start: datetime
    supervisor_id: int
    supervisee_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class DueRecords:
    """What "what's due" needs of a person's records, without their content (issue 24): when
    each record waiting for their signature was written, the next meeting agreed in their last
    record if both have signed it, and their open actions."""

    to_sign: tuple[datetime, ...]
    agreed_next: datetime | None
    actions: tuple[ActionView, ...]


@dataclass(frozen=True, slots=True)
class RecordView:
    id: int
    session_id: int
    template_id: str
    sections: Mapping[str, str]
    case_references: tuple[str, ...]
    decisions: tuple[DecisionView, ...]
    actions: tuple[ActionView, ...]
    next_meeting_at: datetime | None
    written_by_id: int
    written_at: datetime
    supervisor_signed_at: datetime | None
    supervisee_signed_at: datetime | None
    changes_requested: str | None = None
    kind: str = "record"  # policy.packs.schema.RecordKind.id (issue 20 item 14)
    # Case reference -> per-case heading id -> text (DCC 000:155-160; LAM 004:490-606).
    case_notes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PersonalElementView:
    """A personal element of someone's caseload score as recorded (dialogs/flows/personal.py)."""

    id: int
    staff_id: int
    element: str  # the scheme's personal item id
    quantity: Decimal
    points: Decimal | None
    start: date
    end: date | None


@dataclass(frozen=True, slots=True)
class AbsenceView:
    """An absence as recorded (dialogs/flows/absence.py), both ends inclusive."""

    id: int
    staff_id: int
    kind: AbsenceKind
    start: date
    end: date


@dataclass(frozen=True, slots=True)
class EnteredNoteView:
    """A manager decision or informal supervision note as "undo" sees it (issue 22): when and by
    whom it was saved and what depends on it, never its content."""

    kind: str  # "manager_decision" or "informal_supervision", as the audit trail names them
    id: int
    recorded_at: datetime
    withdrawn_at: datetime | None = None
    exported_at: datetime | None = None  # a decision sent to the child's record
    case_reference: str = ""  # a decision's case
    note_type: str = ""  # a decision's name in the pack ("Managers Decision")
    decided_on: date | None = None
    occurred_at: datetime | None = None  # informal supervision's moment
    told_staff_ids: tuple[int, ...] = ()  # who was told it was saved: told it is withdrawn
    other_staff_id: int | None = None  # informal supervision's other party
