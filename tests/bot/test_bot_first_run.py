"""What a first-time developer sees: the port, install progress, a calm key message (issue 21
item 14)."""

from __future__ import annotations

import importlib.util
import logging
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from storage import crypto

ROOT = Path(__file__).resolve().parents[2]


def load_dev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "dev.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_start_says_the_port_and_how_to_change_it() -> None:
    # The README starts with it: the product's first paragraph, then the two commands.
    quick_start = (ROOT / "README.md").read_text("utf-8").split("## What it does")[0]
    assert "## Quick start" in quick_start
    assert "python3 dev.py run" in quick_start
    assert "python3 dev.py test" in quick_start
    assert "port 3978" in quick_start
    assert "python3 dev.py run --port 8080" in quick_start


def test_the_first_install_shows_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    dev = load_dev()
    python = tmp_path / "bin" / "python"
    python.parent.mkdir()
    python.touch()
    monkeypatch.setattr(dev, "VENV", tmp_path)
    monkeypatch.setattr(dev, "PY", python)
    calls: list[list[str]] = []

    def fake_run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append(args)
        return subprocess.CompletedProcess(args, 0)

    monkeypatch.setattr(dev.subprocess, "run", fake_run)
    dev.setup()
    locked, project = calls
    assert "--quiet" not in locked  # pip lists each package: 40 silent seconds looked stuck
    assert "about a minute the first time" in capsys.readouterr().out
    # Issue 23: every package from the lock, each checked against its hashes; then the project
    # itself with nothing more resolved (no floating transitive dependency on a fresh machine).
    assert locked[locked.index("-r") + 1] == str(ROOT / "requirements.lock")
    assert "--require-hashes" in locked
    assert "--no-deps" in project
    assert project[-2:] == ["-e", "."]


def test_a_changed_lock_installs_again_and_test_and_run_share_one_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dev = load_dev()
    python = tmp_path / "bin" / "python"
    python.parent.mkdir()
    python.touch()
    lock = tmp_path / "requirements.lock"
    lock.write_text("a==1 \\\n    --hash=sha256:" + "0" * 64 + "\n")
    monkeypatch.setattr(dev, "VENV", tmp_path)
    monkeypatch.setattr(dev, "PY", python)
    monkeypatch.setattr(dev, "LOCK", lock)
    calls: list[list[str]] = []

    def fake_run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append(args)
        return subprocess.CompletedProcess(args, 0)

    monkeypatch.setattr(dev.subprocess, "run", fake_run)
    dev.setup("dev")
    dev.setup()  # `run` after `test`: the lock holds the test tools too, nothing to install
    assert len(calls) == 2
    lock.write_text("a==2 \\\n    --hash=sha256:" + "1" * 64 + "\n")  # a patch taken
    dev.setup()
    assert len(calls) == 4


def test_the_development_key_message_is_calm_and_says_what_to_do_in_production(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    before = crypto._Keys.fernet
    try:
        with caplog.at_level(logging.INFO, logger="storage.crypto"):
            crypto.configure(None, tmp_path / "record.key")
    finally:
        crypto._Keys.fernet = before  # the suite's own key, for the tests that follow
    (message,) = [r for r in caplog.records if r.name == "storage.crypto"]
    assert message.levelno == logging.INFO
    assert "In production, set RECORD_ENCRYPTION_KEY" in message.getMessage()
    assert "fine on this machine" in message.getMessage()
