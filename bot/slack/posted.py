"""Was an outbox message already posted? Each Slack message the outbox sends carries its key in
message metadata, so an attempt that was cut off (the instance died, the request timed out) is
looked for in the conversation before it is posted again.

conversations.history needs the conversation's history scope: im:history for a person's DM,
channels:history and groups:history for a team's public or private channel. Metadata comes back
only with include_all_metadata. Apps distributed outside the Slack Marketplace may read 15
messages a request and a request a minute (Slack, May 2025), so only unconfirmed attempts are
looked up, and only over the minutes since they began.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.runtime import api_error

log = logging.getLogger(__name__)

EVENT_TYPE = "supervision_outbox_message"
# The tagged message is matched by its exact key, so looking far back costs nothing but pages.
MESSAGE_LOOK_BACK = timedelta(minutes=10)
# Files carry no metadata and are matched by name: only uploads after the attempt began count
# (less this much for the difference between our clock and Slack's).
FILES_SKEW = timedelta(seconds=30)
PAGE = 100  # Slack caps it at 15 for apps outside the Marketplace
PAGES = 5
# Slack answers these when it will not show us the conversation (an installation from before
# the history scopes were asked for, a channel the app has left): the message is sent again.
_RETRY_LATER = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable"})


def fingerprint(key: str) -> str:
    """The outbox key as it appears in Slack: a digest, since keys name people and records by
    id and any app in the conversation can read message metadata."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def tag(key: str) -> dict[str, Any]:
    """chat.postMessage `metadata` for an outbox message."""
    return {"event_type": EVENT_TYPE, "event_payload": {"outbox": fingerprint(key)}}


@dataclass(frozen=True, slots=True)
class Found:
    message: bool  # the tagged message is in the conversation
    files: bool  # so are the files, uploaded after the attempt began (and after the message)


async def look(
    client: AsyncWebClient,
    channel: str,
    key: str,
    since: datetime,
    filenames: Collection[str] = (),
) -> Found | None:
    """What of an outbox message is already in `channel`, given that an attempt began `since`
    (real time). None when Slack will not let us look; a rate limit or a Slack outage is raised
    (SlackApiError), so the outbox retries later, still unconfirmed."""
    messages: list[dict[str, Any]] = []
    cursor: str | None = None
    oldest = f"{(since - MESSAGE_LOOK_BACK).timestamp():.6f}"
    for _ in range(PAGES):
        try:
            page = await client.conversations_history(
                channel=channel,
                oldest=oldest,
                include_all_metadata=True,
                limit=PAGE,
                cursor=cursor,
            )
        except SlackApiError as exc:
            error = api_error(exc)
            if exc.response.status_code == 429 or exc.response.status_code >= 500:
                raise
            if error in _RETRY_LATER:
                raise
            log.warning("Slack %s: cannot look for an unconfirmed message (%s)", channel, error)
            return None
        messages.extend(m for m in page.get("messages") or [] if isinstance(m, dict))
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if cursor is None:
            break
    return _found(messages, fingerprint(key), since, set(filenames))


def _found(messages: list[dict[str, Any]], wanted: str, since: datetime, names: set[str]) -> Found:
    tagged = [m for m in messages if _outbox_key(m) == wanted]
    after = (since - FILES_SKEW).timestamp()
    if tagged:
        after = max(after, min(_ts(m) for m in tagged))
    files = bool(names) and any(
        _ts(m) >= after and names <= {str(f.get("name")) for f in m.get("files") or []}
        for m in messages
    )
    return Found(message=bool(tagged), files=files)


def _outbox_key(message: dict[str, Any]) -> str | None:
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != EVENT_TYPE:
        return None
    payload = metadata.get("event_payload") or {}
    value = payload.get("outbox") if isinstance(payload, dict) else None
    return str(value) if value else None


def _ts(message: dict[str, Any]) -> float:
    try:
        return float(message.get("ts") or 0)
    except (TypeError, ValueError):
        return 0.0
