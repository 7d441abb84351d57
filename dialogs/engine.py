"""The conversation engine: one inbound message in, replies and notifications out.

State is loaded and saved through the ports under an explicit conversation key, with a version
and an expiry, after every answer, so a restart or another instance continues at the same step.

Exactly once: the turns of one conversation run one at a time (a lock per key in this process,
and the state store's lock across instances), and every turn's state transition is conditional
on the version it loaded and commits with whatever the turn wrote. A conversation that ends with
a write leaves a short-lived FINISHED marker saying what was saved, so a second click on the card
that confirmed it is answered "Already recorded: ..." and writes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dialogs import guidance
from dialogs.flow import FINISHED, Flow, FlowState, Outcome, Turn
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
from dialogs.ports import ConcurrentUpdate, Ports, StoredState
from dialogs.understanding import Understanding, normalise

log = logging.getLogger(__name__)

STATE_LIFETIME = timedelta(days=7)  # a half-written record waits a week for its author
# How long a finished conversation answers a repeated confirmation with what was saved: far longer
# than a double click or a platform's retries, short enough that a stale card is soon forgotten.
FINISHED_LIFETIME = timedelta(hours=1)
# A turn that finds its conversation moved on (another instance got there first) is replayed on
# the new state; with the locks below this is rare, so a few replays are plenty.
ATTEMPTS = 5
_CONFIRM_WORDS = {"yes", "y", "confirm", "ok", "okay", "sign", "agree", "save"}
_HELP_WORDS = {"help", "?", "menu", "what can you do", "commands"}
_CANCEL_WORDS = {"cancel", "stop", "quit", "exit", "never mind", "nevermind"}


@dataclass(frozen=True, slots=True)
class Result:
    replies: tuple[Reply, ...] = ()
    notifications: tuple[Notify, ...] = ()
    duplicate: bool = False
    flow: str | None = None  # the flow waiting for the next answer, if any


class TurnLocks:
    """One asyncio lock per conversation key, kept only while a turn holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    def __len__(self) -> int:
        return len(self._locks)

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


@dataclass
class Engine:
    flows: Mapping[str, Flow]
    understanding: Understanding
    unit_of_work: Callable[[], AbstractAsyncContextManager[Ports]]
    clock: Callable[[], datetime]
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/London"))
    locks: TurnLocks = field(default_factory=TurnLocks, repr=False)

    async def handle(self, inbound: Inbound) -> Result:
        """Handle one message; a failure never reaches the person as a traceback."""
        inbound = clean_inbound(inbound)  # NUL, half an emoji: stored and echoed safely
        # A person's quick messages (typing fast, a click while a message is in flight) wait for
        # each other here rather than racing for the same state.
        async with self.locks.hold(inbound.conversation_key):
            for _attempt in range(ATTEMPTS):
                try:
                    return await self._handle_once(inbound)
                except ConcurrentUpdate:
                    # Another instance moved this conversation on and this turn was rolled back
                    # whole: replay it on the new state.
                    log.info("replaying a turn of %s on its new state", inbound.conversation_key)
                except Exception:
                    log.exception(
                        "turn failed (flow state unchanged) for %s", inbound.conversation_key
                    )
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
        log.warning("gave up on a turn of %s after %d replays", inbound.conversation_key, ATTEMPTS)
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
            await ports.state.lock(inbound.conversation_key)
            stored = await ports.state.load(inbound.conversation_key)
            live = stored if stored is not None and stored.expires_at > now else None
            finished = live if live is not None and live.step == FINISHED else None
            state = None
            if live is not None and finished is None:
                state = FlowState(live.flow, live.step, dict(live.data))
            if finished is not None and _repeats_a_confirmation(inbound.payload):
                outcome = Outcome(replies=[self._already(finished)])
            else:
                outcome = await self._route(turn, state, inbound.payload)
            await self._transition(ports, inbound.conversation_key, stored, state, outcome, now)
            if outcome.notifications:
                # In the turn's transaction: told exactly when the turn commits.
                await ports.outbox.notify(outcome.notifications, now)
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

    async def _transition(
        self,
        ports: Ports,
        key: str,
        stored: StoredState | None,
        state: FlowState | None,
        outcome: Outcome,
        now: datetime,
    ) -> None:
        """Move the conversation on, conditional on the version this turn loaded: of two turns
        that loaded the same version, one commits and the other is rolled back whole (its writes
        with it) and replayed. A turn that changes nothing writes no state."""
        version = stored.version if stored is not None else None
        if outcome.state is not None:
            await ports.state.save(
                key,
                outcome.state.flow,
                outcome.state.step,
                outcome.state.data,
                now + STATE_LIFETIME,
                expected_version=version,
            )
        elif outcome.recorded is not None:
            await ports.state.save(
                key,
                state.flow if state is not None else "done",
                FINISHED,
                {"recorded": outcome.recorded, "at": now.isoformat()},
                now + FINISHED_LIFETIME,
                expected_version=version,
            )
        elif stored is not None and (state is not None or stored.expires_at <= now):
            # A finished marker is left to expire: a question after it writes nothing.
            await ports.state.delete(key, expected_version=stored.version)

    def _already(self, finished: StoredState) -> Say:
        at = datetime.fromisoformat(finished.data["at"]).astimezone(self.zone)
        return Say(f"Already recorded: {finished.data['recorded']} (saved at {at:%H:%M}).")

    async def _route(self, turn: Turn, state: FlowState | None, payload: Payload) -> Outcome:
        words = _plain(payload)
        if words in _HELP_WORDS:
            return Outcome(replies=await guidance.help_replies(turn, self.flows), state=state)
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
                understood = await self._understood(turn, payload.text)
                if understood is not None:
                    return understood
            return await flow.resume(turn, state, payload)
        if isinstance(payload, Text):
            understood = await self._understood(turn, payload.text)
            if understood is not None:
                return understood
        if isinstance(payload, FormSubmit):
            return Outcome(
                replies=[Say("That form has expired; start again from the menu.", Tone.WARNING)]
            )
        return Outcome(replies=await guidance.not_understood(turn))

    async def _understood(self, turn: Turn, text: str) -> Outcome | None:
        """A typed message read as a request: a flow started, a question back when unsure
        ("did you mean"), small talk answered; None when it asks for nothing the bot does."""
        intent = self.understanding.match(text)
        if intent is None:
            return None
        if intent.alternatives:
            return Outcome(replies=[guidance.did_you_mean(intent)])
        return await self._start(turn, intent.flow, intent.argument)

    async def _start(self, turn: Turn, name: str, argument: str) -> Outcome:
        if name in guidance.SMALL_TALK:
            return Outcome(replies=await guidance.small_talk(turn, name, self.flows))
        if name in guidance.PLANNED:
            return Outcome(replies=await guidance.planned(turn, name))
        flow = self.flows.get(name)
        if flow is None:
            replies = [Say(f"I don't know '{name}'.", Tone.WARNING)]
            return Outcome(replies=[*replies, *await guidance.not_understood(turn)])
        return await flow.start(turn, argument.strip())


def _repeats_a_confirmation(payload: Payload) -> bool:
    """A click on a card, a submitted form or a "yes": aimed at the step that just finished. A
    typed question, a command or a button that starts something is a new request."""
    match payload:
        case Choice(value=value):
            return not value.startswith("start:")
        case FormSubmit():
            return True
        case Text():
            return _plain(payload) in _CONFIRM_WORDS
    return False


def _plain(payload: Payload) -> str:
    if isinstance(payload, Text):
        return normalise(payload.text).strip(" .!")
    if isinstance(payload, Command) and not payload.argument:
        return payload.name.lower()
    return ""
