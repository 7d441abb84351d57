"""Operational tables: audit trail, dialog state, conversation references and the outbox."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.crypto import EncryptedJSON
from storage.models.base import utcnow
from storage.types import UTCDateTime


class AuditEvent(SQLModel, table=True):
    """Append-only and hash-chained: each row's hash covers its content and the previous hash."""

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    action: str = Field(max_length=40)  # read, write, export, access_change ...
    subject_type: str = Field(max_length=40)
    subject_id: str = Field(max_length=64)
    target_staff_id: int | None = Field(default=None, index=True)  # whose data it was
    reason: str = ""
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)


class AuditCovered(SQLModel, table=True):
    """A person an audit event covers besides its `target_staff_id`: one event for a team view
    lists every member it showed (issue 24), and a subject access request finds it by each of
    them. The event's hashed `detail` lists them too, so the chain still holds the evidence."""

    event_id: int = Field(foreign_key="auditevent.id", primary_key=True)
    staff_id: int = Field(primary_key=True, index=True)


class DialogState(SQLModel, table=True):
    """One conversation's progress, saved after every answer (HOUSE_STYLE "Conversations")."""

    key: str = Field(primary_key=True, max_length=200)
    flow: str = Field(max_length=40)
    step: str = Field(max_length=40)
    data: dict[str, Any] = Field(
        default_factory=dict, sa_type=EncryptedJSON
    )  # half-written records
    version: int = 1
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ProcessedInbound(SQLModel, table=True):
    """A platform message id seen once: a duplicate delivery changes nothing."""

    __table_args__ = (
        UniqueConstraint("platform", "message_id", name="uq_processed_platform_message"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    message_id: str = Field(max_length=200)
    seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class ConversationReference(SQLModel, table=True):
    """Where the bot can speak proactively: a person's chat or a team channel."""

    __table_args__ = (
        UniqueConstraint("platform", "conversation_id", name="uq_convref_platform_conversation"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)  # slack | teams
    conversation_id: str = Field(max_length=300)
    staff_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    service_url: str | None = Field(default=None, max_length=500)
    tenant_id: str | None = Field(default=None, max_length=64)
    reference: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OutboxMessage(SQLModel, table=True):
    """Every outgoing message is a row first; dispatchers claim, send and mark it exactly once."""

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, max_length=300)
    platform: str = Field(max_length=20)
    target: str = Field(max_length=300)  # channel or person conversation id
    kind: str = Field(max_length=40)  # reminder, digest, notice ...
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=EncryptedJSON)
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    status: str = Field(default="pending", max_length=20, index=True)
    attempts: int = 0
    # Parts already delivered (a card, then its files): a retry resumes after them, so a part
    # that arrived is never sent twice when a later one failed.
    parts_sent: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When an attempt whose outcome is unknown began (real time, comparable with a platform's
    # message timestamps): set as a send starts, kept if it was cut off (the instance died, the
    # request timed out), cleared once the outcome is known. While set, the message may already
    # be on the platform: the Slack sender looks for it before sending again.
    send_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = None
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Snooze(SQLModel, table=True):
    """A person asked a reminder to wait ("Snooze a day / a week") until a date."""

    __table_args__ = (UniqueConstraint("staff_id", "kind", name="uq_snooze_staff_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    kind: str = Field(max_length=60)  # the due item's kind: one_to_one, record, case_supervision
    until: date  # inclusive
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PlaygroundTurn(SQLModel, table=True):
    """Issue 22: one turn of the local playground's conversation as a person (what they did and
    the replies as the page showed them), so a reload or a server restart shows it again. The
    newest few hundred per person are kept (bot.web.transcripts); encrypted like record text,
    since replies show it; erased with the person."""

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    turn: dict[str, Any] = Field(default_factory=dict, sa_type=EncryptedJSON)
    said_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
