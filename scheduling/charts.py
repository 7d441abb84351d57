"""Digest charts scored and drawn in a worker process, never on the web server's interpreter.

A Monday run draws two PNGs for every team that gets a digest. Pillow releases the GIL for some
of its work but not for the text layout and the Python drawing calls, so the charts are drawn by
one worker process (started on first use, spawned: never forked from a threaded server), and the
scheduler only waits for the bytes.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from dialogs.messages import Attachment
from dialogs.scores import score_person
from dialogs.views import CaseView, StaffView
from policy.packs import Pack
from scoring.model import PersonalElement
from scoring.schemes import find_scheme


@dataclass(frozen=True, slots=True)
class Member:
    """One caseworker of the team as the band chart scores them (plain values)."""

    person: StaffView
    cases: tuple[CaseView, ...]
    count: int
    personal: tuple[PersonalElement, ...]


@dataclass(frozen=True, slots=True)
class ChartRequest:
    """What a team's digest charts show: plain values, so they can cross to the worker."""

    team_name: str
    trend: tuple[tuple[str, Decimal | None], ...]
    target: Decimal
    members: tuple[Member, ...]  # scored for the caseloads-by-band chart (none: no chart)


def bands(members: Sequence[Member], pack: Pack, on: date) -> list[tuple[str, int]]:
    """Caseworkers by band of the council's weighting scheme: scoring is most of a Monday's
    CPU, so it runs where the drawing does."""
    rule = pack.caseload.weighting_scheme
    if rule is None or not members:
        return []
    scheme = find_scheme(rule.value)
    found: Counter[str] = Counter()
    for m in members:
        result = score_person(m.person, m.cases, (), m.count, pack, scheme, on, personal=m.personal)
        if result.score is not None and result.score.band is not None:
            found[result.score.band.name] += 1
    return sorted(found.items())


def draw(request: ChartRequest, pack: Pack, on: date) -> tuple[Attachment, ...]:
    """Both charts as PNG attachments with alt text (runs in the worker, or inline)."""
    from dialogs.outputs.charts import caseload_bands, compliance_trend

    name = request.team_name
    trend = compliance_trend(list(request.trend), request.target, f"{name}: supervision")
    files = [Attachment("compliance-trend.png", "image/png", trend.png, trend.alt)]
    counted = bands(request.members, pack, on)
    if counted:
        chart = caseload_bands(counted, f"{name}: caseloads by band")
        files.append(Attachment("caseload-bands.png", "image/png", chart.png, chart.alt))
    return tuple(files)


def _draw_all(
    requests: Sequence[ChartRequest], pack: Pack, on: date
) -> list[tuple[Attachment, ...]]:
    return [draw(request, pack, on) for request in requests]


class ChartPool:
    """One worker process for the charts of a scheduler; `inline` draws in the calling thread
    (tests, and the `--no-pool` benchmark baseline)."""

    def __init__(self, inline: bool = False, enabled: bool = True) -> None:
        self.inline = inline
        self.enabled = enabled  # off: digests go without charts (the benchmark's floor run)
        self._pool: ProcessPoolExecutor | None = None

    async def draw(
        self, requests: Sequence[ChartRequest], pack: Pack, on: date
    ) -> list[tuple[Attachment, ...]]:
        if not requests:
            return []
        if not self.enabled:
            return [() for _ in requests]
        if self.inline:
            return _draw_all(requests, pack, on)
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, _draw_all, list(requests), pack, on)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
