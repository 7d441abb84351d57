"""Neutral replies as Slack Block Kit (messages, modals, the App Home): pure functions only.

Text is clipped to Block Kit's limits here, so a long answer is shortened rather than refused by
Slack. Messages (every answer) are written as Block Kit's JSON directly: `slack_sdk.models` checked
each block as it was turned into JSON by listing every attribute of every object, which was the
largest single cost of a Slack answer's rendering (issue 24 item 3). tests/slack/
test_slack_render.py parses what is written here back through `slack_sdk.models` and validates
it, so the check happens in the tests rather than on every answer. Modals and the App Home, made
far less often, are still built with `slack_sdk.models`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    InputBlock,
    InputInteractiveElement,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from dialogs.i18n import N_, _
from dialogs.messages import (
    AskChoice,
    AskForm,
    Attachment,
    Card,
    FieldKind,
    FormField,
    Reply,
    Say,
    Tone,
)
from dialogs.messages import Option as Choice

FORM_CALLBACK = "form"  # every modal the conversations open
CHOICE_ACTION = "choice"  # buttons: action ids "choice:0", "choice:1" ... unique in a message
OPEN_FORM_ACTION = "open_form"  # "Open form": a form offered where no modal could be opened
FIELD_BLOCK = "f:"  # input blocks are "f:<field name>", so errors map back to fields
VALUE_ACTION = "value"

# Block Kit limits (https://api.slack.com/reference/block-kit)
SECTION_TEXT = 3000
HEADER_TEXT = 150
VIEW_TITLE = 24
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
OPTION_VALUE = 150
INPUT_LENGTH = 3000
HINT_TEXT = 2000
LABEL_TEXT = 2000
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
FIELDS_PER_SECTION = 10
BUTTONS_PER_BLOCK = 25
OPTIONS_PER_SELECT = 100

_TONE = {Tone.INFO: "", Tone.SUCCESS: ":white_check_mark: ", Tone.WARNING: ":warning: "}
_TONE[Tone.ERROR] = ":x: "
_TICKED = frozenset({"true", "yes", "y", "on", "1", "checked"})
_PLACEHOLDER = {
    FieldKind.DATE: N_("e.g. today, 3/12/2026"),
    FieldKind.DATETIME: N_("e.g. tomorrow 2pm"),
}


def escape(text: str) -> str:
    """Slack's three control characters; *bold* and _italic_ written by the dialogs survive."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mrkdwn(text: str, limit: int = SECTION_TEXT) -> MarkdownTextObject:
    return MarkdownTextObject(text=clip(text, limit))


# Block Kit JSON, written directly (see the module's docstring). A block is a plain dict.
BlockJson = dict[str, Any]


def _text(text: str, limit: int = SECTION_TEXT) -> dict[str, str]:
    return {"type": "mrkdwn", "text": clip(text, limit)}


def _section(text: str) -> BlockJson:
    return {"type": "section", "text": _text(text)}


def _context(text: str) -> BlockJson:
    return {"type": "context", "elements": [_text(text)]}


def _button(label: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": clip(label, BUTTON_TEXT), "emoji": True},
        "action_id": action_id,
        "value": clip(value, BUTTON_VALUE),
    }
    if style:
        button["style"] = style
    return button


@dataclass(frozen=True, slots=True)
class Message:
    text: str  # the notification and screen-reader fallback
    blocks: list[dict[str, Any]]


def message(replies: Sequence[Reply], *, channel: bool = False) -> Message:
    """One Slack message for a turn's replies; `channel` drops forms (a shared space). Files are
    never blocks: they are uploaded beside the message (bot.slack.files)."""
    blocks: list[BlockJson] = []
    buttons = _Counter()
    for reply in replies:
        if isinstance(reply, Attachment) or (channel and isinstance(reply, AskForm)):
            continue
        if blocks:
            blocks.append({"type": "divider"})
        blocks.extend(reply_blocks(reply, buttons))
    if len(blocks) > MESSAGE_BLOCKS:
        more = _context("(More in the App Home or the playground.)")
        blocks = [*blocks[: MESSAGE_BLOCKS - 1], more]
    return Message(fallback(replies), blocks)


def fallback(replies: Iterable[Reply]) -> str:
    for reply in replies:
        if isinstance(reply, Attachment):
            continue  # uploaded as a file, with its own title
        match reply:
            case Say(text=text):
                return clip(escape(text), SECTION_TEXT)
            case AskChoice(prompt=prompt):
                return clip(escape(prompt), SECTION_TEXT)
            case AskForm(title=title) | Card(title=title):
                return clip(escape(title), SECTION_TEXT)
    return "Supervision Assistant"


class _Counter:
    """Action ids must be unique within a message, across all its cards."""

    def __init__(self) -> None:
        self.next = 0

    def take(self) -> str:
        value, self.next = self.next, self.next + 1
        return f"{CHOICE_ACTION}:{value}"


def reply_blocks(reply: Reply, buttons: _Counter | None = None) -> list[BlockJson]:
    counter = buttons or _Counter()
    match reply:
        case Say(text=text, tone=tone):
            return [_section(_TONE[tone] + escape(text))]
        case AskChoice(prompt=prompt, options=options):
            return [_section(escape(prompt)), *_buttons(options, counter)]
        case AskForm():
            intro = f"*{escape(reply.title)}*" + (f"\n{escape(reply.intro)}" if reply.intro else "")
            block = _section(intro)
            block["accessory"] = _button(_("Open form"), OPEN_FORM_ACTION, reply.form_id, "primary")
            return [block]
        case Card():
            return card_blocks(reply, counter)
        case Attachment(filename=name, description=description):
            note = f":paperclip: {escape(name)}" + (
                f": {escape(description)}" if description else ""
            )
            return [_context(note)]
    raise TypeError(f"not a reply: {reply!r}")


