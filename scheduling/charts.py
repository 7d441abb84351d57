"""Digest charts drawn in a worker process, so drawing never holds the web server's interpreter.

A Monday run draws two PNGs for every team that gets a digest. Pillow releases the GIL for some
of its work but not for the text layout and the Python drawing calls, so the charts are drawn by
one worker process (started on first use, spawned: never forked from a threaded server), and the
scheduler only waits for the bytes.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal

from dialogs.messages import Attachment


@dataclass(frozen=True, slots=True)
class ChartRequest:
    """What a team's digest charts show: plain values, so they can cross to the worker."""

    team_name: str
    trend: tuple[tuple[str, Decimal | None], ...]
    target: Decimal
    bands: tuple[tuple[str, int], ...]  # empty: the pack weighs no caseload


def draw(request: ChartRequest) -> tuple[Attachment, ...]:
    """Both charts as PNG attachments with alt text (runs in the worker, or inline)."""
    from dialogs.outputs.charts import caseload_bands, compliance_trend

    name = request.team_name
    trend = compliance_trend(list(request.trend), request.target, f"{name}: supervision")
    files = [Attachment("compliance-trend.png", "image/png", trend.png, trend.alt)]
    if request.bands:
        chart = caseload_bands(list(request.bands), f"{name}: caseloads by band")
        files.append(Attachment("caseload-bands.png", "image/png", chart.png, chart.alt))
    return tuple(files)


def _draw_all(requests: Sequence[ChartRequest]) -> list[tuple[Attachment, ...]]:
    return [draw(request) for request in requests]


class ChartPool:
    """One worker process for the charts of a scheduler; `inline` draws in the calling thread
    (tests, and the `--no-pool` benchmark baseline)."""

    def __init__(self, inline: bool = False) -> None:
        self.inline = inline
        self._pool: ProcessPoolExecutor | None = None

    async def draw(self, requests: Sequence[ChartRequest]) -> list[tuple[Attachment, ...]]:
        if not requests:
            return []
        if self.inline:
            return _draw_all(requests)
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, _draw_all, list(requests))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
