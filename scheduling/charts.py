"""Digest charts scored and drawn in a worker process, never on the web server's interpreter.

A Monday run scores every caseworker for the band chart and draws two PNGs for every team. That
is most of a Monday's CPU, and Pillow holds the GIL for the text layout and the drawing calls, so
it runs in a process of its own (scheduling/chart_worker.py, started with the interpreter and
only the modules drawing needs: never forked from a threaded server, nor a copy of the whole
app); the scheduler sends plain values and waits for the bytes.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.messages import Attachment
from dialogs.scores import score_person
from dialogs.views import CaseView, StaffView
from policy.packs import Pack
from scheduling.chart_worker import HEADER
from scoring.model import PersonalElement
from scoring.schemes import find_scheme

if TYPE_CHECKING:
    from scheduling.roster import Roster


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
    team_id: int | None = None  # with a Roster: the worker reads the members (scheduling.roster)
    language: str = "en"  # issue 28: the language of the card the charts go with


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
    from dialogs.i18n import _, use_language
    from dialogs.outputs.charts import caseload_bands, compliance_trend

    name = request.team_name
    with use_language(request.language):  # titles and alt text in the card's language
        title = _("{team}: supervision").format(team=name)
        trend = compliance_trend(list(request.trend), request.target, title)
        files = [Attachment("compliance-trend.png", "image/png", trend.png, trend.alt)]
        counted = bands(request.members, pack, on)
        if counted:
            title = _("{team}: caseloads by band").format(team=name)
            chart = caseload_bands(counted, title)
            files.append(Attachment("caseload-bands.png", "image/png", chart.png, chart.alt))
    return tuple(files)


def draw_all(
    requests: Sequence[ChartRequest], pack: Pack, on: date
) -> list[tuple[Attachment, ...]]:
    return [draw(request, pack, on) for request in requests]


def default_workers() -> int:
    """Two drawing processes where there are two cores or more: a Monday's charts are most of
    its CPU, and the workers run at a lower priority than the web server (chart_worker.py), so
    a conversation still gets the CPU first."""
    return max(1, min(2, os.cpu_count() or 1))


class ChartPool:
    """Worker processes for the charts of a scheduler, started when a digest needs drawing and
    ended when the tick is over (`release`), so they cost no memory between Mondays. Up to
    `workers` batches are drawn at once (`parallel`), one per process. `inline` draws in the
    calling thread (tests); `enabled=False` draws nothing (the benchmark's floor)."""

    def __init__(self, inline: bool = False, enabled: bool = True, workers: int | None = None):
        self.inline = inline
        self.enabled = enabled
        self.size = 1 if inline or not enabled else (workers or default_workers())
        self._idle: list[asyncio.subprocess.Process] = []
        self._started: list[asyncio.subprocess.Process] = []
        self._freed: asyncio.Condition | None = None

    @property
    def parallel(self) -> int:
        """How many batches may be drawing at once."""
        return self.size

    async def draw(
        self,
        requests: Sequence[ChartRequest],
        pack: Pack,
        on: date,
        roster: Roster | None = None,
        database: AsyncEngine | None = None,
    ) -> list[tuple[Attachment, ...]]:
        """Both charts of each request. With a `roster`, the band chart's caseworkers of each
        request's `team_id` are read where the drawing happens (inline: from `database`)."""
        if not requests:
            return []
        if not self.enabled:
            return [() for _ in requests]
        if self.inline:
            if roster is not None and database is not None:
                from scheduling.roster import with_members

                requests = await with_members(database, requests, roster.counts, on)
            return draw_all(requests, pack, on)
        job = (list(requests), pack, on, roster)
        body = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        worker = await self._acquire()
        assert worker.stdin is not None
        assert worker.stdout is not None
        try:
            worker.stdin.write(HEADER.pack(len(body)) + body)
            await worker.stdin.drain()
            (size,) = HEADER.unpack(await worker.stdout.readexactly(HEADER.size))
            status, result = pickle.loads(await worker.stdout.readexactly(size))  # noqa: S301
        except (asyncio.IncompleteReadError, ConnectionError):
            self._started.remove(worker)  # gone: the next batch starts another
            await self._put_back(None)
            raise ChartWorkerError("the chart worker stopped before answering") from None
        except BaseException:
            # Cancelled half-way through a frame: the pipe is out of step, so this worker goes.
            self._started.remove(worker)
            worker.kill()
            await self._put_back(None)
            raise
        await self._put_back(worker)
        if status != "ok":
            raise ChartWorkerError(str(result))
        return list(result)

    async def _acquire(self) -> asyncio.subprocess.Process:
        if self._freed is None:
            self._freed = asyncio.Condition()
        async with self._freed:
            while True:
                live = [w for w in self._idle if w.returncode is None]
                self._idle = live
                if live:
                    return self._idle.pop()
                if len(self._started) < self.size:
                    worker = await asyncio.create_subprocess_exec(
                        sys.executable,
                        "-m",
                        "scheduling.chart_worker",
                        stdin=asyncio.subprocess.PIPE,
                        stdout=asyncio.subprocess.PIPE,
                    )
                    self._started.append(worker)
                    return worker
                await self._freed.wait()

    async def _put_back(self, worker: asyncio.subprocess.Process | None) -> None:
        assert self._freed is not None
        async with self._freed:
            if worker is not None:
                self._idle.append(worker)
            self._freed.notify()

    async def release(self) -> None:
        """End the workers, if any are running (closing its input is a worker's signal to go)."""
        workers, self._started, self._idle, self._freed = self._started, [], [], None
        for worker in workers:
            if worker.returncode is None and worker.stdin is not None:
                worker.stdin.close()
        for worker in workers:
            try:
                await asyncio.wait_for(worker.wait(), 10)
            except TimeoutError:
                worker.kill()
                await worker.wait()


class ChartWorkerError(RuntimeError):
    """The worker could not draw a batch (its message says why)."""
