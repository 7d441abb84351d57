"""Actions agreed in supervision, chased until their owner closes them (issue 27).

Every seed template records actions with an owner and a timescale ("Agreed actions and by
whom", DCC 000:155-160; the case discussion tools' "By when", LAM 004:547); none of the councils
says who follows them up between sessions, so the product asks the owner (a product rule, in
the pack's `actions`: how many days before the due date, and how often after).
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from policy.packs.schema import ActionChasing


class ActionOutcome(StrEnum):
    """How an owner closes an action; an open action has none."""

    DONE = "done"
    NOT_NEEDED = "not_needed"


def ask_about_action(due: date, asked_on: date | None, rule: ActionChasing, today: date) -> bool:
    """Whether to ask an open action's owner about it today: from `remind_days_before` days
    before it is due, and then no sooner than `chase_every_days` after they were last asked
    (a reminder, or their own "not yet")."""
    if today < due - timedelta(days=rule.remind_days_before):
        return False
    return asked_on is None or today >= asked_on + timedelta(days=rule.chase_every_days)


def next_ask(due: date, asked_on: date, rule: ActionChasing) -> date:
    """The day the owner is asked again after being asked (or answering "not yet") on
    `asked_on`."""
    return max(
        asked_on + timedelta(days=rule.chase_every_days),
        due - timedelta(days=rule.remind_days_before),
    )
