"""Replies as JSON-safe dicts and back: for the outbox, the playground and snapshot tests."""

from __future__ import annotations

import base64
from typing import Any

from dialogs.i18n import _
from dialogs.messages import (
    AskChoice,
    AskForm,
    Attachment,
    Card,
    CardSection,
    Fact,
    FieldKind,
    FormField,
    Option,
    Reply,
    Say,
    Tone,
)


def _options(options: tuple[Option, ...]) -> list[dict[str, str]]:
    return [{"value": o.value, "label": o.label} for o in options]


def _read_options(raw: list[dict[str, str]]) -> tuple[Option, ...]:
    return tuple(Option(o["value"], o["label"]) for o in raw)


def to_dict(reply: Reply) -> dict[str, Any]:
    match reply:
        case Say(text=text, tone=tone):
            return {"type": "say", "text": text, "tone": tone.value}
        case AskChoice(prompt=prompt, options=options):
            return {"type": "choice", "prompt": prompt, "options": _options(options)}
        case AskForm():
            return {
                "type": "form",
                "form_id": reply.form_id,
                "title": reply.title,
                "intro": reply.intro,
                "step": reply.step,
                "submit_label": _(reply.submit_label),
                "fields": [
                    {
                        "name": f.name,
                        "label": f.label,
                        "kind": f.kind.value,
                        "required": f.required,
                        "value": f.value,
                        "options": _options(f.options),
                        "help": f.help,
                        "error": f.error,
                        "max_length": f.max_length,
                    }
                    for f in reply.fields
                ],
            }
        case Card():
            return {
                "type": "card",
                "title": reply.title,
                "subtitle": reply.subtitle,
                "facts": [{"label": f.label, "value": f.value} for f in reply.facts],
                "sections": [
                    {"heading": s.heading, "lines": list(s.lines)} for s in reply.sections
                ],
                "actions": _options(reply.actions),
            }
        case Attachment():
            return {
                "type": "attachment",
                "filename": reply.filename,
                "media_type": reply.media_type,
                "description": reply.description,
                "content": base64.b64encode(reply.content).decode("ascii"),
            }
    raise TypeError(f"not a reply: {reply!r}")


def from_dict(data: dict[str, Any]) -> Reply:
    kind = data.get("type")
    if kind == "say":
        return Say(data["text"], Tone(data.get("tone", "info")))
    if kind == "choice":
        return AskChoice(data["prompt"], _read_options(data["options"]))
    if kind == "form":
        fields = tuple(
            FormField(
                name=f["name"],
                label=f["label"],
                kind=FieldKind(f["kind"]),
                required=f["required"],
                value=f["value"],
                options=_read_options(f["options"]),
                help=f["help"],
                error=f["error"],
                max_length=f["max_length"],
            )
            for f in data["fields"]
        )
        return AskForm(
            data["form_id"],
            data["title"],
            fields,
            data["submit_label"],
            data["intro"],
            data["step"],
        )
    if kind == "card":
        return Card(
            data["title"],
            data["subtitle"],
            tuple(Fact(f["label"], f["value"]) for f in data["facts"]),
            tuple(CardSection(s["heading"], tuple(s["lines"])) for s in data["sections"]),
            _read_options(data["actions"]),
        )
    if kind == "attachment":
        return Attachment(
            data["filename"],
            data["media_type"],
            base64.b64decode(data["content"]),
            data.get("description", ""),
        )
    raise ValueError(f"unknown reply type {kind!r}")
