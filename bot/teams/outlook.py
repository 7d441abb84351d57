"""Invitations sent into Outlook through Microsoft Graph (issue 23 item 6: "On Teams, send the
invite so it lands in Outlook (Graph event ...) rather than as a OneDrive file when configured;
the file remains the fallback").

The dialogs' OutlookInvites port: the event is made in the supervisor's calendar (their Entra ID
object id from the staff import) with the supervisees as attendees (their email addresses), and
Exchange sends the invitations, updates and cancellations. Graph gets the times, the place, the
staff's names and emails: never a child, a case or anything from the agenda. Its
`transactionId` is the session's iCalendar UID, so a turn replayed after a conflict makes no
second event. Each call is bounded, so a slow Graph never holds a chat turn up.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from bot.teams.graph import Graph, GraphError, bounded, calendar_event, organiser_account
from dialogs.ports import InviteUnavailable, OutlookInvite
from storage.models import Staff

log = logging.getLogger(__name__)

CALL_TIMEOUT = 8.0  # seconds for one call, token included
T = TypeVar("T")


class GraphOutlookInvites:
    def __init__(self, graph: Graph, database: AsyncEngine, timeout: float = CALL_TIMEOUT) -> None:
        self._graph, self._database, self._timeout = graph, database, timeout

    async def _organiser(self, staff_id: int) -> str:
        found = await organiser_account(self._database, staff_id)
        if found is None:
            raise InviteUnavailable(
                "the supervisor has no Microsoft 365 account on record: the staff import's "
                "teams_aad_object_id column"
            )
        return found

    async def _event(self, invite: OutlookInvite, *, create: bool) -> dict[str, Any]:
        async with self._database.connect() as connection:
            rows = (
                await connection.execute(
                    select(col(Staff.id), col(Staff.name), col(Staff.email)).where(
                        col(Staff.id).in_(invite.attendee_ids)
                    )
                )
            ).all()
        attendees = [(str(name), str(email)) for _sid, name, email in rows if email]
        if not attendees:
            raise InviteUnavailable("nobody to invite has an email address on record")
        return calendar_event(
            start=invite.start,
            end=invite.end,
            subject=invite.subject,
            location=invite.location,
            attendees=attendees,
            body=invite.body,
            transaction_id=invite.uid if create else None,
        )

    async def send(self, invite: OutlookInvite) -> str:
        organiser = await self._organiser(invite.organiser_id)
        event = await self._event(invite, create=True)
        return await self._bounded(self._graph.create_event(organiser, event))

    async def update(self, event_id: str, invite: OutlookInvite) -> None:
        organiser = await self._organiser(invite.organiser_id)
        event = await self._event(invite, create=False)
        await self._bounded(self._graph.update_event(organiser, event_id, event))

    async def cancel(self, organiser_id: int, event_id: str, comment: str) -> None:
        organiser = await self._organiser(organiser_id)
        await self._bounded(self._graph.cancel_event(organiser, event_id, comment))

    async def _bounded(self, call: Awaitable[T]) -> T:
        return await bounded(call, self._timeout, InviteUnavailable, _reason)


def _reason(exc: GraphError) -> str:
    if exc.status == 403:
        return (
            "Microsoft 365 did not allow it (403): the app needs Calendars.ReadWrite, limited "
            "to the supervisors' mailboxes (docs/deployment.md)"
        )
    if exc.status == 404:
        return "Microsoft 365 does not know the event or the supervisor's mailbox (404)"
    if exc.transient:
        return "Outlook is not available just now"
    return f"Microsoft 365 answered {exc.status}"
