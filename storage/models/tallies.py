"""A closed month's compliance counts, kept so that the weekly digest's trend does not recount
eleven months of every council every Monday (issue 18: work proportional to what changed).

One row per organisation and month. `counts` holds the counting statement's grouped rows
(storage.queries.compliance): numbers per team, service and staff group, no names and no record
content. Database triggers (storage.tally_triggers) delete an organisation's rows from the month a
changed fact touches onwards, in the writer's own transaction, whoever wrote it; a row whose
`fingerprint` is not the pack's current compliance rules is recounted.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Integer, Text
from sqlmodel import Field, SQLModel

from storage.models.base import utcnow
from storage.types import UTCDateTime


class ComplianceTally(SQLModel, table=True):
    organisation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
        )
    )
    month: date = Field(primary_key=True)  # its first day
    fingerprint: str = Field(max_length=64)  # the pack's compliance rules it was counted under
    # Who is counting it: the counter claims the row first, and writes `counts` only if no
    # change to the month's facts deleted the claim meanwhile.
    token: str = Field(max_length=32)
    counts: str | None = Field(default=None, sa_type=Text)  # JSON rows, or None while counted
    computed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
