"""The answer to a FileConsentCard (`fileConsent/invoke`): upload the file, or let it go.

Allowed: the bytes kept for the card's token are PUT to the OneDrive upload URL in the invoke,
and the person gets a FileInfoCard. Declined: the kept file is dropped and they are told. Only
the person the card was sent to, in that personal chat, can answer for it; a repeated invoke
(Teams retries one it thinks went unanswered) is acted on once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from microsoft_agents.activity import Activity
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.teams import files
from bot.teams.inbound import Scope, Where
from dialogs.i18n import N_, _
from dialogs.messages import Reply, Say, Tone
from storage.db import session_scope
from storage.repositories.state import SqlStateStore

log = logging.getLogger(__name__)

INVOKE = "fileConsent/invoke"
UPLOAD_TIMEOUT = 20.0  # seconds; the invoke is answered once the upload is done
GONE = N_("That file is no longer waiting to be sent: please ask me for it again.")


@dataclass(frozen=True, slots=True)
class Answered:
    """What to post after the invoke response: the file's card, or words."""

    info: dict[str, Any] | None = None
    notes: list[Reply] = field(default_factory=list)


class UploadRefused(Exception):
    """The upload URL was unusable or the upload failed; the person is told to ask again."""


def content_range(size: int) -> str:
    """OneDrive upload sessions take the whole file in one PUT: bytes 0 to size-1 of size."""
    return f"bytes 0-{size - 1}/{size}" if size else "bytes */0"


def check_upload_url(url: str, *, production: bool) -> None:
    """The URL comes in an invoke whose token was verified; in production it must be https."""
    parts = urlsplit(url)
    if parts.scheme not in ({"https"} if production else {"https", "http"}) or not parts.hostname:
        raise UploadRefused("not an upload address")
    if parts.username or parts.password:
        raise UploadRefused("credentials in the upload address")


async def upload(url: str, content: bytes, *, production: bool) -> None:
    """PUT the whole file to the upload session Teams opened for it (no bot token goes there)."""
    check_upload_url(url, production=production)
    headers = {
        "Content-Range": content_range(len(content)),
        "Content-Type": "application/octet-stream",
    }
    timeout = aiohttp.ClientTimeout(total=UPLOAD_TIMEOUT)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as client,
            client.put(url, data=content, headers=headers) as response,
        ):
            if response.status not in (200, 201):
                raise UploadRefused(f"upload answered {response.status}")
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise UploadRefused(type(exc).__name__) from exc


async def answer(
    engine: AsyncEngine, activity: Activity, place: Where, *, now: datetime, production: bool
) -> Answered:
    value: Mapping[str, Any] = activity.value if isinstance(activity.value, dict) else {}
    context = value.get("context")
    token = str(context.get("file") or "") if isinstance(context, Mapping) else ""
    if activity.id:
        async with session_scope(engine) as session:
            if not await SqlStateStore(session).claim_message("teams-file", activity.id):
                return Answered()  # a repeat: the first delivery did (or is doing) the work
    waiting = await files.pending(engine, token, now)
    if waiting is None:
        return Answered(notes=[Say(_(GONE), Tone.WARNING)])
    who = activity.from_property.id if activity.from_property else ""
    chat = activity.conversation.id if activity.conversation else ""
    if place.scope is not Scope.PERSONAL or (waiting.user_id, waiting.conversation_id) != (
        who,
        chat,
    ):
        log.warning("a file consent answer came from another chat; ignored")
        return Answered(notes=[Say(_(GONE), Tone.WARNING)])
    name = waiting.file.filename
    if value.get("action") != "accept":
        await files.forget(engine, token)
        return Answered(notes=[Say(f"OK: I haven't sent {name}.")])
    info = value.get("uploadInfo")
    info = info if isinstance(info, Mapping) else {}
    try:
        await upload(str(info.get("uploadUrl") or ""), waiting.file.content, production=production)
    except UploadRefused as exc:
        # The file stays kept: Allow on the same card can try again.
        log.warning("a Teams file upload failed: %s", exc)
        return Answered(
            notes=[
                Say(
                    _(
                        "I couldn't upload {name} to your OneDrive: please ask me for it again."
                    ).format(name=name)
                )
            ]
        )
    await files.forget(engine, token)
    return Answered(info=files.info_message(info))
