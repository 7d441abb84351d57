"""`supervision-bot teams-package`: the Teams app zip to side-load or upload to the Teams admin
centre, with the bot's app id and address filled in."""

from __future__ import annotations

import argparse
import os
import sys
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as installed_version
from pathlib import Path

from dotenv import dotenv_values

from bot.runtime import UserError

DEFAULT_OUTPUT = Path("build/teams-app.zip")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "teams-package",
        help="build the Microsoft Teams app package (a zip to side-load)",
        description=(
            "Fill in manifests/teams/manifest.json with the Azure Bot's app id and the address "
            "Teams reaches the bot at, and zip it with the icons. Upload the zip in Teams "
            "(Apps > Manage your apps > Upload an app) or in the Teams admin centre. See "
            "docs/teams.md."
        ),
    )
    parser.add_argument(
        "--app-id",
        help="the Microsoft App ID of the Azure Bot registration (default: TEAMS_APP_ID)",
    )
    parser.add_argument(
        "--base-url",
        required=True,
        help="the https address the bot is served at, e.g. https://supervision.example.gov.uk",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the zip to write")
    parser.add_argument("--developer", default="Supervision Assistant", help="developer name")
    parser.add_argument("--privacy-url", default="", help="default: BASE_URL/privacy")
    parser.add_argument("--terms-url", default="", help="default: BASE_URL/terms")
    parser.add_argument(
        "--version", dest="app_version", help="app version (default: the installed version)"
    )
    parser.set_defaults(handler=run)


def _app_version() -> str:
    try:
        return installed_version("supervision-bot")
    except PackageNotFoundError:
        return "1.0.0"


def run(args: argparse.Namespace) -> int:
    from bot.teams.manifest import PackageError, PackageValues, build_package

    app_id = (
        args.app_id
        or os.environ.get("TEAMS_APP_ID")
        or dotenv_values(".env").get("TEAMS_APP_ID")  # the same place the bot reads it from
        or ""
    )
    if not app_id:
        raise UserError("give --app-id, or set TEAMS_APP_ID (the Azure Bot's Microsoft App ID)")
    values = PackageValues(
        app_id=app_id.strip(),
        base_url=args.base_url.strip(),
        version=args.app_version or _app_version(),
        developer=args.developer,
        privacy_url=args.privacy_url,
        terms_url=args.terms_url,
    )
    try:
        package = build_package(values)
    except PackageError as exc:
        raise UserError(str(exc)) from None
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(package)
    print(f"Wrote {args.output} (app id {values.app_id}). Upload it in Teams: see docs/teams.md.")
    print(
        "Check it against Microsoft's schema: npm ci --prefix manifests/teams && "
        f"node manifests/teams/validate.mjs {args.output}",
        file=sys.stderr,
    )
    return 0