def card_blocks(card: Card, buttons: _Counter | None = None) -> list[BlockJson]:
    counter = buttons or _Counter()
    title = {"type": "plain_text", "text": clip(card.title, HEADER_TEXT)}
    blocks: list[BlockJson] = [{"type": "header", "text": title}]
    if card.subtitle:
        blocks.append(_context(escape(card.subtitle)))
    facts = [_text(f"*{escape(f.label)}*\n{escape(f.value)}", 2000) for f in card.facts]
    for start in range(0, len(facts), FIELDS_PER_SECTION):
        blocks.append({"type": "section", "fields": facts[start : start + FIELDS_PER_SECTION]})
    for section in card.sections:
        lines = "\n".join(f"• {escape(line)}" for line in section.lines)
        blocks.append(_section(f"*{escape(section.heading)}*\n{lines}"))
    blocks.extend(_buttons(card.actions, counter))
    return blocks


def _buttons(options: Sequence[Choice], counter: _Counter) -> list[BlockJson]:
    elements = [_button(o.label, counter.take(), o.value) for o in options]
    return [
        {"type": "actions", "elements": elements[start : start + BUTTONS_PER_BLOCK]}
        for start in range(0, len(elements), BUTTONS_PER_BLOCK)
    ]


# ---- Modals --------------------------------------------------------------------------------------


def modal(form: AskForm, metadata: str = "") -> dict[str, Any]:
    """The form as a modal; a field's error shows in its hint when the modal is (re)opened."""
    blocks: list[Block] = []
    if form.step:
        blocks.append(ContextBlock(elements=[_mrkdwn(escape(form.step))]))
    if form.intro:
        blocks.append(SectionBlock(text=_mrkdwn(escape(form.intro))))
    blocks.extend(_input(f) for f in form.fields[: VIEW_BLOCKS - len(blocks)])
    view = View(
        type="modal",
        callback_id=FORM_CALLBACK,
        title=PlainTextObject(text=clip(form.title, VIEW_TITLE)),
        submit=PlainTextObject(text=clip(_(form.submit_label or "Save"), VIEW_TITLE)),
        close=PlainTextObject(text=_("Cancel")),
        blocks=blocks,
        private_metadata=metadata,
    )
    return view.to_dict()


def _input(field: FormField) -> InputBlock:
    hint = " ".join(
        part for part in (f"⚠ {field.error}" if field.error else "", field.help) if part
    )
    return InputBlock(
        block_id=FIELD_BLOCK + field.name,
        label=PlainTextObject(text=clip(field.label, LABEL_TEXT)),
        element=_element(field),
        hint=PlainTextObject(text=clip(hint, HINT_TEXT)) if hint else None,
        optional=not field.required,
    )


def _element(field: FormField) -> InputInteractiveElement:
    options = [
        Option(value=clip(o.value, OPTION_VALUE), label=clip(o.label, BUTTON_TEXT))
        for o in field.options[:OPTIONS_PER_SELECT]
    ]
    match field.kind:
        case FieldKind.SELECT:
            chosen = [o for o in options if o.value == field.value]
            return StaticSelectElement(
                action_id=VALUE_ACTION,
                options=options,
                initial_option=chosen[0] if chosen else None,
            )
        case FieldKind.MULTISELECT:
            wanted = {part.strip() for part in field.value.split(",") if part.strip()}
            return StaticMultiSelectElement(
                action_id=VALUE_ACTION,
                options=options,
                initial_options=[o for o in options if o.value in wanted] or None,
            )
        case FieldKind.CHECKBOX:
            tick = Option(value="true", label=clip(field.label, BUTTON_TEXT))
            ticked = field.value.strip().lower() in _TICKED
            return CheckboxesElement(
                action_id=VALUE_ACTION, options=[tick], initial_options=[tick] if ticked else None
            )
    # Dates and times stay typed text: people write "tomorrow 2pm" and the dialogs parse it.
    limit = min(field.max_length, INPUT_LENGTH)
    placeholder = _PLACEHOLDER.get(field.kind)
    return PlainTextInputElement(
        action_id=VALUE_ACTION,
        initial_value=field.value[:limit] or None,
        multiline=field.kind is FieldKind.TEXTAREA or None,
        max_length=limit,
        placeholder=PlainTextObject(text=_(placeholder)) if placeholder else None,
    )


def field_errors(form: AskForm) -> dict[str, str]:
    """For `response_action: errors`: block id -> message; Slack keeps what was typed."""
    return {FIELD_BLOCK + f.name: clip(f.error, HINT_TEXT) for f in form.fields if f.error}


def submitted_values(state: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, str]:
    """A view_submission's `view.state.values`, back to the neutral field name -> text."""
    values: dict[str, str] = {}
    for block_id, actions in state.items():
        if not block_id.startswith(FIELD_BLOCK):
            continue
        element = actions.get(VALUE_ACTION, {})
        name = block_id.removeprefix(FIELD_BLOCK)
        match element.get("type"):
            case "static_select":
                values[name] = (element.get("selected_option") or {}).get("value", "")
            case "multi_static_select":
                values[name] = ",".join(o["value"] for o in element.get("selected_options") or [])
            case "checkboxes":
                values[name] = "true" if element.get("selected_options") else ""
            case "datepicker":
                values[name] = element.get("selected_date") or ""
            case _:
                values[name] = element.get("value") or ""
    return values


def home_view(blocks: Sequence[Block | BlockJson]) -> dict[str, Any]:
    return View(type="home", blocks=list(blocks[:VIEW_BLOCKS])).to_dict()
