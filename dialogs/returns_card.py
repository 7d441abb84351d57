"""A workload return as people receive it (issue 25 item 2): the CSV with a note to the person
the council names, and counts only for the senior managers' channel (no one named there). In the
language it is rendered under (issue 28); the pack's words (the return's title, who it is for,
what to do next) in its Welsh where it gives them."""

from __future__ import annotations

from collections.abc import Sequence

from dialogs.i18n import _, format_long_day, format_month, format_month_name, ngettext, pack_word
from dialogs.messages import Attachment, Card, CardSection, Fact, Reply, Say
from policy.packs import Pack
from policy.returns import ReturnPeriod, TeamCounts
from scoring.vocabulary import StaffRole


def position(role: StaffRole) -> str:
    """A role in words for the return's "Position held" column."""
    return "NQSW" if role is StaffRole.NQSW else role.value.replace("_", " ").capitalize()


def _period(period: ReturnPeriod) -> str:
    """ "October to December 2026" / "Hydref i Rhagfyr 2026"; one month: "July 2026"."""
    if (period.start.year, period.start.month) == (period.end.year, period.end.month):
        return format_month(period.start)
    return _("{first} to {last}").format(
        first=format_month_name(period.start), last=format_month(period.end)
    )


def return_replies(
    title: str,
    period: ReturnPeriod,
    to_label: str,
    then: str | None,
    clause: str | None,
    csv_bytes: bytes,
    filename: str,
    pack: Pack | None = None,
) -> tuple[Reply, ...]:
    """To each recipient: what it is, by when, what to do next, and the file."""

    def word(text: str) -> str:
        return pack_word(pack, text) if pack is not None else text

    text = _("{title} for {period}, for the {to}: due by {day}").format(
        title=word(title),
        period=_period(period),
        to=word(to_label),
        day=format_long_day(period.due),
    )
    text += (f" ({clause})" if clause else "") + "." + (f" {word(then)}." if then else "")
    described = _("{title}, {period}: one row per worker").format(
        title=word(title), period=_period(period)
    )
    return (Say(text), Attachment(filename, "text/csv", csv_bytes, described))


def return_counts_card(
    title: str,
    period: ReturnPeriod,
    to_label: str,
    counts: Sequence[TeamCounts],
    pack: Pack | None = None,
) -> Card:
    """The channel's view: per team, how many workers, children and cases, and by band."""

    def word(text: str) -> str:
        return pack_word(pack, text) if pack is not None else text

    def totals(c: TeamCounts) -> str:
        workers = ngettext("{n} worker", "{n} workers", c.workers).format(n=c.workers)
        children = ngettext("{n} child", "{n} children", c.children).format(n=c.children)
        cases = ngettext("{n} case", "{n} cases", c.cases).format(n=c.cases)
        return f"{workers}, {children}, {cases}"

    sections = tuple(
        CardSection(c.team, (totals(c), *(f"{word(band)}: {n}" for band, n in c.bands)))
        for c in counts
    )
    return Card(
        f"{word(title)}: {_period(period)}",
        _("Sent to the {to}; due {day}").format(to=word(to_label), day=format_long_day(period.due)),
        (
            Fact(_("Workers"), str(sum(c.workers for c in counts))),
            Fact(_("Children"), str(sum(c.children for c in counts))),
            Fact(_("Cases"), str(sum(c.cases for c in counts))),
        ),
        sections,
    )
