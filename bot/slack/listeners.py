"""Slack listeners: the slash command, DMs, buttons, modals, the shortcut and the App Home.

Bolt acks before a listener's work when `process_before_response` is off (the default here), so
each listener acks first and then runs the turn. Two exceptions. Modal submissions: Slack reads
`response_action` from the ack itself, so the turn runs first and must stay fast. Direct
messages: Slack redelivers an event only while it has no ack, so the turn commits first (in a
listener middleware) and the ack follows; the replies are posted after it. A process killed
mid-turn therefore leaves an event Slack sends again, and the engine, which claims the event id
in the turn's own transaction, answers it then (and only once: a redelivery of a turn that did
commit is rolled back as a duplicate).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import home, references, render
from bot.slack.identity import UNKNOWN_PERSON
from bot.slack.runtime import COMMAND, DECISION_SHORTCUT, SlackRuntime
from bot.slack.turns import Turns, conversation_key, form_id_of, form_metadata, parse_command
from dialogs.i18n import _
from dialogs.messages import AskForm, Choice, Command, FormSubmit, Text
from dialogs.serialise import from_dict

log = logging.getLogger(__name__)
Body = dict[str, Any]

_CHOICE = re.compile(rf"^{render.CHOICE_ACTION}:\d+$")
# Message events that are edits, joins, bot posts and the like: not someone talking to us.
_IGNORED_SUBTYPES = frozenset({"bot_message", "message_changed", "message_deleted", "channel_join"})
_DM_TURN = "dm_turn"  # context key: (staff or None, the turn's result) for on_message


def register(bolt: AsyncApp, runtime: SlackRuntime) -> None:
    turns = Turns(runtime)

    async def provide(context: AsyncBoltContext, next: Callable[[], Awaitable[None]]) -> None:
        context["turns"] = turns
        context["runtime"] = runtime
        await next()

    bolt.use(provide)
    bolt.command(COMMAND)(_tracked(on_command))
    bolt.event("message", middleware=[turn_before_ack])(_tracked(on_message))
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


def _from_a_person_in_dm(event: Body) -> bool:
    if event.get("channel_type") != "im" or event.get("bot_id"):
        return False
    return event.get("subtype") not in _IGNORED_SUBTYPES and "user" in event


def _header(request: AsyncBoltRequest, name: str) -> str | None:
    values = request.headers.get(name) or ()
    return str(values[0]) if values else None


async def turn_before_ack(
    body: Body,
    event: Body,
    context: AsyncBoltContext,
    request: AsyncBoltRequest,
    next: Callable[[], Awaitable[None]],
) -> None:
    """Run a DM's turn before the ack (the module docstring says why); on_message replies."""
    if _from_a_person_in_dm(event):
        event_id = str(body["event_id"])
        retry = _header(request, "x-slack-retry-num")
        if retry is not None:
            # Redelivered: a slow ack, or an instance that died before it committed the turn.
            reason = _header(request, "x-slack-retry-reason")
            log.info("Slack event %s redelivered (retry %s, %s)", event_id, retry, reason)
        turns: Turns = context["turns"]
        team_id = str(body.get("team_id") or context.team_id)
        user_id, channel = event["user"], event["channel"]
        assert context.client is not None
        staff = await turns.who(context.client, team_id, user_id)
        result = None
        if staff is not None:
            await turns.seen_in_dm(staff, team_id, user_id, channel)
            text = Text(event.get("text") or "")
            result = await turns.run(staff, team_id, user_id, text, event_id)
        context[_DM_TURN] = (staff, result)
    await next()


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
    done = context.get(_DM_TURN)
    if done is None:
        return  # not a person writing in their DM with the app
    staff, result = done
    turns: Turns = context["turns"]
    team_id = str(body.get("team_id") or context.team_id)
    user_id, channel = event["user"], event["channel"]
    if staff is None:
        await client.chat_postMessage(channel=channel, text=UNKNOWN_PERSON)
        return
    if result is not None and not result.duplicate:
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
        text = _("That form has expired; start again from the menu.")
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
    """'Record as decision' on any message: the decision form, filled from its text."""
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
