"""The Slack app manifest: valid against Slack's documented limits, and its commands equal the
dialog registry.

Slack publishes no offline schema (its online check is `apps.manifest.validate`), so
manifests/slack/manifest.schema.json is written from the documented shape and limits, and the
`jsonschema` package (JSON Schema 2020-12) checks the manifest against it: names, lengths,
scopes, events and URLs (issue 23 item 3: a hand-rolled validator let a 26-character shortcut
name through, and Slack refused the manifest).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from bot.slack import render
from bot.slack.http import BOT_SCOPES, EVENTS_PATH, REDIRECT_PATH
from bot.slack.runtime import COMMAND, DECISION_SHORTCUT
from dialogs.registry import menu_commands

ROOT = Path(__file__).resolve().parents[2] / "manifests" / "slack"


def problems(value: Any, schema: dict[str, Any]) -> list[str]:
    """Every schema error, as `$.path: message`."""
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    return sorted(f"{error.json_path}: {error.message}" for error in validator.iter_errors(value))


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "manifest.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads((ROOT / "manifest.schema.json").read_text(encoding="utf-8"))


def test_the_manifest_matches_the_schema(manifest: dict[str, Any], schema: dict[str, Any]) -> None:
    assert problems(manifest, schema) == []


def test_the_validator_catches_mistakes(manifest: dict[str, Any], schema: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(manifest))
    broken["features"]["slash_commands"][0]["command"] = "supervision"
    broken["settings"]["surprise"] = True
    del broken["display_information"]["name"]
    broken["features"]["shortcuts"][0]["name"] = "Record as manager decision"  # 26 characters
    broken["oauth_config"]["scopes"]["bot"].append("chat:write")  # twice
    broken["settings"]["event_subscriptions"]["bot_events"].append("App Home Opened")
    found = problems(broken, schema)
    assert len(found) == 6, found
    assert any(
        f.startswith("$.features.shortcuts[0].name: 'Record as manager decision' is too long")
        for f in found
    ), found


def test_the_subcommands_are_the_dialog_registry_plus_help(manifest: dict[str, Any]) -> None:
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND
    listed = [word.strip() for word in command["usage_hint"].split("|")]
    assert len(listed) == len(set(listed))
    assert set(listed) == {*menu_commands(), "help"}  # buttons-only flows (snooze) are not listed


def test_scopes_events_urls_and_shortcut_match_the_code(manifest: dict[str, Any]) -> None:
    assert manifest["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)
    events = manifest["settings"]["event_subscriptions"]
    assert set(events["bot_events"]) == {"app_home_opened", "message.im"}
    urls = [
        events["request_url"],
        manifest["settings"]["interactivity"]["request_url"],
        manifest["features"]["slash_commands"][0]["url"],
    ]
    assert urls == [f"https://{{{{BASE_URL}}}}{EVENTS_PATH}"] * 3
    assert manifest["oauth_config"]["redirect_urls"] == [f"https://{{{{BASE_URL}}}}{REDIRECT_PATH}"]
    (shortcut,) = manifest["features"]["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", DECISION_SHORTCUT)
    assert shortcut["name"] == "Record as decision"
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert render.FORM_CALLBACK == "form"
