"""Pure: neutral replies to Teams message activities (markdown text and Adaptive Cards).

Cards are built with Microsoft's own models of the card schema (`microsoft-teams-cards`) and
serialised to plain JSON here, so the rest of the adapter handles dicts, not SDK objects. A form
becomes a card of `Input.*` elements whose ids are the field names and whose values are what the
person typed: a validation error shows beside the field with nothing lost.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Sequence
from typing import Any

from microsoft_teams.cards.core import (
    ActionSet,
    AdaptiveCard,
    CardElement,
    ChoiceSetInput,
    Container,
    DateInput,
    FactSet,
    SubmitAction,
    TeamsCardProperties,
    TextBlock,
    TextInput,
    ToggleInput,
)
from microsoft_teams.cards.core import Choice as CardChoice
from microsoft_teams.cards.core import Fact as CardFact

from dialogs.i18n import N_, _
from dialogs.messages import (
    AskChoice,
    AskForm,
    Attachment,
    Card,
    FieldKind,
    FormField,
    Option,
    Reply,
    Say,
    Tone,
)

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.5"  # the newest version every Teams client (desktop, web, mobile) renders

# Keys the renderer puts in Action.Submit data next to the input values.
FORM_ID, FORM_TITLE, CHOICE, CHOICE_LABEL, PROMPT, TEXT = (
    "form_id",
    "form_title",
    "choice",
    "choice_label",
    "prompt",
    "text",
)
RESERVED = frozenset({FORM_ID, FORM_TITLE, CHOICE, CHOICE_LABEL, PROMPT, TEXT, "msteams"})

MAX_BUTTONS = 5  # more options than this become a drop-down: Teams wraps buttons badly
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_SLACK_BOLD = re.compile(r"(?<![*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*\w])")
_TONE_MARK = {Tone.INFO: "", Tone.SUCCESS: "✅ ", Tone.WARNING: "⚠️ ", Tone.ERROR: "❗ "}

Activity = dict[str, Any]


def render(
    replies: Iterable[Reply], *, channel: bool = False, images: bool = False
) -> list[Activity]:
    """One activity per reply. In a channel everyone reads along: forms, choices and files are
    never posted there (they belong in a personal chat), and cards lose their buttons. `images`
    lets a channel have images (a digest's charts: team figures, no record content).

    Files other than images go through the consent exchange (bot.teams.files), which needs the
    database; given one here, it only says where to find it."""
    activities: list[Activity] = []
    for reply in replies:
        match reply:
            case Say():
                activities.append(message(say_text(reply)))
            case AskForm() if not channel:
                activities.append(card_message(form_card(reply), reply.title))
            case AskChoice() if not channel:
                activities.append(card_message(choice_card(reply), reply.prompt))
            case Card():
                card = summary_card(reply, buttons=not channel)
                activities.append(card_message(card, reply.title))
            case Attachment() if not channel or (images and reply.media_type.startswith("image/")):
                activities.append(attachment_message(reply))
            case _:
                continue  # personal-only content asked for in a channel: left out, never leaked
    return activities


def message(text: str) -> Activity:
    return {"type": "message", "textFormat": "markdown", "text": text}


def card_message(card: dict[str, Any], summary: str = "") -> Activity:
    activity: Activity = {
        "type": "message",
        "attachments": [{"contentType": CARD_TYPE, "content": card}],
    }
    if summary:
        activity["summary"] = summary[:200]  # notification preview text
    return activity


def say_text(say: Say) -> str:
    return _TONE_MARK[say.tone] + teams_markdown(say.text)


def teams_markdown(text: str) -> str:
    """The dialogs write Slack-style *bold*; Teams markdown needs **bold** and blank-line breaks."""
    text = _SLACK_BOLD.sub(r"**\1**", text)
    return "\n\n".join(line.rstrip() for line in text.split("\n"))


# ---- Cards -----------------------------------------------------------------------------------


def _dump(card: AdaptiveCard) -> dict[str, Any]:
    dumped: dict[str, Any] = card.model_dump(by_alias=True, exclude_none=True)
    dumped["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json"
    return dumped


def _card(body: Sequence[CardElement], actions: Sequence[SubmitAction] = ()) -> dict[str, Any]:
    return _dump(
        AdaptiveCard(
            version=CARD_VERSION,
            body=list(body),
            actions=list(actions) or None,
            msteams=TeamsCardProperties(width="full"),
        )
    )


def _title(text: str) -> TextBlock:
    return TextBlock(text=text, size="Medium", weight="Bolder", wrap=True, style="heading")


def _subtle(text: str) -> TextBlock:
    return TextBlock(text=text, is_subtle=True, wrap=True, spacing="None", size="Small")


def form_card(form: AskForm) -> dict[str, Any]:
    body: list[CardElement] = [_title(form.title)]
    if form.step:
        body.append(_subtle(form.step))
    if form.intro:
        body.append(TextBlock(text=form.intro, wrap=True))
    if form.has_errors:
        body.append(
            TextBlock(
                text=_(
                    "Some answers need changing: see the notes in red. Everything you typed is "
                    "still here."
                ),
                color="Attention",
                weight="Bolder",
                wrap=True,
            )
        )
    for field in form.fields:
        body.append(_input(field))
        if field.help:
            body.append(_subtle(field.help))
        if field.error:
            body.append(TextBlock(text=field.error, color="Attention", wrap=True, spacing="None"))
    submit = SubmitAction(
        title=_(form.submit_label),
        style="positive",
        data={FORM_ID: form.form_id, FORM_TITLE: form.title},
    )
    cancel = SubmitAction(
        title=_("Cancel"), data={TEXT: "cancel", FORM_TITLE: form.title}, associated_inputs="none"
    )
    return _card(body, (submit, cancel))


def _input(field: FormField) -> CardElement:
    # errorMessage shows when the card's own check fails (a required field left empty); the
    # server's verdict is the red text under the field, which the client never hides.
    common: dict[str, Any] = {
        "id": field.name,
        "label": field.label,
        "is_required": field.required,
        "error_message": field.error
        or (_("{label} is required.").format(label=field.label) if field.required else None),
    }
    match field.kind:
        case FieldKind.SELECT | FieldKind.MULTISELECT:
            return ChoiceSetInput(
                **common,
                choices=[CardChoice(title=o.label, value=o.value) for o in field.options],
                value=field.value or None,
                style="compact",
                is_multi_select=field.kind is FieldKind.MULTISELECT,
                wrap=True,
            )
        case FieldKind.CHECKBOX:
            ticked = field.value.strip().lower() in {"true", "yes", "y", "on", "1", "checked"}
            return ToggleInput(
                **common,
                title=field.label,
                value="true" if ticked else "false",
                value_on="true",
                value_off="false",
                wrap=True,
            )
        case FieldKind.DATE if not field.value or _ISO_DAY.fullmatch(field.value):
            # The date picker can only show an ISO date; anything else typed stays as text.
            return DateInput(**common, value=field.value or None)
        case _:
            return TextInput(
                **common,
                value=field.value or None,
                is_multiline=field.kind is FieldKind.TEXTAREA or None,
                max_length=field.max_length,
                placeholder=_placeholder(field.kind),
            )


_PLACEHOLDERS = {
    FieldKind.DATETIME: N_("e.g. tomorrow 2pm, or 3/12 09:30"),
    FieldKind.DATE: N_("e.g. 14/12/2026 or next Monday"),
    FieldKind.NUMBER: N_("a whole number, e.g. 90"),
}


def _placeholder(kind: FieldKind) -> str | None:
    """The field's hint, in the language of the turn (issue 28)."""
    hint = _PLACEHOLDERS.get(kind)
    return _(hint) if hint else None


def choice_card(ask: AskChoice) -> dict[str, Any]:
    body: list[CardElement] = [TextBlock(text=teams_markdown(ask.prompt), wrap=True)]
    prompt = ask.prompt[:300]
    if len(ask.options) <= MAX_BUTTONS:
        buttons = [
            SubmitAction(
                title=o.label[:60],
                data={CHOICE: o.value, CHOICE_LABEL: o.label, PROMPT: prompt},
            )
            for o in ask.options
        ]
        return _card(body, buttons)
    body.append(
        ChoiceSetInput(
            id=CHOICE,
            label=_("Choose one"),
            is_required=True,
            error_message=_("Choose one of the options."),
            style="compact",
            choices=[CardChoice(title=o.label, value=o.value) for o in ask.options],
            wrap=True,
        )
    )
    return _card(body, [SubmitAction(title=_("Choose"), data={PROMPT: prompt})])


def summary_card(card: Card, *, buttons: bool = True) -> dict[str, Any]:
    body: list[CardElement] = [_title(card.title)]
    if card.subtitle:
        body.append(_subtle(card.subtitle))
    if card.facts:
        body.append(FactSet(facts=[CardFact(title=f.label, value=f.value) for f in card.facts]))
    for section in card.sections:
        items: list[CardElement] = [TextBlock(text=section.heading, weight="Bolder", wrap=True)]
        items.extend(
            TextBlock(text=teams_markdown(line), wrap=True, spacing="Small")
            for line in section.lines
        )
        body.append(Container(items=items, spacing="Medium"))
    actions = [_option_button(o) for o in card.actions] if buttons else []
    if len(actions) > MAX_BUTTONS:
        # Card-level actions overflow; an ActionSet in the body wraps instead.
        body.append(ActionSet(actions=list(actions)))
        actions = []
    return _card(body, actions)


def _option_button(option: Option) -> SubmitAction:
    return SubmitAction(title=option.label[:60], data={CHOICE: option.value})


def done_card(title: str, note: str) -> dict[str, Any]:
    """What a submitted form or an answered question turns into: no inputs, no buttons, so it
    cannot be sent twice. It repeats none of the answers (they may be record content)."""
    return _card([_title(title), TextBlock(text=note, wrap=True, color="Good")])


# ---- Files -----------------------------------------------------------------------------------


def attachment_message(attachment: Attachment) -> Activity:
    if attachment.media_type.startswith("image/"):
        encoded = base64.b64encode(attachment.content).decode("ascii")
        return {
            "type": "message",
            "text": attachment.description or attachment.filename,
            "attachments": [
                {
                    "contentType": attachment.media_type,
                    "contentUrl": f"data:{attachment.media_type};base64,{encoded}",
                    "name": attachment.filename,
                }
            ],
        }
    # Bots send other files only in a personal chat, through the consent exchange.
    what = attachment.description or attachment.filename
    return message(
        _("📎 {what} ({filename}) is ready: ask me for it in our personal chat.").format(
            what=what, filename=attachment.filename
        )
    )
