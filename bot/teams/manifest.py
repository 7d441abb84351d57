"""The Teams app package: manifests/teams/manifest.json filled in, with its two icons, zipped.

The bot's command lists come from the dialog registry, so the package can never offer a command
the bot does not have (and the committed template is tested to say the same). Flows started only
by buttons (a reminder's snooze) are not commands and are not listed.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dialogs.registry import flows, menu_commands

MANIFEST_DIR = Path(__file__).resolve().parents[2] / "manifests" / "teams"
TEMPLATE = MANIFEST_DIR / "manifest.json"
ICONS = ("color.png", "outline.png")
HELP = ("help", "what I can do, and how to ask")
# In a team channel only team views are offered: nothing personal is ever posted there.
CHANNEL_COMMANDS = ("caseload", "help")
# Without it Teams refuses the file-consent exchange (bot.teams.files: ICS invitations, PDFs).
SUPPORTS_FILES = True
_GUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")


class PackageError(ValueError):
    """A value the package cannot be built with, said in a way the person can fix."""


@dataclass(frozen=True, slots=True)
class PackageValues:
    app_id: str
    base_url: str
    version: str = "1.0.0"
    developer: str = "Supervision Assistant"
    privacy_url: str = ""
    terms_url: str = ""

    def placeholders(self) -> dict[str, str]:
        if not _GUID.fullmatch(self.app_id):
            raise PackageError(
                f"the app id {self.app_id!r} is not a GUID: use the Microsoft App ID of the "
                "Azure Bot registration"
            )
        parts = urlsplit(self.base_url)
        if parts.scheme != "https" or not parts.hostname:
            raise PackageError(f"the base URL {self.base_url!r} must be an https:// address")
        base = self.base_url.rstrip("/")
        return {
            "APP_ID": self.app_id.lower(),
            "BASE_URL": base,
            "DOMAIN": parts.hostname,
            "VERSION": self.version,
            "DEVELOPER_NAME": self.developer,
            "PRIVACY_URL": self.privacy_url or f"{base}/privacy",
            "TERMS_URL": self.terms_url or f"{base}/terms",
        }


def command_lists() -> list[dict[str, Any]]:
    """The registry's commands, in the order help lists them, plus help."""
    registry = flows()
    personal = [{"title": name, "description": registry[name].summary} for name in menu_commands()]
    personal.append({"title": HELP[0], "description": HELP[1]})
    by_title = {c["title"]: c for c in personal}
    channel = [by_title[title] for title in CHANNEL_COMMANDS if title in by_title]
    if len(personal) > 12:
        raise PackageError(
            f"Teams allows 12 commands in a list and the registry has {len(personal)}"
        )
    return [
        {"scopes": ["personal"], "commands": personal},
        {"scopes": ["team"], "commands": channel},
    ]


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def build_manifest(
    values: PackageValues, template: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The template with every {{PLACEHOLDER}} filled and the command lists from the registry."""
    filled: dict[str, Any] = _fill(dict(template or load_template()), values.placeholders())
    for bot in filled.get("bots", []):
        bot["commandLists"] = command_lists()
        bot["supportsFiles"] = SUPPORTS_FILES
    return filled


def _fill(node: Any, values: Mapping[str, str]) -> Any:
    """Replace placeholders inside JSON strings (never in the raw text: no JSON injection)."""
    if isinstance(node, dict):
        return {key: _fill(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_fill(value, values) for value in node]
    if isinstance(node, str):

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in values:
                raise PackageError(f"the manifest template uses an unknown {{{{{name}}}}}")
            return values[name]

        return _PLACEHOLDER.sub(one, node)
    return node


def build_package(values: PackageValues, directory: Path = MANIFEST_DIR) -> bytes:
    """The zip Teams side-loads: manifest.json and the icons at its root."""
    manifest = build_manifest(values, load_template(directory / "manifest.json"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        for icon in ICONS:
            archive.write(directory / icon, icon)
    return buffer.getvalue()


def sync_template(path: Path = TEMPLATE) -> bool:
    """Rewrite the template's command lists (and file support) from the code; True if changed."""
    manifest = load_template(path)
    changed = False
    for bot in manifest.get("bots", []):
        if bot.get("commandLists") != command_lists():
            bot["commandLists"] = command_lists()
            changed = True
        if bot.get("supportsFiles") != SUPPORTS_FILES:
            bot["supportsFiles"] = SUPPORTS_FILES
            changed = True
    if changed:
        path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return changed


if __name__ == "__main__":  # python -m bot.teams.manifest: after adding or renaming a command
    print("updated" if sync_template() else "already up to date", TEMPLATE)
