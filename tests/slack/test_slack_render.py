"""The pure Block Kit renderer: escaping, Slack's limits, and modal values coming back."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block

from bot.slack import render
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
    Say,
    Tone,
)


def test_user_text_is_escaped_but_dialog_emphasis_survives() -> None:
    message = render.message([Say("*Saved* for <Sam> & co", Tone.SUCCESS)])
    text = message.blocks[0]["text"]["text"]
    assert text == ":white_check_mark: *Saved* for &lt;Sam&gt; &amp; co"
    assert message.text == "*Saved* for &lt;Sam&gt; &amp; co"


def test_buttons_have_unique_action_ids_across_cards() -> None:
    card = Card("A", actions=(Option("start:book", "Book"), Option("start:due", "Due")))
    choice = AskChoice("Which?", (Option("1", "One"),))
    blocks = render.message([card, choice, card]).blocks
    ids = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert ids == [f"choice:{n}" for n in range(5)]


def test_long_text_is_clipped_to_slacks_limits() -> None:
    card = Card(
        "T" * 400,
        facts=tuple(Fact(f"F{n}", "v" * 3000) for n in range(12)),
        sections=(CardSection("S", tuple("line " * 200 for _ in range(10))),),
    )
    blocks = render.message([card]).blocks
    assert len(blocks[0]["text"]["text"]) == render.HEADER_TEXT
    sections = [b for b in blocks if b["type"] == "section"]
    assert [len(b.get("fields", [])) for b in sections[:2]] == [10, 2]  # 10 fields a section
    assert all(len(b["text"]["text"]) <= render.SECTION_TEXT for b in sections if "text" in b)


def test_a_form_becomes_a_modal_and_its_values_come_back() -> None:
    form = AskForm(
        "book",
        "Book supervision with a very long title indeed",
        (
            FormField(
                "who", "With", FieldKind.SELECT, options=(Option("7", "Sam Taylor"),), value="7"
            ),
            FormField("when", "When", FieldKind.DATETIME, value="tomorrow 2pm"),
            FormField("notes", "Agenda", FieldKind.TEXTAREA, required=False, max_length=10_000),
            FormField(
                "cases",
                "Cases",
                FieldKind.MULTISELECT,
                options=(Option("C-1", "C-1"), Option("C-2", "C-2")),
                value="C-2",
            ),
            FormField("agreed", "Both agree", FieldKind.CHECKBOX, required=False, value="true"),
            FormField("mins", "Minutes", FieldKind.NUMBER, error="Write a whole number."),
        ),
        step="Step 1 of 3",
    )
    view = render.modal(form, '{"form_id": "book"}')
    assert view["callback_id"] == render.FORM_CALLBACK
    assert len(view["title"]["text"]) <= render.VIEW_TITLE
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert inputs["f:who"]["element"]["initial_option"]["value"] == "7"
    assert inputs["f:when"]["element"]["initial_value"] == "tomorrow 2pm"
    assert inputs["f:notes"]["element"]["multiline"] is True
    assert inputs["f:notes"]["element"]["max_length"] == render.INPUT_LENGTH
    assert inputs["f:notes"]["optional"] is True
    assert inputs["f:mins"]["hint"]["text"].startswith("⚠ Write a whole number.")
    assert render.field_errors(form) == {"f:mins": "Write a whole number."}

    state = {
        "f:who": {"value": {"type": "static_select", "selected_option": {"value": "7"}}},
        "f:when": {"value": {"type": "plain_text_input", "value": "Friday 10am"}},
        "f:notes": {"value": {"type": "plain_text_input", "value": None}},
        "f:cases": {
            "value": {
                "type": "multi_static_select",
                "selected_options": [{"value": "C-1"}, {"value": "C-2"}],
            }
        },
        "f:agreed": {"value": {"type": "checkboxes", "selected_options": []}},
        "other": {"x": {"type": "plain_text_input", "value": "ignored"}},
    }
    assert render.submitted_values(state) == {
        "who": "7",
        "when": "Friday 10am",
        "notes": "",
        "cases": "C-1,C-2",
        "agreed": "",
    }


def test_forms_and_files_stay_out_of_channels() -> None:
    form = AskForm("f", "Form", (FormField("x", "X"),))
    assert "open_form" in str(render.message([form]).blocks)
    assert (
        render.message([Say("hi"), form], channel=True).blocks == render.message([Say("hi")]).blocks
    )


def _as_slack_sdk_writes(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The blocks parsed by slack_sdk.models and written back: to_dict validates each against
    Block Kit's limits (raising SlackObjectFormationError) and writes what slack_sdk would."""
    return [Block.parse(block).to_dict() for block in blocks]  # type: ignore[union-attr]


def test_messages_written_as_json_are_what_slack_sdk_validates_and_writes() -> None:
    """Issue 24 item 3: messages are no longer built from slack_sdk objects (their validation,
    on every answer, was the largest cost of rendering); here it runs on what is written."""
    many = tuple(Option(f"v{n}" * 200, f"Label {n} " * 20) for n in range(30))
    replies: list[Any] = [
        *(Say(f"{tone.value}: *said* <x> & y " * 300, tone) for tone in Tone),
        AskChoice("Which one?", many),
        AskForm(
            "book",
            "Book supervision",
            (FormField("when", "When", FieldKind.DATETIME),),
            intro="With your manager",
        ),
        Card(
            "T" * 400,
            subtitle="For Sam Taylor, Mon 23 Nov 2026",
            facts=tuple(Fact(f"F{n}", "v" * 3000) for n in range(12)),
            sections=(CardSection("S", tuple("line " * 200 for _ in range(10))),),
            actions=many[:3],
        ),
    ]
    for reply in replies:
        blocks = render.message([reply]).blocks
        assert blocks == _as_slack_sdk_writes(blocks), reply
    note = render.reply_blocks(Attachment("a.pdf", "application/pdf", b"%PDF", "Summary <1>"))
    assert note == _as_slack_sdk_writes(note)
    blocks = render.message(replies * 4).blocks  # over 50 blocks: the last says so
    assert len(blocks) == render.MESSAGE_BLOCKS
    assert blocks == _as_slack_sdk_writes(blocks)
