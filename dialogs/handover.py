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
        return "none open"
    late = sum(1 for d in due if d < today)
    text = f"{len(due)} open" + (f", {late} overdue" if late else "")
    return f"{text}; the next due {describe_day(min(due))}"


def handover_card(handover: Handover, today: date) -> Card:
    """For the new line manager."""
    last = "none written here"
    if handover.last_record is not None:
        by = f", written by {handover.last_record_by}" if handover.last_record_by else ""
        last = f"{describe_day(handover.last_record)}{by}; the records now pass to you"
    facts = (
        Fact("Supervisee", handover.supervisee),
        Fact("From", handover.previous or "no line manager recorded"),
        Fact("Actions from their records", _actions_text(handover.open_actions, today)),
        Fact("Last supervision record", last),
    )
    sections = _cases(handover)
    if handover.passed:
        sections.append(CardSection("Their records", (handover.passed,)))
    return Card(
        title=f"Handover: {handover.supervisee}",
        subtitle=f"You are now {handover.supervisee}'s line manager. 'agenda "
        f"{handover.supervisee}' shows the open actions once a supervision is booked.",
        facts=facts,
        sections=tuple(sections),
    )


def leaver_card(handover: Handover, leaving: date, today: date) -> Card:
    """For the line manager (or team manager) of someone who is leaving (issue 27: "when a
    worker leaves or changes manager, the new manager gets a handover summary"): what has to be
    picked up before the last day, the same facts as a change of manager's."""
    last = "none written here"
    if handover.last_record is not None:
        by = f", written by {handover.last_record_by}" if handover.last_record_by else ""
        last = f"{describe_day(handover.last_record)}{by}"
    facts = (
        Fact("Leaving", handover.supervisee),
        Fact("Last day", describe_day(leaving)),
        Fact("Open cases to reallocate", str(handover.open_cases)),
        Fact("Actions from their records", _actions_text(handover.open_actions, today)),
        Fact("Last supervision record", last),
    )
    return Card(
        title=f"Handover: {handover.supervisee} is leaving",
        subtitle=f"{handover.supervisee} leaves on {describe_day(leaving)}: their children need "
        "a new worker and their open actions a new owner before then. Their supervision records "
        "stay with their line manager.",
        facts=facts,
        sections=tuple(_cases(handover)),
    )


def _cases(handover: Handover) -> list[CardSection]:
    if handover.per_child:
        lines = tuple(handover.cases_due) or (f"None due in the next {LOOKAHEAD_DAYS} days.",)
        if handover.cases_more:
            lines += (f"and {handover.cases_more} more: 'due {handover.supervisee}' lists them",)
        sections = [CardSection("Children due case supervision", lines)]
    else:  # DCC: no interval per child; the 1:1 reviews the worker's cases (000:153)
        sections = [
            CardSection(
                "Cases to review",
                (
                    f"{handover.open_cases} open cases: each is reviewed in their supervision; "
                    f"'agenda {handover.supervisee}' lists them once one is booked.",
                ),
            )
        ]
    return sections


def confirm_card(handover: Handover) -> Card:
    """For the old line manager: one button to confirm the handover."""
    return Card(
        title=f"Confirm the handover of {handover.supervisee}",
        subtitle=f"{handover.new} is now {handover.supervisee}'s line manager and has a "
        "handover summary"
        + ("; their supervision records pass to them" if handover.passed else "")
        + ". Confirm it, or tell your service manager if this is wrong.",
        actions=(
            Option(f"start:handover:{handover.staff_id}:{handover.new_id}", "Confirm the handover"),
        ),
    )
