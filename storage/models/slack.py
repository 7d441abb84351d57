"""Slack workspaces the app is installed in, and the OAuth states of installs under way."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from storage.crypto import EncryptedJSON
from storage.models.base import utcnow
from storage.types import UTCDateTime


class SlackInstallation(SQLModel, table=True):
    """One completed install (rows are appended; the newest for a workspace wins).

    `data` is slack_sdk's installation as a dict, tokens included: the bot shell rebuilds it.
    """

    __tablename__ = "slack_installation"

    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=64, index=True)
    enterprise_id: str | None = Field(default=None, max_length=32, index=True)
    team_id: str | None = Field(default=None, max_length=32, index=True)
    user_id: str | None = Field(default=None, max_length=32)  # who installed it: the admin
    is_enterprise_install: bool = False
    data: dict[str, Any] = Field(default_factory=dict, sa_type=EncryptedJSON)
    installed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class SlackOAuthState(SQLModel, table=True):
    """A one-time `state` for the OAuth redirect, consumed when the install completes."""

    __tablename__ = "slack_oauth_state"

    id: int | None = Field(default=None, primary_key=True)
    state: str = Field(max_length=100, unique=True)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class SlackPendingForm(SQLModel, table=True):
    """A form offered in a message (no trigger to open a modal then), opened by its button."""

    __tablename__ = "slack_pending_form"

    key: str = Field(primary_key=True, max_length=200)  # the conversation key
    form: dict[str, Any] = Field(default_factory=dict, sa_type=EncryptedJSON)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
