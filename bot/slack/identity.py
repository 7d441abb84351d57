"""Who is speaking: a Slack user matched to a staff member by verified work email.

The first message costs one `users.info` call; the match is then remembered on the staff row
(`slack_team_id`, `slack_user_id`). Nobody is matched on a display name, and someone whose email
matches nobody (or several organisations) is told so and shown nothing.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.slack.runtime import api_error
from dialogs.views import StaffView
from storage.db import session_scope
from storage.repositories.people import SqlChatIdentities

log = logging.getLogger(__name__)

UNKNOWN_PERSON = (
    "I can't match your Slack account to a staff record, so I can't show you anything yet. "
    "I match people by the work email on their Slack profile: ask your Supervision Assistant "
    "admin to check that your email in the staff list is the same as in Slack."
)


async def verified_email(client: AsyncWebClient, user_id: str) -> str | None:
    """The user's email if Slack vouches for it: not a bot, not deactivated, email confirmed."""
    try:
        response = await client.users_info(user=user_id)
    except SlackApiError as exc:
        log.warning("users.info failed for a Slack user: %s", api_error(exc))
        return None
    user = response.get("user") or {}
    if user.get("deleted") or user.get("is_bot") or user.get("is_email_confirmed") is False:
        return None
    email = (user.get("profile") or {}).get("email")
    return email.strip().lower() if isinstance(email, str) and email.strip() else None


async def staff_for(
    engine: AsyncEngine, client: AsyncWebClient, team_id: str, user_id: str
) -> StaffView | None:
    """The staff member behind this Slack user, or None for a stranger."""
    async with session_scope(engine) as session:
        known = await SqlChatIdentities(session).by_slack_id(team_id, user_id)
    if known is not None:
        return known
    email = await verified_email(client, user_id)
    if email is None:
        return None
    async with session_scope(engine) as session:
        identities = SqlChatIdentities(session)
        matches = await identities.by_email(email)
        if len(matches) != 1:
            # Several organisations with one email cannot be told apart: refuse, never guess.
            log.info("Slack user matched %s staff records; not linked", len(matches))
            return None
        await identities.link_slack(matches[0].id, team_id, user_id)
    return matches[0]


async def slack_user_by_email(client: AsyncWebClient, email: str) -> str | None:
    """A staff member's Slack user id from their work email (to reach people before they speak)."""
    try:
        response = await client.users_lookupByEmail(email=email)
    except SlackApiError as exc:
        if api_error(exc) != "users_not_found":
            log.warning("users.lookupByEmail failed: %s", api_error(exc))
        return None
    user = response.get("user") or {}
    user_id = user.get("id")
    return user_id if isinstance(user_id, str) and not user.get("deleted") else None
