"""The pure halves of the adapter: replies to cards and messages, activities to payloads."""

from __future__ import annotations

from typing import Any

import pytest

from bot.teams.inbound import Scope, clean_text, payload, where
from bot.teams.render import done_card, render, teams_markdown
from dialogs.messages import (
    AskChoice,
    AskForm,
    Attachment,
    Card,
    CardSection,
    Choice,
    Fact,
    FieldKind,
    FormField,
    FormSubmit,
    Option,
    Say,
    Text,
    Tone,
)

FORM = AskForm(
    form_id="absence",
    title="Record an absence",
    step="Step 1 of 1",
    intro="Absences of two weeks or more change the figures.",
    fields=(
        FormField("person", "Who", value="me", help="'me', or a name"),
        FormField(
            "kind", "Kind", FieldKind.SELECT, options=(Option("annual_leave", "Annual leave"),)
        ),
        FormField("start", "First day", FieldKind.DATE, value="2026-12-07"),
        FormField("end", "Last day", FieldKind.DATE, value="next fryday", error="Not a date."),
        FormField("when", "When", FieldKind.DATETIME),
        FormField("notes", "Notes", FieldKind.TEXTAREA, required=False, value="typed text"),
        FormField("agreed", "Both agree", FieldKind.CHECKBOX, required=False, value="yes"),
        FormField(
            "cases",
            "Cases",
            FieldKind.MULTISELECT,
            options=(Option("C1", "C1"), Option("C2", "C2")),
            value="C1,C2",
        ),
    ),
)


def card(activity: dict[str, Any]) -> dict[str, Any]:
    content: dict[str, Any] = activity["attachments"][0]["content"]
    return content


def inputs(content: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in content["body"] if e["type"].startswith("Input.")}


def test_a_form_is_a_card_of_inputs_named_after_its_fields() -> None:
    [activity] = render([FORM])
    content = card(activity)

    assert content["type"] == "AdaptiveCard"
    assert content["version"] == "1.5"
    found = inputs(content)
    assert {k: v["type"] for k, v in found.items()} == {
        "person": "Input.Text",
        "kind": "Input.ChoiceSet",
        "start": "Input.Date",
        "end": "Input.Text",  # typed text the date picker cannot show stays as typed
        "when": "Input.Text",
        "notes": "Input.Text",
        "agreed": "Input.Toggle",
        "cases": "Input.ChoiceSet",
    }
    assert found["person"]["value"] == "me"
    assert found["person"]["isRequired"] is True
    assert found["end"]["value"] == "next fryday"
    assert found["notes"]["isMultiline"] is True
    assert found["notes"]["isRequired"] is False
    assert found["agreed"]["value"] == "true"
    assert found["agreed"]["valueOff"] == "false"
    assert found["cases"]["isMultiSelect"] is True
    assert found["cases"]["value"] == "C1,C2"
    assert "placeholder" in found["when"]


def test_a_field_error_is_shown_in_red_beside_the_kept_value() -> None:
    content = card(render([FORM])[0])
    body = content["body"]
    end = next(i for i, e in enumerate(body) if e.get("id") == "end")

    assert body[end]["errorMessage"] == "Not a date."
    assert body[end + 1] == {
        "type": "TextBlock",
        "spacing": "None",
        "text": "Not a date.",
        "color": "Attention",
        "wrap": True,
    }
    assert any(e.get("color") == "Attention" and "Some answers" in e["text"] for e in body)


def test_the_submit_button_carries_the_form_id_and_cancel_skips_validation() -> None:
    submit, cancel = card(render([FORM])[0])["actions"]

    assert submit["type"] == "Action.Submit"
    assert submit["data"] == {"form_id": "absence", "form_title": "Record an absence"}
    assert cancel["data"]["text"] == "cancel"
    assert cancel["associatedInputs"] == "none"


def test_a_few_options_are_buttons_and_many_are_a_drop_down() -> None:
    few = AskChoice("Who?", (Option("1", "Sam"), Option("2", "Priya")))
    many = AskChoice("Which?", tuple(Option(str(n), f"Option {n}") for n in range(8)))

    buttons = card(render([few])[0])["actions"]
    drop_down = card(render([many])[0])

    assert [b["data"]["choice"] for b in buttons] == ["1", "2"]
    assert buttons[0]["data"]["choice_label"] == "Sam"
    assert drop_down["body"][1]["type"] == "Input.ChoiceSet"
    assert drop_down["body"][1]["id"] == "choice"


