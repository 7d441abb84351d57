"""The one runtime every surface talks to: Slack, Teams and the playground all call `handle`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.engine import Engine, Result
from dialogs.messages import Inbound
from dialogs.registry import flows, understanding
from policy.packs import Pack
from storage.unit_of_work import unit_of_work_factory

# Seconds a turn trusts the organisations' packs and names read by an earlier turn (issue 24):
# a council's change of pack is followed within this, a new organisation at once.
ORGANISATIONS_FOR = 30.0


class Conversations:
    def __init__(
        self,
        engine: AsyncEngine,
        packs: dict[str, Pack],
        clock: Callable[[], datetime],
        zone: ZoneInfo,
        scheme_dirs: tuple[Path, ...] = (),
    ) -> None:
        self.database = engine
        self.clock = clock
        self.dialogs = Engine(
            flows=flows(),
            understanding=understanding(),
            unit_of_work=unit_of_work_factory(
                engine, packs, scheme_dirs, clock, organisations_for=ORGANISATIONS_FOR
            ),
            clock=clock,
            zone=zone,
        )

    async def handle(self, inbound: Inbound) -> Result:
        """Run the turn; what others must be told is queued in the turn's own transaction
        (dialogs.ports.Outbox), never sent inline."""
        return await self.dialogs.handle(inbound)
