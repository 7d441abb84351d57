"""The scheduler on a thread of its own, with its own event loop and database engine.

In `serve` the web server's event loop answers Slack within its 3 seconds and Teams within its
timeout; a Monday run of every digest is seconds of CPU. On its own loop the scheduler never
holds the web loop: its database work awaits on its own connections, and its Python work
shares the interpreter with the web loop the way any thread does (switching every few
milliseconds), never for the length of a council. Charts are drawn in a worker process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime

from policy.packs import Pack
from scheduling.charts import ChartPool
from scheduling.scheduler import Scheduler
from storage.db import create_engine

log = logging.getLogger(__name__)


class SchedulerThread:
    """Start with `start()`, stop with `stop()`; ticks every `interval` seconds until stopped."""

    def __init__(
        self,
        database_url: str,
        packs: Mapping[str, Pack],
        clock: Callable[[], datetime],
        interval: float = 60.0,
    ) -> None:
        self._url = database_url
        self._packs = packs
        self._clock = clock
        self._interval = interval
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self.ticks = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._main, name="scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stopping.set()
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)
        if self._thread is not None:
            self._thread.join(timeout)

    def _main(self) -> None:
        asyncio.run(self._run())

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        database = create_engine(self._url, auto_checkpoint=False)  # Scheduler checkpoints
        charts = ChartPool()
        scheduler = Scheduler(database, self._packs, self._clock, charts=charts)
        try:
            while not self._stopping.is_set():
                try:
                    await scheduler.tick()
                except Exception:
                    log.exception("scheduler tick failed")
                self.ticks += 1
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._interval)
        finally:
            await charts.release()
            await database.dispose()
