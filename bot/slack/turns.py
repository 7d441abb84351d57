"""One Slack turn: a neutral Inbound to the conversations, and its replies back onto Slack.

Forms open as modals while Slack's trigger (valid for 3 seconds) lasts; otherwise they arrive as
a message with an "Open form" button, the form kept in the database until it is clicked.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import files, references, render
from bot.slack.identity import staff_for
from bot.slack.runtime import SlackRuntime, api_error
from dialogs.engine import Result
from dialogs.messages import (
    AskForm,
    Attachment,
    Command,
    Inbound,
    Payload,
    Reply,
    Say,
    Text,
    Tone,
)
from dialogs.serialise import to_dict
from dialogs.views import StaffView

log = logging.getLogger(__name__)
_HELP = frozenset({"", "help", "?"})


def conversation_key(team_id: str, user_id: str) -> str:
    return f"slack:{team_id}:{user_id}"


def parse_command(text: str, flows: frozenset[str]) -> Payload:
    """`/supervision book Sam Taylor` -> Command("book", "Sam Taylor"); free text is understood."""
    words = text.strip().split(maxsplit=1)
    first = words[0].lower() if words else ""
    if first in _HELP:
        return Text("help")
    if first in flows:
        return Command(first, words[1] if len(words) > 1 else "")
    return Text(text.strip())


def form_metadata(form: AskForm) -> str:
    return json.dumps({"form_id": form.form_id})


def form_id_of(metadata: str) -> str:
    try:
        data = json.loads(metadata or "{}")
    except ValueError:
        return ""
    return str(data.get("form_id", "")) if isinstance(data, dict) else ""


class Turns:
    def __init__(self, runtime: SlackRuntime) -> None:
        self.runtime = runtime

    async def who(self, client: AsyncWebClient, team_id: str, user_id: str) -> StaffView | None:
        account = ("slack", team_id, user_id)
        known = self.runtime.people.get(account)
        if known is not None:
            return known  # bot.known: the turn itself loads the person again by id
        staff = await staff_for(self.runtime.engine, client, team_id, user_id)
        if staff is not None:
            self.runtime.people.put(account, staff)
        return staff

    async def run(
        self, staff: StaffView, team_id: str, user_id: str, payload: Payload, message_id: str
    ) -> Result:
        inbound = Inbound(
            platform="slack",
            conversation_key=conversation_key(team_id, user_id),
            message_id=message_id,
            actor_id=staff.id,
            payload=payload,
            received_at=self.runtime.clock(),
        )
        return await self.runtime.conversations.handle(inbound)

    async def dm_channel(
        self, client: AsyncWebClient, staff: StaffView, team_id: str, user_id: str
    ) -> str:
        cached = self.runtime.dms.get((staff.id, team_id))
        if cached is not None:
            return cached
        known = await references.known_dm(self.runtime.engine, staff.id, team_id)
        if known is None:
            opened = await client.conversations_open(users=user_id)
            known = str((opened.get("channel") or {})["id"])
            await references.remember_dm(self.runtime.engine, staff.id, team_id, user_id, known)
        self.runtime.remember_dm(staff.id, team_id, known)
        return known

    async def seen_in_dm(self, staff: StaffView, team_id: str, user_id: str, channel: str) -> None:
        """A message arrived in the person's DM: store the channel unless already known."""
        if self.runtime.remember_dm(staff.id, team_id, channel):
            await references.remember_dm(self.runtime.engine, staff.id, team_id, user_id, channel)

    async def deliver(
        self,
        client: AsyncWebClient,
        staff: StaffView,
        team_id: str,
        user_id: str,
        replies: Sequence[Reply],
        *,
        trigger_id: str | None = None,
        channel: str | None = None,
    ) -> str | None:
        """Replies into the person's DM with the app; the last form as a modal if possible, and
        files (an ICS, a PDF) uploaded after the message they belong to. Returns the channel
        posted into, if anything was."""
        forms = [r for r in replies if isinstance(r, AskForm)]
        rest = list(replies)
        if forms and trigger_id and await self.open_modal(client, trigger_id, forms[-1]):
            rest = [r for r in replies if not isinstance(r, AskForm)]
        elif forms:
            key = conversation_key(team_id, user_id)
            await references.save_pending_form(self.runtime.engine, key, to_dict(forms[-1]))
        attached = files.attachments(rest)
        said = [r for r in rest if not isinstance(r, Attachment)]
        if not said and not attached:
            return None
        target = channel or await self.dm_channel(client, staff, team_id, user_id)
        if said:
            posted = render.message(said)
            await client.chat_postMessage(channel=target, text=posted.text, blocks=posted.blocks)
        await self.send_files(client, target, attached)
        return target

    async def send_files(
        self, client: AsyncWebClient, channel: str, attached: Sequence[Attachment]
    ) -> None:
        """Upload the files; if Slack will not take them (no `files:write` scope, a 429 twice,
        an upload that failed) the person is told, rather than left waiting for one."""
        try:
            await files.upload(client, channel, attached)
        except (SlackApiError, SlackRequestError, aiohttp.ClientError, TimeoutError) as exc:
            reason = api_error(exc) if isinstance(exc, SlackApiError) else type(exc).__name__
            log.warning("Slack file upload failed: %s", reason)
            names = ", ".join(f.filename for f in attached)
            note = render.message(
                [
                    Say(
                        f"I couldn't attach {names} here. Please ask again in a moment.",
                        Tone.WARNING,
                    )
                ]
            )
            await client.chat_postMessage(channel=channel, text=note.text, blocks=note.blocks)

    async def open_modal(self, client: AsyncWebClient, trigger_id: str, form: AskForm) -> bool:
        try:
            await client.views_open(
                trigger_id=trigger_id, view=render.modal(form, form_metadata(form))
            )
        except SlackApiError as exc:
            # expired_trigger_id: the turn took longer than Slack's 3 s; offer a button instead.
            log.warning("views.open failed: %s", api_error(exc))
            return False
        return True
