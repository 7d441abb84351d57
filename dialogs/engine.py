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
import copy
import logging
import re
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dialogs import guidance, undo
from dialogs.flow import FINISHED, Flow, FlowState, Outcome, Turn
from dialogs.i18n import N_, _, choose, format_clock, parse_language, set_language
from dialogs.inputs import clean_inbound
from dialogs.messages import (
    AskChoice,
    Choice,
    Command,
    FormSubmit,
    Inbound,
    Notify,
    Option,
    Payload,
    Reply,
    Say,
    Text,
    Tone,
)
from dialogs.ports import ConcurrentUpdate, OnlineMeetings, OutlookInvites, Ports, StoredState
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
# Issue 22: a step back in a form, everything answered kept.
_BACK_WORDS = {"back", "go back", "undo", "previous", "previous step", "step back", "oops back"}
# Outside a form: withdraw the decision or informal note just saved (dialogs.undo).
_UNDO_WORDS = {"undo", "undo that", "undo it", "undo last", "undo the last one", "withdraw that"}
_CARRY_ON_WORDS = {"carry on", "continue", "resume", "go on", "keep going", "back to it"}
_CHANGE = re.compile(
    r"(?:can i |i need to |i want to |let me |please )?(?:change|edit|amend|correct|fix) "
    r"(?:the |my )?(?P<what>date|time|day|person|name|reason|details|length|venue|type|it)"
    r"(?: (?:and|or) (?:the )?(?:date|time))?(?: please)?"
)
# Conversations that only show something: asked in the middle of a form, they are answered and
# the form waits where it was (issue 22: interrupting a form). Any other conversation started
# mid-form asks first whether to leave the form.
INTERRUPTIONS = frozenset(
    {
        "caseload",  # a score, and its breakdown ("Show every point")
        "due",  # next supervision
        "agenda",
        "compliance",
        "whocan",
        "whatif",
        "asye",
        "help",
        "hello",
        "thanks",
    }
)
_QUESTION = re.compile(r"^(what|whats|how|when|am|is|are|do|does|show|can|who|which|where)\b")
# A request for another conversation typed mid-form ("book Sam in for Friday", "I need to record
# a decision"), rather than an answer to the form's step: asked whether to leave the form.
_REQUEST = re.compile(r"^(i want to|i need to|i would like to|let us|can i|could i)\b")
# The buttons under an answered question: values no flow uses for anything else.
CARRY_ON = "form:carry_on"
CANCEL_FORM = "form:cancel"
LEAVE_FORM = "form:leave:"  # + "flow:argument": leave the form and start that conversation
# The steps kept for "back": enough for any form here, small enough to store with the state.
HISTORY = 12
_HISTORY_KEY = "_history"


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
    meetings: OnlineMeetings | None = None  # issue 23 item 6: set by bot.teams.http
    invites: OutlookInvites | None = None  # issue 23 item 6: set by bot.teams.http

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
                                _(
                                    "Sorry, something went wrong on our side and that answer was "
                                    "not saved. Everything you entered before it is kept: please "
                                    "send it again."
                                ),
                                Tone.ERROR,
                            ),
                        )
                    )
        log.warning("gave up on a turn of %s after %d replays", inbound.conversation_key, ATTEMPTS)
        return Result(
            replies=(Say(_("That conversation changed elsewhere; send it again."), Tone.WARNING),)
        )

    async def _handle_once(self, inbound: Inbound) -> Result:
        async with self.unit_of_work() as ports:
            actor = await ports.directory.staff(inbound.actor_id)
            if actor is None:
                set_language(parse_language(inbound.locale))
                return Result(
                    replies=(
                        Say(
                            _("I don't know who you are yet; ask your admin to add you."),
                            Tone.ERROR,
                        ),
                    )
                )
            now = self.clock()
            pack = ports.packs.for_organisation(actor.organisation_id)
            # Issue 28: the person's own choice, else their Teams client's language, else the
            # council's default; every string of this turn is written in it.
            set_language(choose(actor.language, inbound.locale, pack.language.default))
            turn = Turn(
                ports=ports,
                actor=actor,
                pack=pack,
                now=now,
                platform=inbound.platform,
                zone=self.zone,
                meetings=self.meetings,
                invites=self.invites,
            )
            await ports.state.lock(inbound.conversation_key)
            stored = await ports.state.load(inbound.conversation_key)
            live = stored if stored is not None and stored.expires_at > now else None
            finished = live if live is not None and live.step == FINISHED else None
            state = None
            history: list[dict[str, Any]] = []
            if live is not None and finished is None:
                data = dict(live.data)
                kept = data.pop(_HISTORY_KEY, [])
                history = kept if isinstance(kept, list) else []
                state = FlowState(live.flow, live.step, data)
            # As loaded: some flows move the state they are given along in place.
            before = FlowState(state.flow, state.step, copy.deepcopy(state.data)) if state else None
            if finished is not None and _repeats_a_confirmation(inbound.payload):
                outcome = Outcome(replies=[self._already(finished)])
            else:
                outcome = await self._route(turn, state, inbound.payload, history)
                undoable = state is not None and state.flow in undo.UNDOABLE
                if undoable and outcome.recorded is not None and (offer := await undo.offer(turn)):
                    outcome.replies = [*outcome.replies, offer]  # issue 22: an Undo button
            outcome = _with_history(before, outcome, history)
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
        return Say(
            _("Already recorded: {what} (saved at {time}).").format(
                what=finished.data["recorded"], time=format_clock(at)
            )
        )

    async def _route(
        self,
        turn: Turn,
        state: FlowState | None,
        payload: Payload,
        history: list[dict[str, Any]] | None = None,
    ) -> Outcome:
        words = "cancel" if payload == Choice(CANCEL_FORM) else _plain(payload)
        chosen = _language_chosen(payload, words)
        if chosen is not None:
            # Issue 28: "Cymraeg" / "English" (typed, or a button): remembered, and answered in
            # the language chosen; a form in progress waits as it was.
            await turn.ports.directory.set_language(turn.actor.id, chosen)
            set_language(chosen)
            return Outcome(replies=[Say(_(LANGUAGE_SET), Tone.SUCCESS)], state=state)
        form = state if state is not None and self._is_form(state) else None
        if words in _HELP_WORDS or words in _HELP_WORDS_CY:
            if form is not None:
                return await self._interrupt(turn, form, "help", "")
            return Outcome(replies=await guidance.help_replies(turn, self.flows), state=state)
        if isinstance(payload, Choice) and payload.value.startswith(LEAVE_FORM):
            name, _sep, argument = payload.value.removeprefix(LEAVE_FORM).partition(":")
            return await self._start(turn, name, argument)  # the form is left, as asked
        if words in _CANCEL_WORDS or words in _CANCEL_WORDS_CY:
            if state is None:
                return Outcome(replies=[Say(_("Nothing to cancel."))])
            title = self._title(state)
            return Outcome(
                replies=[Say(_("Cancelled: {title}. Nothing more was saved.").format(title=title))]
            )
        undone = _undo_button(payload)
        if undone is not None or (form is None and words in _UNDO_WORDS):
            # Whatever was open waits as it was: an old Undo clicked mid-form leaves the form.
            withdrawn = await undo.undo_last(turn, undone or "")
            return Outcome(
                replies=withdrawn.replies, notifications=withdrawn.notifications, state=state
            )
        if words in _BACK_WORDS:
            if form is None:
                return Outcome(replies=[Say(_(_NOTHING_TO_UNDO))], state=state)
            return await self._back(turn, form, history or [])
        if form is not None and (words in _CARRY_ON_WORDS or payload == Choice(CARRY_ON)):
            return await self._again(turn, form, _("Carrying on where you were; nothing was lost."))
        if form is not None and (change := _CHANGE.fullmatch(words)):
            return await self._change(turn, form, change["what"])
        match payload:
            case Command(name=name, argument=argument):
                if form is not None:
                    return await self._mid_form(turn, form, name, argument)
                return await self._start(turn, name, argument)
            case Choice(value=value) if state is None or value.startswith("start:"):
                name, _sep, argument = value.removeprefix("start:").partition(":")
                if form is not None:
                    return await self._mid_form(turn, form, name, argument)
                return await self._start(turn, name, argument)
        if form is not None and isinstance(payload, Text) and self._asks_or_requests(words):
            intent = self.understanding.match(payload.text)
            # A question is answered. Another conversation is offered (leave the form?) only
            # when asked for by its command word or as a request: a question such as "can you
            # add the visit date" typed as a form's answer is left to the form.
            wanted = intent is not None and intent.sure and intent.flow != form.flow
            asked_for = not _asks(words) or _REQUEST.match(words) is not None
            if wanted and intent and (self._answers_at_once(intent.flow) or asked_for):
                return await self._mid_form(turn, form, intent.flow, intent.argument)
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
                replies=[Say(_("That form has expired; start again from the menu."), Tone.WARNING)]
            )
        return Outcome(replies=await guidance.not_understood(turn))

    def _asks_or_requests(self, words: str) -> bool:
        """A question, or a request for a conversation by its command word or as a request ("I
        need to ..."): never a bare answer to a form's step."""
        split = words.split()
        return _asks(words) or (
            len(split) >= 2
            and (self.understanding.is_command_word(split[0]) or _REQUEST.match(words) is not None)
        )

    def _answers_at_once(self, name: str) -> bool:
        """A question, or a one-click action on a card (snooze a reminder, mark a session
        held): done in the turn, no form of its own, so an open form can wait for it."""
        flow = self.flows.get(name)
        return name in INTERRUPTIONS or (
            flow is not None and not getattr(flow, "captures_text", True)
        )

    def _is_form(self, state: FlowState) -> bool:
        """A conversation waiting for answers (a form, a question, a card to confirm), not a
        view left open."""
        flow = self.flows.get(state.flow)
        return flow is not None and getattr(flow, "captures_text", True)

    def _title(self, state: FlowState) -> str:
        flow = self.flows.get(state.flow)
        return _(flow.title) if flow is not None else state.flow

    async def _again(self, turn: Turn, state: FlowState, lead: str) -> Outcome:
        """The step `state` waits at, shown again as it stands (its answers filled in): the
        flow's own answer to a message that is not for it, less its "use the form" nudge."""
        again: Payload = Text("")
        values = state.data.get("values")
        if state.step == "confirm" and isinstance(values, dict):
            # A card to confirm is made again from its form's answers (checked again too).
            again = FormSubmit(state.flow, {str(k): str(v) for k, v in values.items()})
        shown = await self.flows[state.flow].resume(turn, state, again)
        replies = [r for r in shown.replies if not (isinstance(r, Say) and r.tone is Tone.WARNING)]
        replies = replies or list(shown.replies)  # only a nudge ("use the buttons above"): keep it
        return Outcome(
            replies=[Say(lead), *replies],
            notifications=shown.notifications,
            state=shown.state or state,
        )

    async def _back(self, turn: Turn, state: FlowState, history: list[dict[str, Any]]) -> Outcome:
        """Issue 22: "back" or "undo" in a form goes to the step before, with every answer
        given so far kept (the data is carried back; only the step moves). Nothing is saved."""
        title = self._title(state)
        while history:
            previous = history.pop()
            if previous.get("step") == state.step:
                continue  # the same step shown twice (an error, a nudge): go further back
            data = {**dict(previous.get("data", {})), **state.data}
            back = FlowState(state.flow, str(previous.get("step")), data)
            outcome = await self._again(
                turn,
                back,
                _("Back a step in {title}: everything you entered is kept.").format(title=title),
            )
            now_at = outcome.state or back
            # The history is what is left: a second "back" goes one step further.
            outcome.state = FlowState(
                now_at.flow, now_at.step, {**now_at.data, _HISTORY_KEY: history}
            )
            return outcome
        return await self._again(
            turn,
            state,
            _(
                "This is the first step of {title}: there is nothing before it. Type cancel to "
                "stop."
            ).format(title=title),
        )

    async def _change(self, turn: Turn, state: FlowState, what: str) -> Outcome:
        """ "change the date": from a card to confirm, back to the form as filled in; in a form,
        the form again. Everything else entered is kept."""
        thing = _CHANGE_WHAT.get(what, _CHANGE_WHAT["it"])
        lead = _("Change {thing} below; everything else is kept.").format(thing=_(thing))
        if state.step == "confirm":
            edited = await self.flows[state.flow].resume(turn, state, Choice("edit"))
            if edited.state is not None and edited.state.step != "confirm":
                return Outcome(replies=[Say(lead), *edited.replies], state=edited.state)
        return await self._again(turn, state, lead)

    async def _mid_form(self, turn: Turn, form: FlowState, name: str, argument: str) -> Outcome:
        """Issue 22: something asked while a form is open. A question is answered and the form
        waits; another conversation asks first whether to leave the form (nothing is lost if
        they carry on); the form's own conversation started again starts it again, as before."""
        if self._answers_at_once(name):
            return await self._interrupt(turn, form, name, argument)
        if name == form.flow or name not in self.flows:
            return await self._start(turn, name, argument)
        title, other = self._title(form), self.flows[name].title
        carried = argument if len(argument) <= guidance.MAX_CARRIED else ""
        ask = AskChoice(
            f"You are in the middle of {title.lower()}. Leave it and start "
            f"{other[:1].lower()}{other[1:]}? If you carry on, everything you entered is kept.",
            (
                Option(CARRY_ON, f"Carry on: {title}"),
                Option(f"{LEAVE_FORM}{name}:{carried}", f"Leave it: {other}"),
            ),
        )
        return Outcome(replies=[ask], state=form)

    async def _interrupt(self, turn: Turn, state: FlowState, name: str, argument: str) -> Outcome:
        """Issue 22: a question in the middle of a form is answered, and the form waits where
        it was, everything entered kept; a button offers to carry on."""
        answered = await self._start(turn, name, argument)
        title = self._title(state)
        offer = AskChoice(
            _("Your {title} is kept as you left it. Carry on with it?").format(title=title.lower()),
            (
                Option(CARRY_ON, _("Carry on: {title}").format(title=title)),
                Option(CANCEL_FORM, _("Cancel {title}").format(title=title.lower())),
            ),
        )
        return Outcome(replies=[*answered.replies, offer], state=state)

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
            replies = [Say(_("I don't know '{name}'.").format(name=name), Tone.WARNING)]
            return Outcome(replies=[*replies, *await guidance.not_understood(turn)])
        return await flow.start(turn, argument.strip())


