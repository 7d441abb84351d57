"""The Teams app manifest, its icons and `supervision-bot teams-package`."""

from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from bot.commands import teams_package
from bot.runtime import UserError
from bot.teams.manifest import (
    MANIFEST_DIR,
    PackageError,
    PackageValues,
    build_manifest,
    command_lists,
    load_template,
)
from dialogs.registry import flows, menu_commands

APP_ID = "11111111-2222-3333-4444-555555555555"
VALUES = PackageValues(app_id=APP_ID, base_url="https://supervision.example.gov.uk")


def package(tmp_path: Path, *argv: str) -> Path:
    parser = argparse.ArgumentParser()
    teams_package.register(parser.add_subparsers())
    output = tmp_path / "teams-app.zip"
    args = parser.parse_args(["teams-package", *argv, "--output", str(output)])
    assert args.handler(args) == 0
    return output


def test_the_manifest_uses_a_schema_version_teams_accepts() -> None:
    manifest = load_template()

    assert manifest["manifestVersion"] in {"1.22", "1.23", "1.24"}
    assert manifest["$schema"].endswith(
        f"/v{manifest['manifestVersion']}/MicrosoftTeams.schema.json"
    )
    assert manifest["bots"][0]["scopes"] == ["personal", "team"]


def test_the_command_lists_equal_the_dialog_registry() -> None:
    [bot] = load_template()["bots"]
    personal, team = bot["commandLists"]

    assert bot["commandLists"] == command_lists(), "run `python -m bot.teams.manifest` to sync"
    assert [c["title"] for c in personal["commands"]] == [*menu_commands(), "help"]
    assert {c["title"] for c in team["commands"]} <= {*menu_commands(), "help"}
    for command in personal["commands"][:-1]:
        assert command["description"] == flows()[command["title"]].summary


def test_the_colour_icon_is_192_pixels_square() -> None:
    with Image.open(MANIFEST_DIR / "color.png") as icon:
        assert icon.format == "PNG"
        assert icon.size == (192, 192)


def test_the_outline_icon_is_32_pixels_white_on_transparent() -> None:
    with Image.open(MANIFEST_DIR / "outline.png") as icon:
        assert icon.format == "PNG"
        assert icon.size == (32, 32)
        pixels = list(icon.convert("RGBA").get_flattened_data())
    assert any(alpha == 0 for *_, alpha in pixels), "the background must be transparent"
    drawn = [(r, g, b) for r, g, b, alpha in pixels if alpha > 0]
    assert drawn
    assert all(colour == (255, 255, 255) for colour in drawn)


def test_the_package_fills_in_the_app_id_and_address(tmp_path: Path) -> None:
    output = package(tmp_path, "--app-id", APP_ID, "--base-url", "https://bot.example.gov.uk/")

    with zipfile.ZipFile(output) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        text = archive.read("manifest.json").decode("utf-8")
        colour = archive.read("color.png")
    manifest = json.loads(text)
    assert "{{" not in text
    assert manifest["id"] == APP_ID
    assert manifest["bots"][0]["botId"] == APP_ID
    assert manifest["validDomains"] == ["bot.example.gov.uk"]
    assert manifest["developer"]["privacyUrl"] == "https://bot.example.gov.uk/privacy"
    assert colour == (MANIFEST_DIR / "color.png").read_bytes()


def test_the_app_id_can_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEAMS_APP_ID", APP_ID.upper())

    output = package(tmp_path, "--base-url", "https://bot.example.gov.uk")

    with zipfile.ZipFile(output) as archive:
        assert json.loads(archive.read("manifest.json"))["id"] == APP_ID


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        (PackageValues("not-a-guid", "https://x.example"), "not a GUID"),
        (PackageValues(APP_ID, "http://x.example"), "https://"),
    ],
)
def test_bad_values_are_refused_clearly(values: PackageValues, problem: str) -> None:
    with pytest.raises(PackageError, match=problem):
        build_manifest(values)


def test_the_command_explains_a_missing_app_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEAMS_APP_ID", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here

    with pytest.raises(UserError, match="--app-id"):
        package(tmp_path, "--base-url", "https://bot.example.gov.uk")


def test_a_placeholder_inside_a_value_cannot_break_the_json() -> None:
    tricky = PackageValues(APP_ID, "https://x.example", developer='Council "North"\n}')

    manifest = build_manifest(tricky)

    assert manifest["developer"]["name"] == 'Council "North"\n}'


# ---- Microsoft's own schema (needs `npm ci --prefix manifests/teams`) -------------------------

NODE = shutil.which("node")
VALIDATOR = MANIFEST_DIR / "validate.mjs"
needs_node = pytest.mark.skipif(
    NODE is None or not (MANIFEST_DIR / "node_modules" / "@microsoft" / "app-manifest").is_dir(),
    reason="run `npm ci --prefix manifests/teams` to validate against Microsoft's schema",
)


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    assert NODE is not None
    return subprocess.run(
        [NODE, str(VALIDATOR), str(path)], capture_output=True, text=True, timeout=120, check=False
    )


@needs_node
def test_the_package_is_valid_against_microsofts_schema(tmp_path: Path) -> None:
    output = package(tmp_path, "--app-id", APP_ID, "--base-url", "https://bot.example.gov.uk")

    result = validate(output)

    assert result.returncode == 0, result.stderr
    assert "valid against" in result.stdout
    assert "icons checked" in result.stdout


@needs_node
def test_the_validator_fails_loudly_on_an_invalid_package(tmp_path: Path) -> None:
    manifest = build_manifest(VALUES)
    del manifest["accentColor"]
    manifest["bots"][0]["botId"] = "not-a-guid"
    broken = tmp_path / "broken.zip"
    buffer = io.BytesIO()
    small = Image.new("RGB", (64, 64), "red")
    small_png = io.BytesIO()
    small.save(small_png, "PNG")
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        archive.writestr("color.png", small_png.getvalue())
        archive.writestr("outline.png", small_png.getvalue())
    broken.write_bytes(buffer.getvalue())

    result = validate(broken)

    assert result.returncode == 1
    assert "accentColor" in result.stderr
    assert "/bots/0/botId" in result.stderr
    assert "color.png is 64x64, not 192x192" in result.stderr
    assert "outline: outline.png is 64x64" in result.stderr
