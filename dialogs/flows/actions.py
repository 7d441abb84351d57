"""Actions agreed in supervision, closed in one tap (issue 27): Done, Not yet, No longer needed.

The buttons come on the reminder the scheduler sends the action's owner (dialogs.action_card)
and on "What's due" ("Update my actions"). Only the owner closes their action; a second click
on a closed action says when it was closed and changes nothing.
"""

from __future__ import annotations

from dialogs.action_card import action_card
from dialogs.flow import FlowState, Outcome, Turn
from dialogs.i18n import N_, _
from dialogs.inputs import parse_id
from dialogs.messages import Payload, Reply, Say, Tone
from dialogs.when import describe_day
from policy.actions import ActionOutcome, next_ask

_SAID = {
    "done": (ActionOutcome.DONE, N_("Marked as done: {action}"), N_("the action closed as done")),
    "drop": (
        ActionOutcome.NOT_NEEDED,
        N_("Closed as no longer needed: {action}"),
        N_("the action closed as not needed"),
    ),
}
USE_THE_BUTTONS = N_("Use the buttons on an action's reminder, or 'due' to see your open actions.")


class ActionFlow:
    name = "action"
    title = N_("Update an action")
    summary = N_("mark an action from supervision as done, not yet, or no longer needed")
    usage = N_("action")
    listed = False  # started from the buttons on a reminder or on What's due

    async def start(self, turn: Turn, argument: str) -> Outcome:
        verb, _sep, rest = argument.partition(":")
        if not verb:
            return await self._list(turn)
        action_id = parse_id(rest)
        if verb not in {"done", "later", "drop"} or action_id is None:
            return Outcome(replies=[Say(_(USE_THE_BUTTONS), Tone.WARNING)])
        action = await turn.ports.records.action(action_id)
        if action is None or action.owner_id != turn.actor.id:
            # Someone else's action (or none): said the same way, so nothing is revealed.
            text = _("That is not one of your actions.") + " " + _(USE_THE_BUTTONS)
            return Outcome(replies=[Say(text, Tone.WARNING)])
        if action.done:
            how = (
                _("Already closed as done: {action}")
                if action.closed_as != ActionOutcome.NOT_NEEDED
                else _("Already closed as no longer needed: {action}")
            )
            return Outcome(replies=[Say(how.format(action=action.description))])
        if verb == "later":
            await turn.ports.records.ask_again(action.id, turn.today)
            again = next_ask(action.due_date, turn.today, turn.pack.actions)
            text = _("Still open: {action} (due {due}). I'll ask again on {again}.").format(
                action=action.description,
                due=describe_day(action.due_date),
                again=describe_day(again),
            )
            return Outcome(replies=[Say(text)], recorded=_("the action left open for now"))
        outcome, said, recorded = _SAID[verb]
        closed = await turn.ports.records.close_action(action.id, outcome.value, turn.now)
        if not closed:  # another click got there first
            text = _("Already closed: {action}").format(action=action.description)
            return Outcome(replies=[Say(text)])
        return Outcome(
            replies=[Say(_(said).format(action=action.description), Tone.SUCCESS)],
            recorded=_(recorded),
        )

    async def _list(self, turn: Turn) -> Outcome:
        actions = await turn.ports.records.open_actions(turn.actor.id)
        if not actions:
            return Outcome(replies=[Say(_("You have no open actions from supervision."))])
        replies: list[Reply] = [Say(_("Your open actions ({count}):").format(count=len(actions)))]
        replies += [action_card(a, turn.today) for a in actions[:10]]
        return Outcome(replies=replies)

    async def resume(self, turn: Turn, state: FlowState, payload: Payload) -> Outcome:
        return Outcome()
