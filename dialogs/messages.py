"""The neutral vocabulary: what people send the bot and what the bot answers, as plain values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from dialogs.i18n import N_

# ---- Inbound -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Text:
    """Anything typed in a chat: "what's my caseload score", "tomorrow 2pm"."""

    text: str


@dataclass(frozen=True, slots=True)
class Command:
    """A slash command or a button that starts a flow: `/supervision book Sam Taylor`."""

    name: str
    argument: str = ""


@dataclass(frozen=True, slots=True)
class Choice:
    """A button or menu option picked from an AskChoice."""

    value: str


@dataclass(frozen=True, slots=True)
class FormSubmit:
    """A submitted form (Slack modal, Teams Adaptive Card, playground HTML form)."""

    form_id: str
    values: Mapping[str, str]


Payload = Text | Command | Choice | FormSubmit


@dataclass(frozen=True, slots=True)
class Inbound:
    platform: str  # slack | teams | web
    conversation_key: str  # explicit: one person's conversation on one platform
    message_id: str  # the platform's id: the same id twice is one message
    actor_id: int  # the staff member, resolved by the adapter from the platform identity
    payload: Payload
    received_at: datetime
    # The client's language where the platform says it (a Teams activity's "cy-GB"): used for a
    # person who has not chosen one (issue 28).
    locale: str = ""


# ---- Outbound ------------------------------------------------------------------------------------


class Tone(StrEnum):
    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Say:
    text: str
    tone: Tone = Tone.INFO


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class AskChoice:
    prompt: str
    options: tuple[Option, ...]


class FieldKind(StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    DATE = "date"
    DATETIME = "datetime"  # typed the way people say it: "tomorrow 2pm", "3/12 09:30"
    NUMBER = "number"
    SELECT = "select"
    MULTISELECT = "multiselect"
    CHECKBOX = "checkbox"


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    label: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = True
    value: str = ""  # what the person typed last time: never lost on a validation error
    options: tuple[Option, ...] = ()
    help: str = ""
    error: str = ""
    max_length: int = 3000


@dataclass(frozen=True, slots=True)
class AskForm:
    form_id: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str = N_("Save")  # translated where it is shown (render, serialise)
    intro: str = ""
    step: str = ""  # "Step 2 of 5", for long records split across steps

    @property
    def has_errors(self) -> bool:
        return any(f.error for f in self.fields)


@dataclass(frozen=True, slots=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class CardSection:
    heading: str
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Card:
    """A summary: a score and its breakdown, a booked session, a record to sign."""

    title: str
    subtitle: str = ""
    facts: tuple[Fact, ...] = ()
    sections: tuple[CardSection, ...] = ()
    actions: tuple[Option, ...] = ()  # buttons; their values come back as Choice


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file (ICS, PDF, CSV) or an image (PNG, with alt text for screen readers)."""

    filename: str
    media_type: str
    content: bytes = field(repr=False)
    description: str = ""


Reply = Say | AskChoice | AskForm | Card | Attachment


@dataclass(frozen=True, slots=True)
class Notify:
    """Something to tell another staff member (sent through the outbox, never inline)."""

    staff_id: int
    messages: tuple[Reply, ...]
    key: str  # idempotency key: the same notification is sent once
