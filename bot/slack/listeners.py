"""Slack listeners: the slash command, DMs, buttons, modals, the shortcut and the App Home.

Bolt acks before a listener's work when `process_before_response` is off (the default here), so
each listener acks first and then runs the turn. Modal submissions are the exception: Slack reads
`response_action` from the ack itself, so the turn runs first and must stay fast.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import home, references, render
from bot.slack.identity import UNKNOWN_PERSON
from bot.slack.runtime import COMMAND, DECISION_SHORTCUT, SlackRuntime
from bot.slack.turns import Turns, conversation_key, form_id_of, form_metadata, parse_command
from dialogs.messages import AskForm, Choice, Command, FormSubmit, Text
from dialogs.serialise import from_dict
from storage.db import session_scope
from storage.repositories.state import SqlStateStore

log = logging.getLogger(__name__)
Body = dict[str, Any]

_CHOICE = re.compile(rf"^{render.CHOICE_ACTION}:\d+$")
# Message events that are edits, joins, bot posts and the like: not someone talking to us.
_IGNORED_SUBTYPES = frozenset({"bot_message", "message_changed", "message_deleted", "channel_join"})


def register(bolt: AsyncApp, runtime: SlackRuntime) -> None:
    turns = Turns(runtime)

    async def provide(context: AsyncBoltContext, next: Callable[[], Awaitable[None]]) -> None:
        context["turns"] = turns
        context["runtime"] = runtime
        await next()

    bolt.use(provide)
    bolt.use(skip_retried_events)
    bolt.command(COMMAND)(_tracked(on_command))
    bolt.event("message")(_tracked(on_message))
    bolt.event("app_home_opened")(_tracked(on_home_opened))
    bolt.action(_CHOICE)(_tracked(on_choice))
    bolt.action(render.OPEN_FORM_ACTION)(_tracked(on_open_form))
    bolt.view(render.FORM_CALLBACK)(_tracked(on_form_submitted))
    bolt.shortcut(DECISION_SHORTCUT)(_tracked(on_decision_shortcut))


def _tracked(listener: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """Work after the ack runs in a task of Bolt's; shutdown waits for it (SlackRuntime.settle)."""

    @functools.wraps(listener)
    async def run(**kwargs: Any) -> None:
        runtime: SlackRuntime = kwargs["context"]["runtime"]
        task = asyncio.current_task()
        if task is not None:
            runtime.working.add(task)
        try:
            await listener(**kwargs)
        finally:
            if task is not None:
                runtime.working.discard(task)

    return run


async def skip_retried_events(
    body: Body, context: AsyncBoltContext, next: Callable[[], Awaitable[None]]
) -> BoltResponse | None:
    """Slack redelivers an event (X-Slack-Retry-Num) when an ack was slow: same event_id, once."""
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    if event_id:
        runtime: SlackRuntime = context["runtime"]
        async with session_scope(runtime.engine) as session:
            first = await SqlStateStore(session).claim_message("slack-event", str(event_id))
        if not first:
            log.info(
                "Slack event %s already handled; retry %s ignored", event_id, body.get("retry")
            )
            return BoltResponse(status=200, body="")
    await next()
    return None


async def on_command(
    ack: AsyncAck,
    body: Body,
    client: AsyncWebClient,
    context: AsyncBoltContext,
    respond: AsyncRespond,
) -> None:
    await ack()
    turns: Turns = context["turns"]
    team_id, user_id = body["team_id"], body["user_id"]
    staff = await turns.who(client, team_id, user_id)
    if staff is None:
        await respond(text=UNKNOWN_PERSON, response_type="ephemeral")
        return
    payload = parse_command(body.get("text", ""), turns.runtime.flows)
    trigger_id = body.get("trigger_id")
    result = await turns.run(staff, team_id, user_id, payload, f"command:{trigger_id}")
    if result.duplicate:
        return
    dm = await turns.deliver(client, staff, team_id, user_id, result.replies, trigger_id=trigger_id)
    answered_elsewhere = any(not isinstance(r, AskForm) for r in result.replies)
    if answered_elsewhere and body.get("channel_id") != dm:
        await respond(text="I've answered in our direct messages.", response_type="ephemeral")


