"""The browser's JSON as the neutral inbound vocabulary, checked before the dialogs see it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from dialogs.messages import Choice, Command, FormSubmit, Inbound, Payload, Text

MAX_TEXT = 20_000  # above the longest record section (10,000): the dialogs say what is too long
MAX_FIELDS = 100


class BadMessage(ValueError):
    """The request is not a message the playground sends; the text says what is wrong."""


def _text(value: object, what: str, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str):
        raise BadMessage(f"{what} must be a string")
    if len(value) > limit:
        raise BadMessage(f"{what} is longer than {limit} characters")
    return value


def staff_id_of(body: Mapping[str, Any]) -> int:
    value = body.get("staff_id")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise BadMessage("staff_id must be a positive whole number")
    return value


def payload_of(body: Mapping[str, Any]) -> Payload:
    """Exactly one of text, command, choice or form."""
    given = [key for key in ("text", "command", "choice", "form") if key in body]
    if len(given) != 1:
        raise BadMessage("send exactly one of: text, command, choice, form")
    match given[0]:
        case "text":
            text = _text(body["text"], "text").strip()
            if not text:
                raise BadMessage("text is empty")
            return Text(text)
        case "choice":
            return Choice(_text(body["choice"], "choice", 500))
        case "command":
            command = body["command"]
            if not isinstance(command, Mapping):
                raise BadMessage("command must be an object with a name")
            name = _text(command.get("name"), "command name", 40).strip().lower()
            if not name:
                raise BadMessage("command name is empty")
            return Command(name, _text(command.get("argument", ""), "command argument", 500))
    form = body["form"]
    if not isinstance(form, Mapping):
        raise BadMessage("form must be an object with form_id and values")
    form_id = _text(form.get("form_id"), "form_id", 100)
    values = form.get("values", {})
    if not isinstance(values, Mapping) or len(values) > MAX_FIELDS:
        raise BadMessage(f"form values must be an object of at most {MAX_FIELDS} fields")
    checked = {
        _text(name, "field name", 100): _text(value, f"field {name}")
        for name, value in values.items()
    }
    return FormSubmit(form_id, checked)


def inbound_for(staff_id: int, payload: Payload, now: datetime) -> Inbound:
    """One person's playground conversation: the same key shape the chat platforms use."""
    return Inbound(
        platform="web",
        conversation_key=f"web:{staff_id}",
        message_id=uuid.uuid4().hex,
        actor_id=staff_id,
        payload=payload,
        received_at=now,
    )
