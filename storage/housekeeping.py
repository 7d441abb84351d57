"""Daily sweep of what the bot keeps only for a while: conversations nobody came back to (a
half-written record among them), forms and files waiting for a click, message ids kept to spot
a platform's retry, and Slack install states. Each is deleted once past its lifetime, so none of
it outlives its use (UK GDPR storage limitation; records themselves follow the pack's retention)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import DialogState, ProcessedInbound, SlackOAuthState, SlackPendingForm
from storage.models.decisions import UniqueWrite

PENDING_FORM_LIFETIME = timedelta(days=7)  # as long as a conversation waits (dialogs.engine)
RETRY_WINDOW = timedelta(days=7)  # platforms retry within minutes; a week is ample


async def sweep(session: AsyncSession, now: datetime) -> dict[str, int]:
    """Delete everything past its lifetime; returns how many rows of each kind went."""
    statements = {
        "conversations": delete(DialogState).where(col(DialogState.expires_at) < now),
        "pending_forms": delete(SlackPendingForm).where(
            col(SlackPendingForm.updated_at) < now - PENDING_FORM_LIFETIME
        ),
        "message_ids": delete(ProcessedInbound).where(
            col(ProcessedInbound.seen_at) < now - RETRY_WINDOW
        ),
        "install_states": delete(SlackOAuthState).where(col(SlackOAuthState.expires_at) < now),
        # A write key matters only while two turns race for it (seconds); after that the stored
        # state (its version, a signature's time, a session's status) says the same.
        "write_keys": delete(UniqueWrite).where(col(UniqueWrite.written_at) < now - RETRY_WINDOW),
    }
    connection = await session.connection()
    swept = {}
    for name, statement in statements.items():
        swept[name] = int((await connection.execute(statement)).rowcount)
    return swept
