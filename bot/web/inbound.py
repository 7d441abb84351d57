"""The browser's JSON as the neutral inbound vocabulary, checked before the dialogs see it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from dialogs.messages import Choice, Command, FormSubmit, Inbound, Payload, Text

MAX_TEXT = 20_000  # above the longest record section (10,000): the dialogs say what is too long
MAX_FIELDS = 100
MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL; a larger number names nobody
_MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


class BadMessage(ValueError):
    """The request is not a message the playground sends; the text says what is wrong."""


def _text(value: object, what: str, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str):
        raise BadMessage(f"{what} must be a string")
    if len(value) > limit:
        raise BadMessage(f"{what} is longer than {limit} characters")
    if "\x00" in value:
        raise BadMessage(f"{what} contains a NUL character: remove it and send again")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone UTF-16 surrogate, e.g. "\ud800" in the JSON
        raise BadMessage(f"{what} contains a character that is not valid Unicode") from exc
    return value


def id_of(value: object, what: str) -> int:
    """A database id from the caller: a whole number the database can hold, or BadMessage."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise BadMessage(f"{what} must be a whole number from 1 to {MAX_ID}")
    return value


def staff_id_of(body: Mapping[str, Any]) -> int:
    return id_of(body.get("staff_id"), "staff_id")


def message_id_of(body: Mapping[str, Any]) -> str | None:
    """The page's own id for one action, sent again unchanged when it retries: optional."""
    value = body.get("message_id")
    if value is None:
        return None
    if not isinstance(value, str) or not _MESSAGE_ID.fullmatch(value):
        raise BadMessage("message_id must be 8 to 64 letters, digits, '-' or '_'")
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


def inbound_for(
    staff_id: int, payload: Payload, now: datetime, client_id: str | None = None
) -> Inbound:
    """One person's playground conversation: the same key shape the chat platforms use.

    A page's message id is scoped to the person, so one person's ids never collide with
    another's; a repeat is then a duplicate delivery, as a Slack retry is, and changes nothing.
    """
    return Inbound(
        platform="web",
        conversation_key=f"web:{staff_id}",
        message_id=f"{staff_id}:{client_id}" if client_id else uuid.uuid4().hex,
        actor_id=staff_id,
        payload=payload,
        received_at=now,
    )
