"""Who is speaking: a Teams user matched to a member of staff.

First by their Entra ID (AAD) object id, remembered on Staff; otherwise by the UPN or email that
the Teams connector reports for the member (never the display name in the activity, which anyone
can change), after which the object id is remembered. Nobody is guessed: no match, or an email
shared across organisations, is an unknown person, who is told so and shown nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from dialogs.i18n import N_
from dialogs.views import StaffView
from storage.repositories.people import SqlChatIdentities

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Member:
    """What the Teams connector says about a member of a conversation."""

    email: str = ""
    user_principal_name: str = ""

    @property
    def addresses(self) -> tuple[str, ...]:
        found: list[str] = []
        for value in (self.email, self.user_principal_name):
            address = value.strip().lower()
            if "@" in address and address not in found:
                found.append(address)
        return tuple(found)


MemberLookup = Callable[[], Awaitable[Member | None]]

UNKNOWN_PERSON = N_(  # issue 28: in the Teams client's language, `_()` where shown
    "I can't match your Microsoft account to anyone on the staff list, so I can't show you "
    "anything yet. Ask your Supervision Assistant admin to add you with your work email "
    "address (or to add your Teams object id), then say hello again."
)


async def identify(
    session: AsyncSession, aad_object_id: str, lookup: MemberLookup
) -> StaffView | None:
    """The staff member behind a Teams account, or None; remembers a first match by email."""
    directory = SqlChatIdentities(session)
    if aad_object_id:
        known = await directory.by_teams_object_id(aad_object_id)
        if known is not None:
            return known
    member = await lookup()
    if member is None:
        return None
    for address in member.addresses:
        matches = await directory.by_email(address)
        if len(matches) > 1:
            log.warning("a Teams user's email matches staff in %d organisations", len(matches))
            return None
        if matches:
            staff = matches[0]
            if aad_object_id:
                await directory.link_teams(staff.id, aad_object_id)
            return staff
    return None
