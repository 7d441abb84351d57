"""The outbox's Slack sender: reminders, digests and notices posted with chat.postMessage, and
their files (a booking's ICS, a digest's charts) uploaded after the message with files_upload_v2.

Failures become DeliveryError for the dispatcher: 429 (with Retry-After), 5xx and timeouts are
retried; a channel the bot cannot post in is permanent, and whoever looks after that channel
(the team's manager, else the admin who installed the app) is told, so it never fails silently.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from bot.dispatcher import DeliveryError, Progress
from bot.slack import files, posted, references, render
from bot.slack.runtime import NotInstalled, SlackRuntime, api_error
from dialogs.messages import Attachment, Say, Tone
from dialogs.serialise import from_dict, to_dict
from storage.db import session_scope
from storage.outbox import destinations, enqueue

log = logging.getLogger(__name__)

TRANSIENT = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
UNREACHABLE_CHANNEL = frozenset({"not_in_channel", "channel_not_found", "is_archived"})


def _unsure(error: DeliveryError, unsure: bool) -> DeliveryError:
    """A failure before the lookup was done leaves the earlier attempt still unconfirmed."""
    error.maybe_sent = error.maybe_sent or unsure
    return error


def _retry_after(headers: Mapping[str, Any] | None) -> float | None:
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            try:
                return float(value[0] if isinstance(value, list) else value)
            except (TypeError, ValueError):
                return None
    return None


class SlackSender:
    def __init__(self, runtime: SlackRuntime) -> None:
        self.runtime = runtime

    async def send(
        self, target: str, kind: str, payload: Mapping[str, Any], progress: Progress | None = None
    ) -> None:
        progress = progress or Progress()
        team_id, channel = references.split_target(target)
        shared = channel.startswith(("C", "G"))  # a channel, not someone's DM
        try:
            replies = [from_dict(dict(r)) for r in payload.get("replies", [])]
            said = [r for r in replies if not isinstance(r, Attachment)]
            attached = files.attachments(replies, channel=shared, charts=kind == "digest")
            message = render.message(said, channel=shared)
        except (ValueError, KeyError, TypeError) as exc:  # never better on a retry
            error = f"unusable {kind} payload: {type(exc).__name__}"
            raise DeliveryError(error, permanent=True) from exc
        # Part 0 the message, part 1 its files: after the message, so a digest reads card
        # first, charts below. A retry after a failed upload sends the files alone.
        has_message = bool(message.blocks or not attached)
        unsure = progress.unconfirmed_since is not None
        try:
            client = await self.runtime.client_for(team_id)
            if unsure:
                await self._recover(client, channel, progress, has_message, attached)
                unsure = False
            if has_message and progress.pending(0):
                await client.chat_postMessage(
                    channel=channel,
                    text=message.text,
                    blocks=message.blocks,
                    metadata=posted.tag(progress.key) if progress.key else None,
                )
                await progress.sent(0)
            if attached and progress.pending(1):
                await files.upload(client, channel, attached)
                await progress.sent(1)
        except NotInstalled as exc:
            raise DeliveryError(str(exc), permanent=True) from exc
        except SlackApiError as exc:
            failure = await self._failure(exc, team_id, channel, kind)
            raise _unsure(failure, unsure) from exc
        except SlackRequestError as exc:  # the bytes' POST to the upload URL was refused
            raise _unsure(DeliveryError("Slack file upload failed"), unsure) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            # No answer is not a refusal: Slack may have posted it, so the next attempt looks.
            error = f"Slack unreachable: {type(exc).__name__}"
            raise DeliveryError(error, maybe_sent=True) from exc

    async def _recover(
        self,
        client: AsyncWebClient,
        channel: str,
        progress: Progress,
        has_message: bool,
        attached: list[Attachment],
    ) -> None:
        """An earlier attempt was cut off: mark as sent what Slack already shows."""
        message_pending = has_message and progress.pending(0)
        files_pending = bool(attached) and progress.pending(1)
        if not progress.key or not (message_pending or files_pending):
            return
        assert progress.unconfirmed_since is not None
        names = [f.filename for f in attached] if files_pending else []
        found = await posted.look(client, channel, progress.key, progress.unconfirmed_since, names)
        if found is None:
            log.warning("Slack %s: an unconfirmed message is sent again unchecked", channel)
            return
        if message_pending and found.message:
            log.info("Slack %s: the message was posted before the cut-off; not again", channel)
            await progress.sent(0)
            message_pending = False
        # The files follow the message: with the message still missing, they cannot be there.
        if files_pending and not message_pending and found.files:
            log.info("Slack %s: the files were shared before the cut-off; not again", channel)
            await progress.sent(1)

    async def _failure(
        self, exc: SlackApiError, team_id: str | None, channel: str, kind: str
    ) -> DeliveryError:
        status = exc.response.status_code
        error = api_error(exc)
        if status == 429 or error == "ratelimited":
            return DeliveryError(error, retry_after=_retry_after(exc.response.headers) or 60)
        if status >= 500 or error in TRANSIENT:
            return DeliveryError(error, maybe_sent=True)  # it may have posted all the same
        if error in UNREACHABLE_CHANNEL:
            await self._tell_admin(team_id, channel, kind, error)
        return DeliveryError(error, permanent=True)

    async def _tell_admin(self, team_id: str | None, channel: str, kind: str, error: str) -> None:
        why = (
            "the app is not a member of it. Open the channel and type `/invite @Supervision "
            "Assistant`, or choose another channel"
            if error == "not_in_channel"
            else "it no longer exists, is archived or is private to the app. Choose another channel"
        )
        text = f"I couldn't post the {kind} to channel {channel}: {why}."
        log.error("Slack %s to %s failed: %s", kind, channel, error)
        manager = await references.team_manager_of_channel(self.runtime.engine, channel)
        if manager is not None:
            notice = {"replies": [to_dict(Say(text, Tone.WARNING))]}
            day = self.runtime.clock().date().isoformat()
            async with session_scope(self.runtime.engine) as session:
                for platform, target in await destinations(session, manager):
                    await enqueue(
                        session,
                        key=f"slack-channel:{channel}:{error}:{day}:{platform}",
                        platform=platform,
                        target=target,
                        kind="notice",
                        payload=notice,
                        due_at=self.runtime.clock(),
                    )
            return
        installer = None
        if self.runtime.installations is not None and team_id:
            installer = await self.runtime.installations.installer(team_id)
        if installer is None:
            return  # nobody to tell on Slack: the error log above is the message
        try:
            client = await self.runtime.client_for(team_id)
            await client.chat_postMessage(channel=installer, text=text)
        except (SlackApiError, NotInstalled, aiohttp.ClientError):
            log.exception("could not tell the Slack admin about channel %s", channel)