async def on_message(
    event: Body, body: Body, client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    if event.get("channel_type") != "im" or event.get("bot_id"):
        return
    if event.get("subtype") in _IGNORED_SUBTYPES or "user" not in event:
        return
    turns: Turns = context["turns"]
    team_id = str(body.get("team_id") or context.team_id)
    user_id, channel = event["user"], event["channel"]
    staff = await turns.who(client, team_id, user_id)
    if staff is None:
        await client.chat_postMessage(channel=channel, text=UNKNOWN_PERSON)
        return
    await turns.seen_in_dm(staff, team_id, user_id, channel)
    text = Text(event.get("text") or "")
    result = await turns.run(staff, team_id, user_id, text, str(body["event_id"]))
    if not result.duplicate:
        await turns.deliver(client, staff, team_id, user_id, result.replies, channel=channel)


async def on_choice(
    ack: AsyncAck, body: Body, action: Body, client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    """A button on a card, a reminder (Book, Snooze, Mark as held) or the App Home."""
    await ack()
    turns: Turns = context["turns"]
    team_id, user_id = _team(body), body["user"]["id"]
    staff = await turns.who(client, team_id, user_id)
    if staff is None:
        await client.chat_postMessage(channel=user_id, text=UNKNOWN_PERSON)
        return
    message_id = f"action:{action.get('action_ts')}:{action['action_id']}"
    result = await turns.run(staff, team_id, user_id, Choice(action["value"]), message_id)
    if not result.duplicate:
        trigger_id = body.get("trigger_id")
        await turns.deliver(client, staff, team_id, user_id, result.replies, trigger_id=trigger_id)


async def on_open_form(
    ack: AsyncAck, body: Body, client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    await ack()
    turns: Turns = context["turns"]
    team_id, user_id = _team(body), body["user"]["id"]
    stored = await references.pending_form(turns.runtime.engine, conversation_key(team_id, user_id))
    form = from_dict(dict(stored)) if stored else None
    if not isinstance(form, AskForm):
        text = "That form has expired; start again from the menu."
        await client.chat_postMessage(channel=user_id, text=text)
        return
    await turns.open_modal(client, body["trigger_id"], form)


async def on_form_submitted(
    ack: AsyncAck, body: Body, view: Body, client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    turns: Turns = context["turns"]
    team_id, user_id = _team(body), body["user"]["id"]
    staff = await turns.who(client, team_id, user_id)
    if staff is None:
        await ack()
        return
    form_id = form_id_of(view.get("private_metadata", ""))
    values = render.submitted_values(view.get("state", {}).get("values", {}))
    message_id = f"view:{view['id']}:{view.get('hash', '')}"
    result = await turns.run(staff, team_id, user_id, FormSubmit(form_id, values), message_id)
    if result.duplicate:
        await ack()
        return
    forms = [r for r in result.replies if isinstance(r, AskForm)]
    others = [r for r in result.replies if not isinstance(r, AskForm)]
    if forms and forms[-1].form_id == form_id and forms[-1].has_errors:
        # Same form back with errors: shown beside the fields; Slack keeps every typed value.
        await ack(response_action="errors", errors=render.field_errors(forms[-1]))
        return
    if forms:
        # The next step of a long record replaces this one in the same modal.
        modal = render.modal(forms[-1], form_metadata(forms[-1]))
        await ack(response_action="update", view=modal)
    else:
        await ack(response_action="clear")
    if others:
        await turns.deliver(client, staff, team_id, user_id, others)


async def on_decision_shortcut(
    ack: AsyncAck, body: Body, client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    """'Record as manager decision' on any message: the decision form, filled from its text."""
    await ack()
    turns: Turns = context["turns"]
    team_id, user_id = _team(body), body["user"]["id"]
    staff = await turns.who(client, team_id, user_id)
    if staff is None:
        await client.chat_postMessage(channel=user_id, text=UNKNOWN_PERSON)
        return
    text = str((body.get("message") or {}).get("text") or "")
    trigger_id = body["trigger_id"]
    result = await turns.run(
        staff, team_id, user_id, Command("decision", text), f"shortcut:{trigger_id}"
    )
    if not result.duplicate:
        await turns.deliver(client, staff, team_id, user_id, result.replies, trigger_id=trigger_id)


async def on_home_opened(
    event: Body, body: Body, client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    if event.get("tab") != "home":
        return
    turns: Turns = context["turns"]
    team_id = str(body.get("team_id") or context.team_id)
    user_id = event["user"]
    staff = await turns.who(client, team_id, user_id)
    view = await home.build(turns.runtime, staff) if staff else home.stranger()
    await client.views_publish(user_id=user_id, view=view)


def _team(body: Body) -> str:
    team = body.get("team") or {}
    return str(team.get("id") or body.get("user", {}).get("team_id") or "")
