"""Pure: what a Teams activity says, in the neutral vocabulary, and where it was said.

Typed text loses its @mentions and any HTML Teams wraps around it; a card's Action.Submit (a
message whose `value` holds the data and the inputs) or Action.Execute (an invoke whose
`value.action.data` does) becomes a FormSubmit or a Choice.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.teams.render import CHOICE, FORM_ID, RESERVED, TEXT
from dialogs.messages import Choice, FormSubmit, Payload, Text

_MENTION = re.compile(r"<at\b[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_THREAD = re.compile(r";messageid=\d+$")


class Scope(StrEnum):
    PERSONAL = "personal"
    CHANNEL = "channel"
    GROUP_CHAT = "groupChat"


@dataclass(frozen=True, slots=True)
class Where:
    """The conversation an activity came from, as Teams describes it."""

    scope: Scope
    tenant_id: str
    conversation_id: str  # where replies go (a channel thread for channel messages)
    channel_id: str = ""  # the channel itself, for proactive posts
    team_id: str = ""  # the team's thread id (also its General channel's id)

    @property
    def address(self) -> str:
        """The id stored for proactive messages: the chat, or the channel (not the thread)."""
        if self.scope is Scope.CHANNEL and self.channel_id:
            return self.channel_id
        return self.conversation_id


def where(conversation: Mapping[str, Any], channel_data: Mapping[str, Any] | None) -> Where:
    data = channel_data or {}
    tenant = str((data.get("tenant") or {}).get("id") or conversation.get("tenantId") or "")
    kind = str(conversation.get("conversationType") or "personal")
    conversation_id = str(conversation.get("id") or "")
    team_id = str((data.get("team") or {}).get("id") or "")
    channel_id = str((data.get("channel") or {}).get("id") or "")
    match kind:
        case "channel":
            scope = Scope.CHANNEL
            channel_id = channel_id or _THREAD.sub("", conversation_id)
        case "groupChat":
            scope = Scope.GROUP_CHAT
        case _:
            scope = Scope.PERSONAL if not team_id else Scope.CHANNEL
            if scope is Scope.CHANNEL:
                # An install into a team arrives in the General channel, whose id is the team's.
                channel_id = channel_id or team_id
    return Where(scope, tenant, conversation_id, channel_id, team_id)


def clean_text(text: str | None) -> str:
    """What a person typed, without mentions of the bot or the markup around it."""
    if not text:
        return ""
    text = _MENTION.sub(" ", text)
    text = _TAG.sub(" ", text)
    return _SPACE.sub(" ", html.unescape(text)).strip()


def card_data(value: Any) -> dict[str, Any]:
    """The data an Adaptive Card action sent back, for both Action.Submit and Action.Execute."""
    if not isinstance(value, Mapping):
        return {}
    action = value.get("action")
    if isinstance(action, Mapping) and isinstance(action.get("data"), Mapping):
        return dict(action["data"])
    return dict(value)


def payload(text: str | None, value: Any) -> Payload | None:
    """The neutral payload, or None when there is nothing to act on (an empty message)."""
    data = card_data(value)
    if FORM_ID in data:
        values = {k: _as_text(v) for k, v in data.items() if k not in RESERVED}
        return FormSubmit(str(data[FORM_ID]), values)
    if CHOICE in data and _as_text(data[CHOICE]):
        return Choice(_as_text(data[CHOICE]))
    if TEXT in data:
        return Text(_as_text(data[TEXT]))
    cleaned = clean_text(text)
    return Text(cleaned) if cleaned else None


def _as_text(value: Any) -> str:
    """Inputs come back as strings, except from some clients' number and toggle inputs."""
    match value:
        case None:
            return ""
        case bool():
            return "true" if value else "false"
        case float() if value.is_integer():
            return str(int(value))
        case list() | tuple():
            return ",".join(_as_text(v) for v in value)
        case _:
            return str(value)