def test_a_summary_card_has_facts_sections_and_buttons() -> None:
    summary = Card(
        "Your caseload: 42 points",
        "Derbyshire WMS",
        (Fact("Band", "Green"),),
        (CardSection("Cases", ("*C1*: 10", "C2: 12")),),
        (Option("breakdown:3", "Every point"),),
    )

    content = card(render([summary])[0])

    assert content["body"][1]["text"] == "Derbyshire WMS"
    assert content["body"][2]["facts"] == [{"title": "Band", "value": "Green"}]
    assert content["body"][3]["items"][1]["text"] == "**C1**: 10"
    assert content["actions"] == [
        {"type": "Action.Submit", "title": "Every point", "data": {"choice": "breakdown:3"}}
    ]


def test_in_a_channel_only_text_and_cards_without_buttons_are_posted() -> None:
    summary = Card("Caseloads: Team", actions=(Option("x", "X"),))
    png = Attachment("chart.png", "image/png", b"\x89PNG", "A chart")

    activities = render(
        [Say("Hi"), FORM, AskChoice("?", (Option("a", "A"),)), summary, png], channel=True
    )

    assert [a.get("text") for a in activities] == ["Hi", None]
    assert "actions" not in card(activities[1])


def test_text_is_teams_markdown_with_a_mark_for_its_tone() -> None:
    assert teams_markdown("• *book*: a session\n• *due*") == "• **book**: a session\n\n• **due**"
    assert teams_markdown("2 * 3 = 6") == "2 * 3 = 6"
    assert render([Say("Saved.", Tone.SUCCESS)])[0]["text"] == "✅ Saved."


def test_an_image_is_inline_and_other_files_are_explained() -> None:
    image, ics = render(
        [
            Attachment("chart.png", "image/png", b"\x89PNG", "Caseload chart"),
            Attachment("session.ics", "text/calendar", b"BEGIN:VCALENDAR"),
        ]
    )

    assert image["attachments"][0]["contentUrl"].startswith("data:image/png;base64,")
    assert "session.ics" in ics["text"]


def test_a_used_card_becomes_read_only() -> None:
    content = done_card("Record an absence", "Sent.")

    assert "actions" not in content
    assert all(not e["type"].startswith("Input.") for e in content["body"])


# ---- Inbound ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<at>Supervision Assistant</at> caseload team", "caseload team"),
        ("<p>what&#39;s <b>due</b></p>", "what's due"),
        ("  help  ", "help"),
        (None, ""),
    ],
)
def test_mentions_and_markup_are_stripped(text: str | None, expected: str) -> None:
    assert clean_text(text) == expected


def test_action_submit_data_is_a_form_submission() -> None:
    value = {"form_id": "absence", "form_title": "Absence", "person": "me", "days": 3.0}

    assert payload(None, value) == FormSubmit("absence", {"person": "me", "days": "3"})


def test_action_execute_data_is_read_from_the_invoke_value() -> None:
    value = {"action": {"type": "Action.Execute", "data": {"choice": "breakdown:3"}}}

    assert payload(None, value) == Choice("breakdown:3")


def test_typed_text_and_card_text_are_text() -> None:
    assert payload("<at>Bot</at> help", None) == Text("help")
    assert payload(None, {"text": "cancel", "form_title": "Absence"}) == Text("cancel")
    assert payload("", None) is None


def test_where_names_the_channel_not_the_thread() -> None:
    place = where(
        {"id": "19:c@thread.tacv2;messageid=17", "conversationType": "channel", "tenantId": "t"},
        {"tenant": {"id": "t"}, "team": {"id": "19:g@thread.tacv2"}},
    )

    assert place.scope is Scope.CHANNEL
    assert place.address == "19:c@thread.tacv2"
    assert place.conversation_id.endswith(";messageid=17")


def test_a_team_install_is_addressed_to_its_channel() -> None:
    place = where(
        {"id": "19:g@thread.tacv2"},
        {"tenant": {"id": "t"}, "team": {"id": "19:g@thread.tacv2"}},
    )

    assert place.scope is Scope.CHANNEL
    assert place.address == "19:g@thread.tacv2"


def test_a_personal_chat_is_addressed_to_itself() -> None:
    place = where({"id": "a:1", "conversationType": "personal"}, {"tenant": {"id": "t"}})

    assert place.scope is Scope.PERSONAL
    assert place.address == "a:1"
    assert place.tenant_id == "t"
