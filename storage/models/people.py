"""Staff members with their chat identities, and their recorded absences."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.crypto import EncryptedText
from storage.models.base import utcnow
from storage.types import ExactDecimal, UTCDateTime


class Staff(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("organisation_id", "email", name="uq_staff_org_email"),
        UniqueConstraint("organisation_id", "external_ref", name="uq_staff_org_external_ref"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    external_ref: str = Field(max_length=64)  # HR system's employee number
    name: str = Field(max_length=200)
    email: str = Field(max_length=254)  # lower-cased work email; the join key for chat identities
    role: str = Field(max_length=40)  # scoring.vocabulary.StaffRole
    grade: str | None = Field(default=None, max_length=40)
    fte: Decimal = Field(default=Decimal("1"), sa_type=ExactDecimal)
    agency: bool = False
    line_manager_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    start_date: date | None = None
    leaving_date: date | None = None
    asye_start: date | None = None
    slack_user_id: str | None = Field(default=None, max_length=32, index=True)
    slack_team_id: str | None = Field(default=None, max_length=32)
    teams_aad_object_id: str | None = Field(default=None, max_length=64, index=True)
    timezone: str = Field(default="Europe/London", max_length=64)
    # Issue 28: "cy" or "en" as the person chose ("Cymraeg" / "English"); None: their Teams
    # client's locale, else the council's default (pack `language.default`).
    language: str | None = Field(default=None, max_length=8)
    # The language of the Teams client they last wrote from ("cy" for cy-GB): what a notice or
    # reminder to them follows where they never chose (dialogs.recipients).
    client_language: str | None = Field(default=None, max_length=8)
    quiet_hours_start: int = 18  # local hour: no reminders from here ...
    quiet_hours_end: int = 8  # ... until here
    legal_hold: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Bumped by database triggers when anything the caseload score reads changes (allocations,
    # cases, approvals, personal elements: storage.caseload_triggers); a kept score is good for
    # as long as it stays the same. Never written by the application.
    caseload_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Absence(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("staff_id", "start_date", "kind", name="uq_absence_staff_start_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    kind: str = Field(max_length=20)  # policy.vocabulary.AbsenceKind
    start_date: date
    end_date: date  # inclusive
    note: str = Field(default="", sa_type=EncryptedText)  # never medical detail, but still private


class CourseCompletion(SQLModel, table=True):
    """A course a staff member has completed, by the pack's course id (CAP003 003:30: the
    Section 47 course before leading a child protection enquiry alone). One row per person and
    course: a later completion recorded replaces the day. `recorded_by_id` is the manager who
    recorded it in chat; None from the staff import."""

    __table_args__ = (
        UniqueConstraint("staff_id", "course", name="uq_coursecompletion_staff_course"),
    )

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    course: str = Field(max_length=60)  # policy.packs.schema.Course.id
    completed_on: date
    recorded_by_id: int | None = Field(default=None, foreign_key="staff.id")
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
