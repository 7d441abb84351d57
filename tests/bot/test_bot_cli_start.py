"""`supervision-bot --help` loads no database, SDK or document library (issue 24 item: CLI start).

Each command imports what it needs when it runs; a person asking for help, or mistyping an
option, waits for argparse only. Checked in a fresh interpreter, as the console script runs.
"""

from __future__ import annotations

import json
import subprocess
import sys

from cli_helpers import ROOT

# Libraries that cost tenths of a second each to import, and our layers that pull them in.
HEAVY = (
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "aiosqlite",
    "asyncpg",
    "aiohttp",
    "slack_bolt",
    "slack_sdk",
    "microsoft_agents",
    "cryptography",
    "pydantic",
    "pydantic_settings",
    "reportlab",
    "matplotlib",
    "babel",
    "jinja2",
    "yaml",
    "tqdm",
    "storage",
    "policy",
    "dialogs",
    "scheduling",
)

PROBE = """
import contextlib, io, json, sys
from bot.cli import main
for argv in (["--help"], ["score", "--help"], ["import", "--help"], ["export", "--help"]):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
        main(argv)
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_help_imports_no_heavy_library() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = set(json.loads(result.stdout.splitlines()[-1]))
    assert "bot" in loaded
    assert sorted(loaded & set(HEAVY)) == []


def test_score_help_lists_the_built_in_schemes_as_the_scheme_loader_does() -> None:
    from bot.commands.score import _builtin_scheme_ids
    from scoring.schemes import builtin_scheme_ids

    assert _builtin_scheme_ids() == list(builtin_scheme_ids())
    assert "derbyshire_wms" in _builtin_scheme_ids()
