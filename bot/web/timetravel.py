"""The demo clock: move it forward, then let the scheduler and the outbox catch up at once."""

from __future__ import annotations

import logging
from datetime import timedelta

from aiohttp import web

from bot.keys import CLOCK, DISPATCHER, SCHEDULER

log = logging.getLogger(__name__)
STEPS = {1: "a day", 7: "a week"}
_MAX_PASSES = 200  # 20 rows a pass: 4,000 messages is far beyond a demo council's week


async def deliver(app: web.Application) -> int:
    """Run the outbox until nothing due is left; returns how many rows were handled."""
    handled = 0
    for _ in range(_MAX_PASSES):
        done = await app[DISPATCHER].run_once()
        if not done:
            return handled
        handled += done
    log.warning("outbox still busy after %s passes", _MAX_PASSES)
    return handled


async def catch_up(app: web.Application) -> tuple[int, int]:
    """What the background loops would do at this moment: plan, then deliver."""
    planned = await app[SCHEDULER].tick()
    return planned, await deliver(app)


async def advance(app: web.Application, days: int) -> tuple[int, int]:
    if days not in STEPS:
        raise ValueError(f"the demo clock moves by {' or '.join(map(str, STEPS))} days")
    app[CLOCK].advance(timedelta(days=days))
    return await catch_up(app)
