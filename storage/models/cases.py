"""Cases by their case management system reference (never a child's name) and who holds them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.crypto import EncryptedText
from storage.models.base import utcnow
from storage.types import ExactDecimal, UTCDateTime


class Case(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("organisation_id", "reference", name="uq_case_org_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    reference: str = Field(max_length=64)  # Mosaic / LCS / Eclipse id, e.g. "C-1042"
    system: str = Field(default="mosaic", max_length=20)
    category: str = Field(max_length=20)  # scoring.vocabulary.CaseCategory
    children: int = 1
    # Weighting facts the scoring schemes read: court stage, assessment / S47 start, travel band,
    # tasks with end dates ... (scoring.model.CaseFacts documents the keys).
    facts: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    opened: date
    closed: date | None = None
    # LAM 3.1 (004:260): a recorded extension for matched, stable placements.
    case_supervision_extension_until: date | None = None
    # Who agreed it (LAM 004:260 "agreed with Service Manager"; the pack's extension approver).
    case_supervision_extension_by: int | None = None
    # The day the case took its current category (the last CaseCategoryChange); None: since
    # it opened. Case supervision's new interval runs from it (issue 20 item 11).
    category_since: date | None = None


class CaseCategoryChange(SQLModel, table=True):
    """A case's category history: each change (CIN to CP, CP to CIN, CIN to CLA ...), the day it
    took effect and where it came from, so the new interval runs from the change."""

    __table_args__ = (
        UniqueConstraint("case_id", "since", "category", name="uq_categorychange_case_day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    previous: str = Field(max_length=20)  # scoring.vocabulary.CaseCategory
    category: str = Field(max_length=20)
    since: date
    source: str = Field(default="import", max_length=20)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CaseAllocation(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("case_id", "staff_id", "start_date", name="uq_allocation_case_staff"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    role: str = Field(default="lead", max_length=20)  # scoring.vocabulary.AllocationRole
    start_date: date
    end_date: date | None = None


class OverCapApproval(SQLModel, table=True):
    """policy_rules §10: allocation above the cap needs a reason, an approver and a maximum end."""

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    approver_id: int = Field(foreign_key="staff.id")
    recorded_by_id: int = Field(foreign_key="staff.id")
    reason: str = Field(sa_type=EncryptedText)
    start_date: date
    max_end_date: date
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PersonalElement(SQLModel, table=True):
    """A worker-level element of the caseload score, agreed by a manager: duty days in a month,
    an additional responsibility, a PQ module (the scheme's `personal` list says which exist,
    their unit and points). It counts on the days from `start_date` to `end_date` inclusive."""

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    element: str = Field(max_length=60)  # the scheme's personal item id, e.g. duty_day
    quantity: Decimal = Field(default=Decimal("1"), sa_type=ExactDecimal)  # days, hours, ...
    points: Decimal | None = Field(default=None, sa_type=ExactDecimal)  # agreed, for "up to"
    start_date: date
    end_date: date | None = None  # None: until someone ends it
    recorded_by_id: int = Field(foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
