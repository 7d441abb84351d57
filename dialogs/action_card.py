"""An action from supervision with its three answers (issue 27): a private message to its owner,
never a channel post (the description is record content)."""

from __future__ import annotations

from datetime import date

from dialogs.messages import Card, Fact, Option
from dialogs.views import ActionView
from dialogs.when import describe_day


def action_card(action: ActionView, today: date) -> Card:
    late = (today - action.due_date).days
    when = describe_day(action.due_date)
    due = f"{when}, {late} days ago" if late > 0 else ("today" if late == 0 else when)
    facts = [Fact("Due", due)]
    if action.review_date is not None:
        facts.append(Fact("Review", describe_day(action.review_date)))
    return Card(
        title="An action from your supervision",
        subtitle=action.description,
        facts=tuple(facts),
        actions=(
            Option(f"start:action:done:{action.id}", "Done"),
            Option(f"start:action:later:{action.id}", "Not yet"),
            Option(f"start:action:drop:{action.id}", "No longer needed"),
        ),
    )
