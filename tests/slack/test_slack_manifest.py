"""The Slack app manifest: valid against our schema, and its commands equal the dialog registry.

Slack publishes no offline schema (its online check is `apps.manifest.validate`), so
manifests/slack/manifest.schema.json is written from the documented shape. The `jsonschema`
package is not a dependency; the small validator below covers the keywords that schema uses,
and refuses any keyword it does not know, so the schema cannot silently outgrow it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.slack import render
from bot.slack.http import BOT_SCOPES, EVENTS_PATH, REDIRECT_PATH
from bot.slack.runtime import COMMAND, DECISION_SHORTCUT
from dialogs.registry import menu_commands

ROOT = Path(__file__).resolve().parents[2] / "manifests" / "slack"
KNOWN = {
    "$schema", "$id", "title", "description", "type", "required", "properties",
    "additionalProperties", "items", "enum", "pattern", "minLength", "maxLength", "minItems",
    "maxItems", "uniqueItems",
}  # fmt: skip
TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "integer": int,
}


def problems(value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    unknown = set(schema) - KNOWN
    assert not unknown, f"schema keyword(s) {unknown} at {where}: teach the validator first"
    found: list[str] = []
    kind = schema.get("type")
    if kind and not (
        isinstance(value, TYPES[kind]) and not (kind == "integer" and isinstance(value, bool))
    ):
        return [f"{where}: expected {kind}, got {type(value).__name__}"]
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: {value!r} not one of {schema['enum']}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            found.append(f"{where}: shorter than {schema['minLength']}")
        if len(value) > schema.get("maxLength", len(value)):
            found.append(f"{where}: longer than {schema['maxLength']}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            found.append(f"{where}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", 10**6):
            found.append(f"{where}: {len(value)} items is out of bounds")
        if schema.get("uniqueItems") and len({json.dumps(v) for v in value}) != len(value):
            found.append(f"{where}: items repeat")
        for index, item in enumerate(value):
            found += problems(item, schema.get("items", {}), f"{where}[{index}]")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        found += [
            f"{where}: {key} is required" for key in schema.get("required", ()) if key not in value
        ]
        for key, item in value.items():
            if key in properties:
                found += problems(item, properties[key], f"{where}.{key}")
            elif schema.get("additionalProperties") is False:
                found.append(f"{where}: {key} is not a manifest field")
    return found


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
    found = problems(broken, schema)
    assert len(found) == 3


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
    assert shortcut["name"] == "Record as manager decision"
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert render.FORM_CALLBACK == "form"
