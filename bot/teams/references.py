"""Teams conversation references: stored on install and on every activity, read to send first.

A personal chat is stored under its conversation id with the staff member; a team channel under
the channel id (not the id of the thread a message came in) with the team configured for it, so
a digest starts a new thread in the channel rather than replying inside an old one.
"""

from __future__ import annotations

import json
import time
from typing import Any

from microsoft_agents.activity import Activity
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.teams.inbound import Scope, Where
from storage.outbox import release_held
from storage.repositories.references import SqlReferences

PLATFORM = "teams"


def reference_of(activity: Activity, where: Where) -> dict[str, Any]:
    """The activity's conversation reference as JSON, addressed for a later proactive send."""
    data: dict[str, Any] = activity.get_conversation_reference().model_dump(
        mode="json", by_alias=True, exclude_none=True
    )
    data.pop("activityId", None)
    data.pop("requestId", None)
    conversation = dict(data.get("conversation") or {})
    conversation.setdefault("tenantId", where.tenant_id)
    if where.scope is Scope.CHANNEL:
        conversation.update({"id": where.address, "conversationType": "channel", "isGroup": True})
        data.pop("user", None)  # a channel post is to everyone, not to whoever spoke last
    data["conversation"] = conversation
    return data


class RecentlyStored:
    """What this process last stored for each conversation, so a reference that has not changed
    is not rewritten on every message. Anything changed (a new service URL, a person now known)
    is written at once, and an unchanged one at least every `refresh_after` seconds, in case
    another instance stored something else meanwhile."""

    def __init__(self, refresh_after: float = 3600.0, size: int = 100_000) -> None:
        self.refresh_after, self.size = refresh_after, size
        self._stored: dict[str, tuple[str, float]] = {}

    def unchanged(self, address: str, fingerprint: str) -> bool:
        found = self._stored.get(address)
        return (
            found is not None
            and found[0] == fingerprint
            and time.monotonic() - found[1] < self.refresh_after
        )

    def stored(self, address: str, fingerprint: str) -> None:
        if len(self._stored) >= self.size:
            self._stored.clear()
        self._stored[address] = (fingerprint, time.monotonic())


async def remember(
    session: AsyncSession,
    activity: Activity,
    where: Where,
    *,
    staff_id: int | None = None,
    recent: RecentlyStored | None = None,
) -> int | None:
    """Store or refresh the reference; returns the id of the team configured for a channel."""
    references = SqlReferences(session)
    team_id = None
    if where.scope is Scope.CHANNEL:
        team = await references.team_for_channel([where.channel_id, where.team_id])
        team_id = team.id if team is not None else None
    reference = reference_of(activity, where)
    staff_id = staff_id if where.scope is Scope.PERSONAL else None
    fingerprint = json.dumps(
        [reference, activity.service_url, where.tenant_id, staff_id, team_id], sort_keys=True
    )
    if recent is not None and recent.unchanged(where.address, fingerprint):
        return team_id
    await references.remember(
        platform=PLATFORM,
        conversation_id=where.address,
        reference=reference,
        service_url=activity.service_url,
        tenant_id=where.tenant_id or None,
        staff_id=staff_id,
        team_id=team_id,
    )
    if staff_id is not None:
        # Issue 23 item 5: the app is installed for them now; what was held goes out.
        await release_held(session, staff_id)
    if recent is not None:
        recent.stored(where.address, fingerprint)
    return team_id


async def reference_for(session: AsyncSession, target: str) -> dict[str, Any] | None:
    """The stored reference for an outbox target (a chat or channel id), or None."""
    references = SqlReferences(session)
    row = await references.get(PLATFORM, target)
    if row is not None:
        return dict(row.reference)
    # A team's configured channel the bot has not spoken in yet: any other channel of the same
    # team gives the service URL and bot account; only the conversation differs.
    team = await references.team_for_channel([target])
    if team is None or team.id is None:
        return None
    for other in await references.for_team(PLATFORM, team.id):
        reference = dict(other.reference)
        conversation = dict(reference.get("conversation") or {})
        conversation.update({"id": target, "conversationType": "channel", "isGroup": True})
        reference["conversation"] = conversation
        return reference
    return None
