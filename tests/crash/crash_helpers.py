"""The real `supervision-bot serve --demo` as a child process: started, SIGKILLed, restarted.

The database is a SQLite file in a temporary folder; the server reads it with the suite's record
key, so the test can read what it wrote. Everything waits by polling with a deadline.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from testing_keys import TEST_RECORD_KEY

# This checkout's supervision-bot, not the one the shared virtualenv was installed from.
ROOT = Path(__file__).resolve().parents[2]
EXE = (
    sys.executable,
    "-c",
    "import sys; sys.argv[0] = 'supervision-bot'; from bot.cli import main; sys.exit(main())",
)
API = "/playground/api"
START_DEADLINE = 90.0  # seconds for a cold start on a busy 2-core machine
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def poll(check: Callable[[], T | None], deadline: float, what: str) -> T:
    """Call `check` until it returns something, or fail saying what never happened."""
    end = time.monotonic() + deadline
    while True:
        found = check()
        if found is not None:
            return found
        if time.monotonic() > end:
            raise AssertionError(f"{what}: not within {deadline:.0f} s")
        time.sleep(0.05)


class Server:
    """One `serve --demo` process at a time on a free loopback port."""

    def __init__(self, folder: Path, database: Path) -> None:
        self.folder = folder
        self.database = database
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.starts = 0
        self.log = folder / "server.log"

    def start(self, clock_start: datetime) -> None:
        assert self.process is None, "one server at a time"
        self.port = free_port()
        environment = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "TEAMS_", "DATABASE_", "CLOCK_", "RECORD_"))
        }
        environment.update(
            DATABASE_URL=f"sqlite+aiosqlite:///{self.database}",
            RECORD_ENCRYPTION_KEY=TEST_RECORD_KEY,
            CLOCK_START=clock_start.isoformat(),
            ENVIRONMENT="development",
            PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
        )
        with self.log.open("ab") as log:
            log.write(f"--- start {self.starts + 1} ---\n".encode())
            self.process = subprocess.Popen(
                [*EXE, "serve", "--demo", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=self.folder,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the kill reaches all of it
            )
        self.starts += 1
        poll(self._answers, START_DEADLINE, f"the server answering (log: {self.tail()})")

    def _answers(self) -> bool | None:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"the server exited with {self.process.returncode}: {self.tail()}")
        try:
            with urllib.request.urlopen(self.url(f"{API}/clock"), timeout=5) as response:
                return True if response.status == 200 else None
        except (OSError, urllib.error.URLError):
            return None

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, as when the OOM killer acts or the host is lost."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):  # it died on its own: still reap it
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def restart(self, clock_start: datetime) -> None:
        self.kill()
        self.start(clock_start)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def tail(self, lines: int = 15) -> str:
        if not self.log.exists():
            return "(no log)"
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url(API + path), timeout=60) as response:
            return json.load(response)

    def send(self, staff_id: int, message_id: str | None = None, **payload: Any) -> dict[str, Any]:
        """One playground message; `message_id` is the page's own id, sent again on a retry."""
        body: dict[str, Any] = {"staff_id": staff_id, **payload}
        if message_id is not None:
            body["message_id"] = message_id
        request = urllib.request.Request(
            self.url(f"{API}/send"),
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                answer: dict[str, Any] = json.load(response)
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{exc.code} for {body}: {exc.read()[:500]!r}") from None
        return answer
