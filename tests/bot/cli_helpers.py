"""Run the real `supervision-bot` command in a subprocess with its own SQLite database."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

# This checkout's code, whichever checkout the virtualenv's `supervision-bot` was installed from
# (several worktrees share one virtualenv): the command's own entry point, run from here.
ROOT = Path(__file__).resolve().parents[2]
EXE = (
    sys.executable,
    "-c",
    "import sys; sys.argv[0] = 'supervision-bot'; from bot.cli import main; sys.exit(main())",
)


def environment_for(tmp_path: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_", "DATABASE_"))
    }
    environment["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    environment["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), environment.get("PYTHONPATH")) if p
    )
    environment.update(env or {})
    return environment


def run(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*EXE, *args],
        cwd=tmp_path,
        env=environment_for(tmp_path, env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_piped(tmp_path: Path, *args: str, into: str) -> subprocess.CompletedProcess[str]:
    """`supervision-bot ARGS | INTO` through a shell, as a person would type it."""
    command = " ".join(shlex.quote(part) for part in (*EXE, *args)) + f" | {into}"
    return subprocess.run(
        ["/bin/sh", "-c", command],
        cwd=tmp_path,
        env=environment_for(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
