"""Organisations (a council, with its policy pack) and their teams."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from storage.models.base import utcnow
from storage.types import UTCDateTime


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=64)
    name: str = Field(max_length=200)
    pack_id: str = Field(max_length=64)  # the council's policy pack (policy/packs/<id>.yaml)
    # Where the monthly service summary goes: the senior managers' channel on each platform.
    senior_slack_channel_id: str | None = Field(default=None, max_length=64)
    senior_teams_channel_id: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The day the council started using the product (issue 23 item 1): before it, what was not
    # imported (supervision history) is unknown, never overdue. None: everything is known.
    go_live: date | None = None


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    name: str = Field(max_length=200)
    service: str = Field(default="", max_length=200)  # e.g. "Safeguarding", for service figures
    # No foreign key: team and staff refer to each other; the repository keeps this consistent.
    manager_id: int | None = Field(default=None, index=True)
    slack_channel_id: str | None = Field(default=None, max_length=64)
    teams_channel_id: str | None = Field(default=None, max_length=200)
    # A standing online meeting (a Teams meeting link, or any https link) that the team's
    # virtual supervision invitations carry (issue 23 item 6).
    meeting_link: str | None = Field(default=None, max_length=1000)
