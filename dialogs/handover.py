"""The handover summary when a worker changes line manager (issue 27; DCC 000:105: "Where line
management responsibilities change, supervision records should be passed to the new line manager
who should access those records still relevant to current issues").

The new manager gets what they need to pick the worker up: the open actions from the worker's
signed records (counts and dates, not their text), the children due case supervision (case
references only), and the last record's date and who wrote it. The old manager is asked to
confirm the handover with one button (dialogs.flows.handover). Private messages; nothing of a
record's content: the records themselves are read with `view`, audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from dialogs.i18n import _
from dialogs.messages import Card, CardSection, Fact, Option
from dialogs.when import describe_day

LOOKAHEAD_DAYS = 28  # children whose case supervision is due within four weeks, or overdue
CASES_LISTED = 20


@dataclass(frozen=True, slots=True)
class Handover:
    staff_id: int
    supervisee: str
    previous_id: int | None
    previous: str | None  # the old line manager's name
    new_id: int
    new: str
    open_actions: Sequence[date]  # each open action's due date
    cases_due: Sequence[str]  # "C-1042 (CP): overdue since Mon 2 Nov 2026"
    cases_more: int  # due beyond those listed
    last_record: date | None
    last_record_by: str | None
    passed: str | None  # policy.record_handover's message, where the pack passes records on
    per_child: bool = True  # the pack sets case supervision intervals per child
    open_cases: int = 0


def _actions_text(due: Sequence[date], today: date) -> str:
    if not due:
        return _("none open")
    late = sum(1 for d in due if d < today)
    text = (
        _("{count} open, {late} overdue; the next due {day}")
        if late
        else _("{count} open; the next due {day}")
    )
    return text.format(count=len(due), late=late, day=describe_day(min(due)))


def handover_card(handover: Handover, today: date) -> Card:
    """For the new line manager."""
    last = _("none written here")
    if handover.last_record is not None:
        last = _last_record(handover) + "; " + _("the records now pass to you")
    facts = (
        Fact(_("Supervisee"), handover.supervisee),
        Fact(_("From"), handover.previous or _("no line manager recorded")),
        Fact(_("Actions from their records"), _actions_text(handover.open_actions, today)),
        Fact(_("Last supervision record"), last),
    )
    sections = _cases(handover)
    if handover.passed:
        sections.append(CardSection(_("Their records"), (handover.passed,)))
    return Card(
        title=_("Handover: {name}").format(name=handover.supervisee),
        subtitle=_(
            "You are now {name}'s line manager. 'agenda {name}' shows the open actions once a "
            "supervision is booked."
        ).format(name=handover.supervisee),
        facts=facts,
        sections=tuple(sections),
    )


def leaver_card(handover: Handover, leaving: date, today: date) -> Card:
    """For the line manager (or team manager) of someone who is leaving (issue 27: "when a
    worker leaves or changes manager, the new manager gets a handover summary"): what has to be
    picked up before the last day, the same facts as a change of manager's."""
    last = _last_record(handover) if handover.last_record is not None else _("none written here")
    facts = (
        Fact(_("Leaving"), handover.supervisee),
        Fact(_("Last day"), describe_day(leaving)),
        Fact(_("Open cases to reallocate"), str(handover.open_cases)),
        Fact(_("Actions from their records"), _actions_text(handover.open_actions, today)),
        Fact(_("Last supervision record"), last),
    )
    return Card(
        title=_("Handover: {name} is leaving").format(name=handover.supervisee),
        subtitle=_(
            "{name} leaves on {day}: their children need a new worker and their open actions a "
            "new owner before then. Their supervision records stay with their line manager."
        ).format(name=handover.supervisee, day=describe_day(leaving)),
        facts=facts,
        sections=tuple(_cases(handover)),
    )


def _last_record(handover: Handover) -> str:
    """ "Mon 9 Nov 2026, written by Priya Shah"."""
    assert handover.last_record is not None
    day = describe_day(handover.last_record)
    if not handover.last_record_by:
        return day
    return _("{day}, written by {name}").format(day=day, name=handover.last_record_by)


def case_due_line(reference: str, label: str, due: date, today: date) -> str:
    """ "C-1042 (CP): overdue since Mon 2 Nov 2026", a child due case supervision."""
    when = _("overdue since {day}") if due < today else _("due {day}")
    return f"{reference} ({label}): {when.format(day=describe_day(due))}"


def _cases(handover: Handover) -> list[CardSection]:
    if handover.per_child:
        lines = tuple(handover.cases_due) or (
            _("None due in the next {days} days.").format(days=LOOKAHEAD_DAYS),
        )
        if handover.cases_more:
            lines += (
                _("and {count} more: 'due {name}' lists them").format(
                    count=handover.cases_more, name=handover.supervisee
                ),
            )
        sections = [CardSection(_("Children due case supervision"), lines)]
    else:  # DCC: no interval per child; the 1:1 reviews the worker's cases (000:153)
        sections = [
            CardSection(
                _("Cases to review"),
                (
                    _(
                        "{count} open cases: each is reviewed in their supervision; 'agenda "
                        "{name}' lists them once one is booked."
                    ).format(count=handover.open_cases, name=handover.supervisee),
                ),
            )
        ]
    return sections


def confirm_card(handover: Handover) -> Card:
    """For the old line manager: one button to confirm the handover."""
    subtitle = (
        _(
            "{new} is now {name}'s line manager and has a handover summary; their supervision "
            "records pass to them. Confirm it, or tell your service manager if this is wrong."
        )
        if handover.passed
        else _(
            "{new} is now {name}'s line manager and has a handover summary. Confirm it, or tell "
            "your service manager if this is wrong."
        )
    )
    return Card(
        title=_("Confirm the handover of {name}").format(name=handover.supervisee),
        subtitle=subtitle.format(new=handover.new, name=handover.supervisee),
        actions=(
            Option(
                f"start:handover:{handover.staff_id}:{handover.new_id}",
                _("Confirm the handover"),
            ),
        ),
    )
