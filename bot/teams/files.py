"""Files in Teams: images inline, anything else through Teams' file-consent exchange.

A bot can only send other files in a personal chat, and only after the person agrees: the bot
posts a FileConsentCard, Teams asks the person, and an invoke `fileConsent/invoke` comes back with
an upload URL in their OneDrive. The bot PUTs the bytes there, answers the invoke with 200, and
posts a FileInfoCard pointing at the uploaded file (that answer: bot.teams.consent).

Between the card and the answer the file waits in the database, not in the card: the card's
context carries only a random token. So any instance can take the answer, a declined record PDF
never sits in Microsoft's copy of the chat, and the card stays far below Teams' message limit
(100 KB, counted as UTF-16, which base64 bytes in the card would reach at about 30 KB of file).
The waiting file is kept in `dialog_state`, whose data column is encrypted at rest.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from bot.teams import render
from dialogs.i18n import _
from dialogs.messages import Attachment, Reply
from storage.db import session_scope
from storage.models import DialogState
from storage.repositories.state import SqlStateStore

CONSENT_TYPE = "application/vnd.microsoft.teams.card.file.consent"
INFO_TYPE = "application/vnd.microsoft.teams.card.file.info"
KEY_PREFIX = "teams-file:"
FLOW = "teams-file"
KEEP_FOR = timedelta(days=7)  # a consent card answered later than this is told to ask again
MAX_BYTES = 4 * 1024 * 1024  # one PUT; records and invitations are far smaller

Activity = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Pending:
    """A file waiting for the person's answer, and whose answer it must be."""

    file: Attachment
    conversation_id: str
    user_id: str


def is_image(file: Attachment) -> bool:
    return file.media_type.startswith("image/")


# ---- Pure: the cards -------------------------------------------------------------------------


def consent_message(file: Attachment, token: str) -> Activity:
    """The FileConsentCard: Teams shows the name, size and description with Allow / Decline."""
    context = {"file": token}
    return {
        "type": "message",
        "summary": file.description[:200] or file.filename,
        "attachments": [
            {
                "contentType": CONSENT_TYPE,
                "name": file.filename,
                "content": {
                    "description": file.description or file.filename,
                    "sizeInBytes": len(file.content),
                    "acceptContext": context,
                    "declineContext": context,
                },
            }
        ],
    }


def info_message(upload_info: Mapping[str, Any]) -> Activity:
    """The FileInfoCard: the uploaded file as Teams shows it, opened from the person's OneDrive."""
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": INFO_TYPE,
                "contentUrl": str(upload_info.get("contentUrl") or ""),
                "name": str(upload_info.get("name") or ""),
                "content": {
                    "uniqueId": str(upload_info.get("uniqueId") or ""),
                    "fileType": str(upload_info.get("fileType") or ""),
                },
            }
        ],
    }


def too_large(file: Attachment) -> Activity:
    megabytes = MAX_BYTES // (1024 * 1024)
    text = _(
        "{file} is larger than {megabytes} MB, so I can't send it in Teams. Ask your admin for "
        "a copy."
    ).format(file=file.filename, megabytes=megabytes)
    return render.message(f"⚠️ {text}")


# ---- Storage ---------------------------------------------------------------------------------


async def stash(
    engine: AsyncEngine, file: Attachment, conversation_id: str, user_id: str, now: datetime
) -> str:
    """Keep the file until the person answers; returns the token the card carries."""
    token = secrets.token_urlsafe(18)
    data = {
        "filename": file.filename,
        "media_type": file.media_type,
        "description": file.description,
        "content": base64.b64encode(file.content).decode("ascii"),
        "conversation_id": conversation_id,
        "user_id": user_id,
    }
    async with session_scope(engine) as session:
        # Cards nobody ever answered: cleared here, as nothing else sweeps dialog_state.
        connection = await session.connection()
        await connection.execute(
            delete(DialogState).where(
                col(DialogState.key).startswith(KEY_PREFIX), col(DialogState.expires_at) < now
            )
        )
        await SqlStateStore(session).save(
            KEY_PREFIX + token, FLOW, "consent", data, now + KEEP_FOR, None
        )
    return token


async def pending(engine: AsyncEngine, token: str, now: datetime) -> Pending | None:
    if not token:
        return None
    async with session_scope(engine) as session:
        stored = await SqlStateStore(session).load(KEY_PREFIX + token)
    if stored is None or stored.flow != FLOW or stored.expires_at <= now:
        return None
    data = stored.data
    file = Attachment(
        str(data["filename"]),
        str(data["media_type"]),
        base64.b64decode(data["content"]),
        str(data.get("description", "")),
    )
    return Pending(file, str(data["conversation_id"]), str(data["user_id"]))


async def forget(engine: AsyncEngine, token: str) -> None:
    async with session_scope(engine) as session:
        await SqlStateStore(session).delete(KEY_PREFIX + token)


# ---- Outgoing --------------------------------------------------------------------------------


async def activities(
    engine: AsyncEngine,
    replies: Iterable[Reply],
    *,
    now: datetime,
    conversation_id: str,
    user_id: str,
    personal: bool,
    channel: bool = False,
    images: bool = False,
) -> list[Activity]:
    """The replies as activities, each file as a consent card (its bytes stashed first).

    Only a personal chat can take other files; elsewhere they are left out like any other
    personal-only content. A channel gets images only when `images` (a digest's charts)."""
    out: list[Activity] = []
    for reply in replies:
        if isinstance(reply, Attachment) and not is_image(reply):
            if not personal or channel:
                continue
            if len(reply.content) > MAX_BYTES:
                out.append(too_large(reply))
                continue
            token = await stash(engine, reply, conversation_id, user_id, now)
            out.append(consent_message(reply, token))
            continue
        out.extend(render.render([reply], channel=channel, images=images))
    return out
