"""What each person owes, kept as state: recomputed when its facts change, read by the scheduler.

`ObligationState` has one row per member of staff. Database triggers (storage/obligation_triggers
.py) add one to `changes` whenever a fact the policy reads changes (a session booked, held,
cancelled; a record written or signed; an absence; an allocation; a case's type or dates; the
person's role, manager or dates), in the same transaction as the change, whoever wrote it (a chat
turn, an import, the CLI). The scheduler recomputes a person when `computed` lags `changes`, when
the clock reaches `valid_until` (the next day on which only the passing of time changes what they
owe), or when the pack's rules changed (`pack_fingerprint`).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel


class ObligationState(SQLModel, table=True):
    staff_id: int = Field(
        sa_column=Column(Integer, ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    )
    organisation_id: int = Field(index=True)
    changes: int = 1  # bumped by the triggers
    computed: int = 0  # the value of `changes` the stored obligations were computed from
    computed_on: date | None = None
    valid_until: date | None = Field(default=None, index=True)  # recompute on this day
    pack_fingerprint: str = Field(default="", max_length=64)
    # The calendar months missed (policy.obligations.missed_supervision) from MISSED_MONTHS_LISTED
    # before `computed_on`'s month, as JSON [[obligation, description, "YYYY-MM-01", source]]:
    # what "what's due" lists beside the obligations (issue 24 item 1). NULL: kept before this.
    missed: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Obligation(SQLModel, table=True):
    """One due item (policy.frequencies.DueItem) of one person, as computed on `computed_on`."""

    __table_args__ = (Index("ix_obligation_org_team", "organisation_id", "team_id"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(
        sa_column=Column(Integer, ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    )
    organisation_id: int
    team_id: int
    kind: str = Field(max_length=40)
    description: str = Field(max_length=300)
    source: str | None = Field(default=None, max_length=200)
    case_reference: str | None = Field(default=None, max_length=64)
    session_id: int | None = None
    record_kind: str | None = Field(default=None, max_length=40)  # of a session's records
    due: date | None = None
    # The first day a reminder may go for it, and then the next day planning should look again:
    # the minute tick reads only rows whose day has come (an index), not everyone's history.
    next_plan: date | None = Field(default=None, index=True)
