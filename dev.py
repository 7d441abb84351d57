#!/usr/bin/env python3
"""Developer entry point that needs nothing but Python 3.11+: sets up .venv, then runs or tests.

python3 dev.py run     set up, create the SQLite demo organisation, serve on http://localhost:3978/
python3 dev.py test    set up with the test tools, run the test suite
python3 dev.py check   ruff, mypy, import-linter and alembic check
python3 dev.py messages  add new and drop unused messages in the English and Welsh catalogs
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


LOCK = ROOT / "requirements.lock"


def _stamp() -> Path:
    """What was installed: the lock (every package, with the test tools) and the project."""
    digest = hashlib.sha256()
    for path in (LOCK, ROOT / "pyproject.toml"):
        digest.update(path.read_bytes())
    return VENV / f".installed-{digest.hexdigest()[:16]}"


def setup(extras: str = "") -> None:
    """The venv with exactly what requirements.lock pins, each file checked against its hashes,
    then the project itself with --no-deps (issue 23: nothing resolved afresh on a new machine).
    The lock holds the test tools too, so `run` and `test` share one install; `extras` is kept
    for callers that still name one."""
    del extras
    if sys.version_info < (3, 11):
        found = sys.version.split()[0]
        sys.exit(f"Supervision Assistant needs Python 3.11 or newer; this is {found}.")
    if not PY.exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = _stamp()
    if stamp.exists():
        return
    print(
        "Installing the locked dependencies (requirements.lock, hashes checked) and "
        "supervision-bot into .venv (about a minute the first time; pip shows each package "
        "as it goes) ...",
        flush=True,
    )
    pip = [str(PY), "-m", "pip", "install", "--disable-pip-version-check"]
    subprocess.run([*pip, "--require-hashes", "-r", str(LOCK)], cwd=ROOT, check=True)
    subprocess.run([*pip, "--no-deps", "-e", "."], cwd=ROOT, check=True)
    for old in VENV.glob(".installed-*"):
        old.unlink()
    stamp.touch()


def run_in_venv(*args: str) -> int:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(list(args), cwd=ROOT, env=env).returncode


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "help"
    rest = argv[1:]
    if command == "run":
        setup()
        for step in (["init"], ["demo", "--if-empty"]):
            code = run_in_venv(str(BIN / "supervision-bot"), *step)
            if code:
                return code
        return run_in_venv(str(BIN / "supervision-bot"), "serve", "--demo", *rest)
    if command == "test":
        setup("dev")
        code = run_in_venv(str(PY), "-m", "pytest", *rest)
        # pytest exits 5 when it collected nothing: that is a failure, not a pass.
        return 1 if code == 5 else code
    if command == "messages":
        setup()
        return run_in_venv(str(PY), "-m", "dialogs.catalogs")
    if command == "check":
        setup("dev")
        checks = [
            [str(BIN / "ruff"), "check", "."],
            [str(BIN / "ruff"), "format", "--check", "."],
            [str(BIN / "mypy"), "scoring", "policy", "dialogs", "storage", "scheduling", "bot"],
            [str(BIN / "lint-imports")],
        ]
        failed = [" ".join(c[:2]) for c in checks if run_in_venv(*c)]
        if failed:
            print("Failed: " + ", ".join(failed))
            return 1
        return 0
    print(__doc__)
    return 0 if command in {"help", "-h", "--help"} else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
