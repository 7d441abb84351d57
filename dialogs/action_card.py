"""An action from supervision with its three answers (issue 27): a private message to its owner,
never a channel post (the description is record content)."""

from __future__ import annotations

from datetime import date

from dialogs.i18n import _
from dialogs.messages import Card, Fact, Option
from dialogs.views import ActionView
from dialogs.when import describe_day


def action_card(action: ActionView, today: date) -> Card:
    late = (today - action.due_date).days
    when = describe_day(action.due_date)
    if late > 0:
        due = _("{day}, {late} days ago").format(day=when, late=late)
    else:
        due = _("today") if late == 0 else when
    facts = [Fact(_("Due"), due)]
    if action.review_date is not None:
        facts.append(Fact(_("Review"), describe_day(action.review_date)))
    return Card(
        title=_("An action from your supervision"),
        subtitle=action.description,
        facts=tuple(facts),
        actions=(
            Option(f"start:action:done:{action.id}", _("Done")),
            Option(f"start:action:later:{action.id}", _("Not yet")),
            Option(f"start:action:drop:{action.id}", _("No longer needed")),
        ),
    )
