"""What the bot says when it starts no flow: help for the person's role, "did you mean", hello
and thanks, and the conversations that arrive with a later issue.

Never the whole list to everyone: a worker is not offered a team's compliance, and a message
that is not understood gets three examples to tap rather than a wall of text.
"""

from __future__ import annotations

from collections.abc import Mapping

from dialogs.corpus import FLOW_OF, LABEL_OF
from dialogs.flow import Flow, Turn
from dialogs.i18n import N_, _
from dialogs.messages import AskChoice, Option, Reply, Say
from dialogs.understanding import Intent

SMALL_TALK = frozenset({"help", "hello", "thanks"})
# Conversations the corpus knows whose flows are still to come (none at present: issue 26 brought
# the team compliance, who-can and what-if conversations).
PLANNED: dict[str, str] = {}
MANAGER_FLOWS = frozenset(
    {"record", "decision", "informal", "overcap", "element", "course", "compliance", "whocan"}
)
# Issue 28: help says how to switch language, in the language it is written in.
LANGUAGE_OFFER = N_("Type *Cymraeg* to have me write to you in Welsh.")
# The longest button value that carries what was typed (Slack allows 2,000 characters).
MAX_CARRIED = 150

_WORKER_EXAMPLES = (
    (N_("what's my caseload score"), "caseload", ""),
    (N_("when is my next supervision"), "due", ""),
    (N_("sign my supervision record"), "sign", ""),
)
_MANAGER_EXAMPLES = (
    (N_("how's my team doing"), "caseload", "team"),
    (N_("book a supervision"), "book", ""),
    (N_("record a manager's decision"), "decision", ""),
)


async def manages_anyone(turn: Turn) -> bool:
    directory = turn.ports.directory
    return bool(await directory.teams_managed_by(turn.actor.id)) or bool(
        await directory.supervisees(turn.actor.id)
    )


def _start(flow: str, argument: str = "") -> str:
    return f"start:{flow}:{argument if len(argument) <= MAX_CARRIED else ''}"


async def examples(turn: Turn, prompt: str) -> AskChoice:
    chosen = _MANAGER_EXAMPLES if await manages_anyone(turn) else _WORKER_EXAMPLES
    return AskChoice(prompt, tuple(Option(_start(f, a), _(text)) for text, f, a in chosen))


async def help_replies(turn: Turn, flows: Mapping[str, Flow]) -> list[Reply]:
    """What this person can do, a line each: one message (Teams counts each reply)."""
    manager = await manages_anyone(turn)
    lines = [
        f"• *{_(flow.usage)}*: {_(flow.summary)}"
        for name, flow in flows.items()
        if getattr(flow, "listed", True) and (manager or name not in MANAGER_FLOWS)
    ]
    text = (
        _("Here is what I can do for you: type a command, or just ask in your own words.")
        + "\n"
        + "\n".join(lines)
        + "\n"
        + _("Type *cancel* at any point to stop.")
        + " "
        + _(LANGUAGE_OFFER)
    )
    return [Say(text)]


async def not_understood(turn: Turn) -> list[Reply]:
    prompt = _(
        "Sorry, I didn't follow that. I can look up caseloads and supervision, book and record "
        "it. Try one of these, or type *help* for everything:"
    )
    return [await examples(turn, prompt)]


def did_you_mean(intent: Intent) -> AskChoice:
    """Two or three conversations came close: the person picks, nothing is started."""
    options = []
    for conversation, argument in zip(intent.alternatives, intent.arguments, strict=True):
        label = _(LABEL_OF[conversation])
        options.append(Option(_start(FLOW_OF[conversation], argument), label))
    names = " / ".join(o.label for o in options)
    return AskChoice(_("Did you mean: {names}?").format(names=names), tuple(options))


async def small_talk(turn: Turn, name: str, flows: Mapping[str, Flow]) -> list[Reply]:
    match name:
        case "hello":
            hello = _("Hello {name}. You could ask me:").format(name=turn.actor.first_name)
            return [await examples(turn, hello)]
        case "thanks":
            return [Say(_("You're welcome."))]
    return await help_replies(turn, flows)


async def planned(turn: Turn, name: str) -> list[Reply]:
    what = PLANNED[name]
    if not await manages_anyone(turn):
        mine = _('For your own, ask "what\'s due" or "what\'s my caseload score".')
        return [
            Say(
                _("{what} is for team managers.").format(what=f"{what[0].upper()}{what[1:]}")
                + " "
                + mine
            )
        ]
    return [
        Say(
            _(
                "I can't show {what} in chat yet: it is on its way. Meanwhile *caseload team* "
                "shows your team's caseloads, and your team's channel gets the compliance summary "
                "each week."
            ).format(what=what)
        )
    ]
