"""Supervision sessions and their records: sections, cases discussed, decisions and actions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.crypto import EncryptedJSON, EncryptedText
from storage.models.base import utcnow
from storage.types import UTCDateTime


class SupervisionSession(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    type: str = Field(max_length=40)  # policy.vocabulary.SessionType
    supervisor_id: int = Field(foreign_key="staff.id", index=True)
    planned_start: datetime = Field(sa_type=UTCDateTime, index=True)
    planned_end: datetime = Field(sa_type=UTCDateTime)
    venue: str = Field(default="", max_length=200)
    virtual: bool = False
    status: str = Field(default="booked", max_length=20)  # policy.vocabulary.SessionStatus
    cancel_reason: str | None = Field(default=None, max_length=20)  # CancelReason; DCC 000:93
    cancel_note: str | None = Field(default=None, sa_type=EncryptedText)
    rescheduled_from_id: int | None = Field(default=None, foreign_key="supervisionsession.id")
    agenda: list[str] = Field(default_factory=list, sa_type=JSON)
    ical_uid: str = Field(max_length=200)
    ical_sequence: int = 0
    # Issue 23 item 6: the Teams online meeting made for a virtual session through Graph (its
    # Graph id, to move or cancel it, and the link people join with), when the council has them.
    online_meeting_id: str | None = Field(default=None, max_length=500)
    online_meeting_url: str | None = Field(default=None, max_length=2000)
    # The Outlook event its invitation went as, where the council sends them through Graph.
    outlook_event_id: str | None = Field(default=None, max_length=500)
    created_by_id: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SessionReflection(SQLModel, table=True):
    """Issue 27: a supervisee's answer to the pack's reflection questions before a session; shown
    on that session's agenda to its two parties, and kept encrypted like a record's content."""

    __table_args__ = (UniqueConstraint("session_id", "staff_id"),)
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="supervisionsession.id", index=True)
    staff_id: int = Field(foreign_key="staff.id")
    text: str = Field(sa_type=EncryptedText)
    answered_at: datetime = Field(sa_type=UTCDateTime)
    # Issue 27 item 4: the supervisee agreed this answer may be copied into the session's record
    # (asked after answering; no unless they say yes; a new answer asks again), and when.
    to_record: bool = False
    to_record_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SessionAttendee(SQLModel, table=True):
    """The supervisee(s): one for 1:1, several for group supervision."""

    session_id: int = Field(foreign_key="supervisionsession.id", primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", primary_key=True, index=True)


class SupervisionRecord(SQLModel, table=True):
    """One record of a session. A session has one record of each kind its council keeps (LAM
    004:350,356: the case record and the professional supervision minutes); a council with one
    kind writes `record`."""

    __table_args__ = (
        UniqueConstraint("session_id", "kind", name="uq_supervisionrecord_session_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="supervisionsession.id")
    kind: str = Field(
        default="record", max_length=40, sa_column_kwargs={"server_default": "record"}
    )  # policy.packs.schema.RecordKind.id
    template_id: str = Field(max_length=64)
    # Section id -> text, following the pack's template; encrypted at rest.
    sections: dict[str, Any] = Field(default_factory=dict, sa_type=EncryptedJSON)
    next_meeting_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    written_by_id: int = Field(foreign_key="staff.id")
    written_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    supervisor_signed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    supervisee_signed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    changes_requested: str | None = Field(default=None, sa_type=EncryptedText)


class RecordCaseDiscussion(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="supervisionrecord.id", index=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    headings: dict[str, Any] = Field(default_factory=dict, sa_type=EncryptedJSON)
    exported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RecordDecision(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="supervisionrecord.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="case.id")
    decision: str = Field(sa_type=EncryptedText)
    rationale: str = Field(sa_type=EncryptedText)  # LAM 004:543: every decision needs one


class RecordAction(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="supervisionrecord.id", index=True)
    description: str = Field(sa_type=EncryptedText)
    owner_id: int = Field(foreign_key="staff.id", index=True)
    due_date: date
    review_date: date | None = None
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # closed, either way
    # Issue 27: "done" or "not_needed" once its owner says so (None: open); the day they were
    # last asked about it (a reminder, or their "not yet"), so the next ask waits its interval.
    closed_as: str | None = Field(default=None, max_length=12)
    asked_on: date | None = None
    # LAM 004:547,606 "I will know this works when?", where the pack's actions ask it.
    success: str | None = Field(default=None, sa_type=EncryptedText)


class MissedMonth(SQLModel, table=True):
    """DCC 000:176: a calendar month without supervision, "the reason for this and the follow up
    action ... explicitly recorded on the staff member's supervision file". One per person and
    month: recording it again replaces the reason."""

    __table_args__ = (UniqueConstraint("staff_id", "month", name="uq_missedmonth_staff_month"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    month: date  # its first day
    reason: str = Field(max_length=20)  # policy.vocabulary.CancelReason
    note: str = Field(default="", sa_type=EncryptedText)
    follow_up: str = Field(default="", sa_type=EncryptedText)
    session_id: int | None = Field(default=None, foreign_key="supervisionsession.id")
    recorded_by_id: int = Field(foreign_key="staff.id")
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
