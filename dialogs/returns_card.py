"""A workload return as people receive it (issue 25 item 2): the CSV with a note to the person
the council names, and counts only for the senior managers' channel (no one named there)."""

from __future__ import annotations

from collections.abc import Sequence

from dialogs.messages import Attachment, Card, CardSection, Fact, Reply, Say
from policy.returns import ReturnPeriod, TeamCounts
from scoring.vocabulary import StaffRole


def position(role: StaffRole) -> str:
    """A role in words for the return's "Position held" column."""
    return "NQSW" if role is StaffRole.NQSW else role.value.replace("_", " ").capitalize()


def return_replies(
    title: str,
    period: ReturnPeriod,
    to_label: str,
    then: str | None,
    clause: str | None,
    csv_bytes: bytes,
    filename: str,
) -> tuple[Reply, ...]:
    """To each recipient: what it is, by when, what to do next, and the file."""
    due = f"{period.due:%A} {period.due.day} {period.due:%B %Y}"
    text = (
        f"{title} for {period.label}, for the {to_label}: due by {due}"
        + (f" ({clause})" if clause else "")
        + "."
        + (f" {then}." if then else "")
    )
    return (
        Say(text),
        Attachment(filename, "text/csv", csv_bytes, f"{title}, {period.label}: one row per worker"),
    )


def return_counts_card(
    title: str, period: ReturnPeriod, to_label: str, counts: Sequence[TeamCounts]
) -> Card:
    """The channel's view: per team, how many workers, children and cases, and by band."""
    sections = tuple(
        CardSection(
            c.team,
            (
                f"{c.workers} workers, {c.children} children, {c.cases} cases",
                *(f"{band}: {n}" for band, n in c.bands),
            ),
        )
        for c in counts
    )
    return Card(
        f"{title}: {period.label}",
        f"Sent to the {to_label}; due {period.due:%d %B %Y}",
        (
            Fact("Workers", str(sum(c.workers for c in counts))),
            Fact("Children", str(sum(c.children for c in counts))),
            Fact("Cases", str(sum(c.cases for c in counts))),
        ),
        sections,
    )
