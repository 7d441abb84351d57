"""Issue 24: `supervision-bot serve --workers N`, several web processes on one port, for real:
the command in a subprocess, answered over loopback, and stopped with everything it started."""

from __future__ import annotations

import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest
from testing_keys import TEST_RECORD_KEY

from tests.bot.cli_helpers import EXE, environment_for, run
from tests.crash.crash_helpers import free_port, poll

DEADLINE = 90.0  # seconds for a cold start of three processes on a busy 2-core machine


def children_of(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(p) for p in text.split()]


def healthy(port: int) -> bool | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            return True if answer.status == 200 else None
    except OSError:
        return None


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
def test_serve_with_workers_answers_on_one_port_and_stops_them_all(tmp_path: Path) -> None:
    port = free_port()
    env = environment_for(tmp_path, {"RECORD_ENCRYPTION_KEY": TEST_RECORD_KEY})
    command = [*EXE, "serve", "--demo", "--no-scheduler", "--workers", "3"]
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        poll(lambda: healthy(port), DEADLINE, "serve --workers 3 answering /healthz")
        workers = poll(
            lambda: children_of(server.pid) if len(children_of(server.pid)) == 2 else None,
            DEADLINE,
            "two more web processes",
        )
        # Each on a new connection: the kernel shares them out, and every one is answered.
        assert all(healthy(port) for _ in range(30))
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 0, output
    assert "3 web processes" in output
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or _zombie(pid), f"worker {pid} still running"
    assert "Traceback" not in output


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_workers_out_of_range_is_a_clear_message(tmp_path: Path) -> None:
    done = run(tmp_path, "serve", "--demo", "--workers", "0")
    assert done.returncode == 2
    assert "--workers takes 1 to 64, not 0" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert not (tmp_path / "cli.db").exists()  # refused before anything was set up
