"""Decisions and supervision outside formal sessions (DCC 000:180-184, LAM 004:290-296), and the
keys that let a decision (or any write a person confirms) be made once."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from storage.crypto import EncryptedText
from storage.models.base import utcnow
from storage.types import UTCDateTime


class ManagerDecision(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    decided_by_id: int = Field(foreign_key="staff.id", index=True)
    worker_id: int | None = Field(default=None, foreign_key="staff.id")
    decision: str = Field(sa_type=EncryptedText)
    rationale: str = Field(sa_type=EncryptedText)
    decided_on: date
    note_type: str = Field(max_length=80)  # the pack's term, e.g. "Managers Decision"
    exported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Issue 22: "undo" just after saving withdraws it. The row stays (case records are audited)
    # but no longer counts: not exported, not on an agenda.
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_by_id: int | None = Field(default=None, foreign_key="staff.id")


class InformalSupervision(SQLModel, table=True):
    """Kept apart from formal supervision in the compliance figures (DCC 000:60)."""

    id: int | None = Field(default=None, primary_key=True)
    supervisor_id: int = Field(foreign_key="staff.id", index=True)
    supervisee_id: int = Field(foreign_key="staff.id", index=True)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    discussed: str = Field(sa_type=EncryptedText)
    decided: str = Field(default="", sa_type=EncryptedText)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Either party may record it; only who did may undo it (issue 22). None on older rows.
    recorded_by_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_by_id: int | None = Field(default=None, foreign_key="staff.id")


class UniqueWrite(SQLModel, table=True):
    """A write that may happen once, claimed in the transaction that makes it (storage/
    unique_writes.py): one decision, absence, booking or record per confirmed conversation step,
    one signature per party, one "held" per session. A second claim fails on the primary key, so
    a race or a bug elsewhere cannot commit a duplicate."""

    key: str = Field(primary_key=True, max_length=120)  # no names: a hash of the conversation
    written_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
