"""The conversation engine: one inbound message in, replies and notifications out.

State is loaded and saved through the ports under an explicit conversation key, with a version
and an expiry, after every answer, so a restart or another instance continues at the same step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dialogs.flow import Flow, FlowState, Outcome, Turn
from dialogs.inputs import clean_inbound
from dialogs.messages import (
    Choice,
    Command,
    FormSubmit,
    Inbound,
    Notify,
    Payload,
    Reply,
    Say,
    Text,
    Tone,
)
from dialogs.ports import ConcurrentUpdate, Ports
from dialogs.understanding import Understanding, normalise

log = logging.getLogger(__name__)

STATE_LIFETIME = timedelta(days=7)  # a half-written record waits a week for its author
_HELP_WORDS = {"help", "?", "menu", "what can you do", "commands"}
_CANCEL_WORDS = {"cancel", "stop", "quit", "exit", "never mind", "nevermind"}


@dataclass(frozen=True, slots=True)
class Result:
    replies: tuple[Reply, ...] = ()
    notifications: tuple[Notify, ...] = ()
    duplicate: bool = False
    flow: str | None = None  # the flow waiting for the next answer, if any


@dataclass
class Engine:
    flows: Mapping[str, Flow]
    understanding: Understanding
    unit_of_work: Callable[[], AbstractAsyncContextManager[Ports]]
    clock: Callable[[], datetime]
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/London"))

    async def handle(self, inbound: Inbound) -> Result:
        """Handle one message; a failure never reaches the person as a traceback."""
        inbound = clean_inbound(inbound)  # NUL, half an emoji: stored and echoed safely
        for _attempt in range(2):
            try:
                return await self._handle_once(inbound)
            except ConcurrentUpdate:
                continue  # another instance moved this conversation on: replay on its state
            except Exception:
                log.exception("turn failed (flow state unchanged) for %s", inbound.conversation_key)
                return Result(
                    replies=(
                        Say(
                            "Sorry, something went wrong on our side and that answer was not "
                            "saved. Everything you entered before it is kept: please send it "
                            "again.",
                            Tone.ERROR,
                        ),
                    )
                )
        return Result(
            replies=(Say("That conversation changed elsewhere; send it again.", Tone.WARNING),)
        )

    async def _handle_once(self, inbound: Inbound) -> Result:
        async with self.unit_of_work() as ports:
            actor = await ports.directory.staff(inbound.actor_id)
            if actor is None:
                return Result(
                    replies=(
                        Say("I don't know who you are yet; ask your admin to add you.", Tone.ERROR),
                    )
                )
            now = self.clock()
            turn = Turn(
                ports=ports,
                actor=actor,
                pack=ports.packs.for_organisation(actor.organisation_id),
                now=now,
                platform=inbound.platform,
                zone=self.zone,
            )
            stored = await ports.state.load(inbound.conversation_key)
            if stored is not None and stored.expires_at <= now:
                await ports.state.delete(inbound.conversation_key)
                stored = None
            state = FlowState(stored.flow, stored.step, dict(stored.data)) if stored else None
            outcome = await self._route(turn, state, inbound.payload)
            if outcome.state is None:
                if stored is not None:
                    await ports.state.delete(inbound.conversation_key)
            else:
                await ports.state.save(
                    inbound.conversation_key,
                    outcome.state.flow,
                    outcome.state.step,
                    outcome.state.data,
                    now + STATE_LIFETIME,
                    expected_version=stored.version if stored else None,
                )
            # The message is claimed last, in the same transaction as everything the turn wrote:
            # a platform's retry of a message already handled is rolled back whole. Claiming it
            # last keeps the write transaction short (SQLite has one writer at a time), so the
            # reads above never hold up another person's turn.
            if not await ports.state.claim_message(inbound.platform, inbound.message_id):
                return Result(duplicate=True)  # leaving the unit of work rolls the turn back
            await ports.commit()
        return Result(
            replies=tuple(outcome.replies),
            notifications=tuple(outcome.notifications),
            flow=outcome.state.flow if outcome.state else None,
        )

    async def _route(self, turn: Turn, state: FlowState | None, payload: Payload) -> Outcome:
        words = _plain(payload)
        if words in _HELP_WORDS:
            return Outcome(replies=[self.help_reply(turn)], state=state)
        if words in _CANCEL_WORDS:
            if state is None:
                return Outcome(replies=[Say("Nothing to cancel.")])
            title = self.flows[state.flow].title if state.flow in self.flows else state.flow
            return Outcome(replies=[Say(f"Cancelled: {title}. Nothing more was saved.")])
        match payload:
            case Command(name=name, argument=argument):
                return await self._start(turn, name, argument)
            case Choice(value=value) if state is None or value.startswith("start:"):
                name, _, argument = value.removeprefix("start:").partition(":")
                return await self._start(turn, name, argument)
        if state is not None and state.flow in self.flows:
            flow = self.flows[state.flow]
            if isinstance(payload, Text) and not getattr(flow, "captures_text", True):
                # A view (a score, a list) is not waiting for an answer: a new question wins.
                intent = self.understanding.match(payload.text)
                if intent is not None:
                    return await self._start(turn, intent.flow, intent.argument)
            return await flow.resume(turn, state, payload)
        if isinstance(payload, Text):
            intent = self.understanding.match(payload.text)
            if intent is not None:
                return await self._start(turn, intent.flow, intent.argument)
        if isinstance(payload, FormSubmit):
            return Outcome(
                replies=[Say("That form has expired; start again from the menu.", Tone.WARNING)]
            )
        return Outcome(
            replies=[Say("Sorry, I didn't follow that.", Tone.WARNING), self.help_reply(turn)]
        )

    async def _start(self, turn: Turn, name: str, argument: str) -> Outcome:
        flow = self.flows.get(name)
        if flow is None:
            return Outcome(
                replies=[Say(f"I don't know '{name}'.", Tone.WARNING), self.help_reply(turn)]
            )
        return await flow.start(turn, argument.strip())

    def help_reply(self, turn: Turn) -> Reply:
        lines = [
            f"• *{flow.usage}*: {flow.summary}"
            for flow in self.flows.values()
            if getattr(flow, "listed", True)
        ]
        return Say(
            "Here is what I can do (type a command, or just ask, e.g. \"what's my caseload "
            'score"):\n' + "\n".join(lines) + "\nType *cancel* at any point to stop."
        )


def _plain(payload: Payload) -> str:
    if isinstance(payload, Text):
        return normalise(payload.text).strip(" .!")
    if isinstance(payload, Command) and not payload.argument:
        return payload.name.lower()
    return ""