_NOTHING_TO_UNDO = N_(
    "There is no form open to go back in. Something already saved is changed from its own "
    "conversation: *rearrange* a supervision, or *sign* a record to ask for changes."
)
LANGUAGE_SET = N_("I'll write to you in English from now on. Type *Cymraeg* for Welsh.")
# The prefix of a button's value that chooses a language: "language:cy" (App Home, a card).
LANGUAGE_CHOICE = "language:"
_CHANGE_WHAT = {
    "it": N_("what you need to"),
    "time": N_("the date and time"),
    "day": N_("the date"),
    "date": N_("the date"),
    "person": N_("the person"),
    "name": N_("the name"),
    "reason": N_("the reason"),
    "details": N_("the details"),
    "length": N_("the length"),
    "venue": N_("the venue"),
    "type": N_("the type"),
}
# Issue 28: the same everyday words in Welsh.
_HELP_WORDS_CY = {"help", "cymorth", "helpu", "beth alli di wneud", "dewislen"}
_CANCEL_WORDS_CY = {"canslo", "stopio", "diddymu", "dim ots"}


def _language_chosen(payload: Payload, words: str) -> str | None:
    """ "Cymraeg", "English", "Saesneg" on their own, or a language button."""
    if isinstance(payload, Choice) and payload.value.startswith(LANGUAGE_CHOICE):
        return parse_language(payload.value.removeprefix(LANGUAGE_CHOICE))
    if isinstance(payload, Text) and words in {"cymraeg", "english", "saesneg", "welsh"}:
        return parse_language(words)
    if isinstance(payload, Command) and payload.name in {"language", "iaith"}:
        return parse_language(payload.argument)
    return None


