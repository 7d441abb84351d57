"""Teams online meetings for virtual sessions, through Microsoft Graph (issue 23 item 6).

The dialogs' OnlineMeetings port: the supervisor organises the meeting (their Entra ID object id
from the staff import); Graph is sent the times and the subject (the staff's names) only. A
failure becomes MeetingUnavailable with a reason a manager can act on, and the booking goes on
with the team's standing link (dialogs.flows.invites.arrange_meeting). Each call is bounded, so
a slow Graph never holds a chat turn past the platform's patience.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from datetime import datetime
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.teams.graph import Graph, GraphError, bounded, organiser_account
from dialogs.ports import MeetingUnavailable, OnlineMeeting

log = logging.getLogger(__name__)

CALL_TIMEOUT = 8.0  # seconds for one meeting call, token included
T = TypeVar("T")


class TeamsMeetings:
    def __init__(self, graph: Graph, database: AsyncEngine, timeout: float = CALL_TIMEOUT) -> None:
        self._graph, self._database, self._timeout = graph, database, timeout

    async def _organiser(self, staff_id: int) -> str:
        found = await organiser_account(self._database, staff_id)
        if found is None:
            raise MeetingUnavailable(
                "the supervisor has no Teams account on record: the staff import's "
                "teams_aad_object_id column"
            )
        return found

    async def create(
        self, organiser_id: int, start: datetime, end: datetime, subject: str
    ) -> OnlineMeeting:
        organiser = await self._organiser(organiser_id)
        made = await self._bounded(self._graph.create_meeting(organiser, start, end, subject))
        return OnlineMeeting(made.id, made.join_url)

    async def move(
        self, organiser_id: int, meeting_id: str, start: datetime, end: datetime, subject: str
    ) -> None:
        organiser = await self._organiser(organiser_id)
        await self._bounded(self._graph.move_meeting(organiser, meeting_id, start, end, subject))

    async def cancel(self, organiser_id: int, meeting_id: str) -> None:
        organiser = await self._organiser(organiser_id)
        await self._bounded(self._graph.cancel_meeting(organiser, meeting_id))

    async def _bounded(self, call: Awaitable[T]) -> T:
        return await bounded(call, self._timeout, MeetingUnavailable, _reason)


def _reason(exc: GraphError) -> str:
    if exc.status == 403:
        return (
            "Teams did not allow it (403): the council's IT team allows meetings per organiser "
            "with an application access policy (docs/deployment.md)"
        )
    if exc.status == 404:
        return "Teams does not know the meeting or the supervisor's account (404)"
    if exc.status in (401, 400):
        return f"Teams refused the bot's request ({exc.status}): tell the council's IT team"
    if exc.transient:
        return "Teams is not available just now"
    return f"Teams answered {exc.status}"
