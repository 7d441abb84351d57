"""The outbox's Teams sender: reminders, notices and digests sent with stored references.

The adapter's `continue_conversation` opens a proactive turn on the stored address and posts to
the Teams connector. Throttling (429) and server errors come back as retryable DeliveryErrors
with Teams' Retry-After; a refusal (403: the app was removed or the person left) is permanent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
from aiohttp import web
from microsoft_agents.activity import Activity, ConversationReference
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import ClaimsIdentity, OutboundHostValidator, TurnContext
from pydantic import ValidationError

from bot.dispatcher import DeliveryError, Progress
from bot.keys import CLOCK, ENGINE
from bot.settings import Settings
from bot.teams import files
from bot.teams.references import reference_for
from dialogs.serialise import from_dict
from storage.db import session_factory

log = logging.getLogger(__name__)

SEND_TIMEOUT = 30.0  # seconds for the token, the connector call and its retries inside the SDK


class TeamsSender:
    def __init__(
        self,
        adapter: CloudAdapter,
        app: web.Application,
        settings: Settings,
        validator: OutboundHostValidator,
        timeout: float = SEND_TIMEOUT,
    ) -> None:
        self._adapter = adapter
        self._app = app
        self._settings = settings
        self._validator = validator
        self._timeout = timeout

    async def send(
        self, target: str, kind: str, payload: Mapping[str, Any], progress: Progress | None = None
    ) -> None:
        progress = progress or Progress()
        async with session_factory(self._app[ENGINE])() as session:
            stored = await reference_for(session, target)
        if stored is None:
            raise DeliveryError(
                "no Teams conversation reference for this target: the app must be installed "
                "there (and spoken to once) before it can send",
                permanent=True,
            )
        try:
            reference = ConversationReference.model_validate(stored)
            replies = [from_dict(r) for r in payload.get("replies", [])]
        except (ValidationError, ValueError, KeyError, TypeError) as exc:
            message = f"unusable {kind} payload: {type(exc).__name__}"
            raise DeliveryError(message, permanent=True) from exc
        if not reference.service_url:
            raise DeliveryError("the stored reference has no service URL", permanent=True)
        if self._validator.enabled and not self._validator.is_allowed(reference.service_url):
            raise DeliveryError("the stored service URL is not a Teams host", permanent=True)
        kind_of_chat = reference.conversation.conversation_type
        # A digest's charts are the only files a channel gets; a personal chat gets any file,
        # by consent card (the file waits in the database for the person's answer).
        rendered = await files.activities(
            self._app[ENGINE],
            replies,
            now=self._app[CLOCK](),
            conversation_id=reference.conversation.id,
            user_id=reference.user.id if reference.user else "",
            personal=kind_of_chat in (None, "personal"),
            channel=kind_of_chat == "channel",
            images=kind == "digest",
        )
        activities = [Activity.model_validate(a) for a in rendered]
        if not activities:
            return
        failures: list[BaseException] = []

        async def deliver(context: TurnContext) -> None:
            # The continuation activity has a made-up id; sent as a reply to it, a channel post
            # would target a thread that does not exist. Without it, the connector is asked to
            # post to the conversation itself (a new thread in a channel).
            context.activity.id = None
            # Errors inside the turn would go to the adapter's error handler: keep them here.
            # One activity at a time, each recorded as it lands: a retry after the second
            # failed (a digest's chart) does not post the first (its card) again.
            try:
                for part, activity in enumerate(activities):
                    if progress.pending(part):
                        await context.send_activity(activity)
                        await progress.sent(part)
            except Exception as exc:
                failures.append(exc)

        try:
            async with asyncio.timeout(self._timeout):
                await self._continue(reference.get_continuation_activity(), deliver)
        except Exception as exc:
            raise delivery_error(exc) from exc
        if failures:
            raise delivery_error(failures[0]) from failures[0]

    async def _continue(
        self, activity: Activity, callback: Callable[[TurnContext], Awaitable[None]]
    ) -> None:
        app_id = self._settings.teams_app_id
        if app_id:
            await self._adapter.continue_conversation(app_id, activity, callback)
        else:  # local development without a bot registration: no outbound token
            await self._adapter.continue_conversation_with_claims(
                ClaimsIdentity(), activity, callback
            )


def delivery_error(exc: BaseException) -> DeliveryError:
    """Map what went wrong to the dispatcher's retry rules (never echoing tokens or bodies).

    `maybe_sent` where the connector may have taken the activity all the same (no answer, a
    5xx): Teams gives a bot no way to look, so the retry sends it again; the row says so."""
    if isinstance(exc, aiohttp.ClientResponseError):
        status = exc.status
        if status == 429 or status >= 500 or status == 401:
            # 401: an expired outbound token; the next attempt fetches a fresh one.
            return DeliveryError(
                f"Teams answered {status}",
                retry_after=retry_after(exc.headers),
                maybe_sent=status >= 500,
            )
        return DeliveryError(f"Teams refused the message ({status})", permanent=True)
    if isinstance(exc, (aiohttp.ClientError, TimeoutError)):
        error = f"Teams could not be reached ({type(exc).__name__})"
        return DeliveryError(error, maybe_sent=True)
    return DeliveryError(f"sending to Teams failed ({type(exc).__name__})", maybe_sent=True)


def retry_after(headers: Mapping[str, str] | None, now: datetime | None = None) -> float | None:
    """Retry-After in seconds, given as seconds or as an HTTP date."""
    value = (headers or {}).get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)
