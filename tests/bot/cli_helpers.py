"""Run the real `supervision-bot` command in a subprocess with its own SQLite database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXE = shutil.which("supervision-bot") or str(Path(sys.executable).parent / "supervision-bot")


def run(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_", "DATABASE_"))
    }
    environment["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    # This checkout's code, whichever copy the virtualenv's editable install points at.
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, (str(ROOT), environment.get("PYTHONPATH")))
    )
    environment.update(env or {})
    return subprocess.run(
        [EXE, *args], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120
    )