def _with_history(
    before: FlowState | None, outcome: Outcome, history: list[dict[str, Any]]
) -> Outcome:
    """Keep the step this turn left behind, so "back" can return to it: only while the same
    flow goes on, and only a step that moved (an error shown again is not a step)."""
    after = outcome.state
    if after is None or _HISTORY_KEY in after.data:
        return outcome  # finished, or "back" has set the history itself
    if before is None or before.flow != after.flow:
        return outcome  # a new conversation starts with no history
    kept = list(history)
    if before.step != after.step:
        # Only what the step left behind that the new state lacks: "back" lays the current
        # answers over it, so a long record's draft is never stored twice.
        lost = {k: v for k, v in before.data.items() if k not in after.data}
        kept = [*kept, {"step": before.step, "data": lost}][-HISTORY:]
    if kept:
        data = dict(after.data)
        data[_HISTORY_KEY] = kept
        outcome.state = FlowState(after.flow, after.step, data)
    return outcome


def _undo_button(payload: Payload) -> str | None:
    """What an Undo button under something saved was for ("decision:42"), or None."""
    if isinstance(payload, Choice) and (
        payload.value == undo.UNDO or payload.value.startswith(undo.UNDO + ":")
    ):
        return payload.value.removeprefix(undo.UNDO).lstrip(":")
    return None


def _asks(words: str) -> bool:
    """A question of three words or more ("what's my score"): never an answer to a form's step
    ("what?", a date, a name)."""
    return len(words.split()) >= 3 and _QUESTION.match(words) is not None


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
