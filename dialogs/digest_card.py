"""The weekly team digest as a neutral card: names, counts and dates only, never record content.

Channels are seen by the whole team (policy_rules §8): no case references, no record text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from dialogs.i18n import _, format_month, ngettext, pack_word, period_label
from dialogs.messages import Card, CardSection, Fact
from dialogs.when import describe_day
from policy.calendar import month_from_index, month_index
from policy.compliance import Figure
from policy.digest import TeamDigest
from policy.packs.schema import MissedReason, Pack


def _figure(figure: Figure) -> str:
    if figure.percent is None:
        return _("no one due")
    return _("{percent}% ({supervised} of {due})").format(
        percent=f"{figure.percent:.0f}", supervised=figure.supervised, due=figure.denominator
    )


def digest_card(
    digest: TeamDigest,
    team_name: str,
    names: Mapping[int, str],
    missed: MissedReason | None = None,
    pack: Pack | None = None,
) -> Card:
    """`names`: staff id -> display name for everyone the digest mentions. `missed`: the
    pack's words for a missed month with its reason recorded and without (DCC 000:176).
    `pack`: for its own words in Welsh (issue 28), when the card is written in Welsh."""

    def word(text: str) -> str:
        return pack_word(pack, text) if pack is not None else text

    facts = [
        Fact(_("This month so far"), _figure(digest.month_to_date)),
        Fact(_("Last month"), _figure(digest.last_month)),
        Fact(_("Target"), f"{digest.target:.0f}%"),
    ]
    if digest.case_supervision.open_cases:
        percent = digest.case_supervision.percent
        facts.append(
            Fact(_("Case supervision in time"), f"{percent:.0f}%" if percent is not None else "-")
        )
    if digest.unreachable:
        # Issue 23 item 5: counts only; `supervision-bot reach` lists who (docs/deployment.md).
        n = digest.unreachable
        people = ngettext("{n} person", "{n} people", n).format(n=n)
        held = ""
        if digest.held:
            messages = ngettext("{n} message held", "{n} messages held", digest.held)
            held = ", " + messages.format(n=digest.held)
        facts.append(Fact(_("Not reachable by the bot yet"), f"{people}{held}"))
    sections = []
    overdue: Counter[str] = Counter()
    worst: dict[str, int] = {}
    for entry in digest.overdue:
        overdue[entry.name] += 1
        worst[entry.name] = max(worst.get(entry.name, 0), entry.item.overdue_days)
    if overdue:
        sections.append(
            CardSection(
                _("Overdue"),
                tuple(
                    ngettext(
                        "{name}: {count} item, up to {days} days",
                        "{name}: {count} items, up to {days} days",
                        count,
                    ).format(name=name, count=count, days=worst[name])
                    for name, count in sorted(overdue.items(), key=lambda kv: -worst[kv[0]])
                ),
            )
        )
    if digest.missed_last_month:
        # DCC 000:174-176: a month without supervision is missed; its reason is to be recorded.
        month = month_from_index(month_index(digest.week_start) - 1)

        def listed(ids: Iterable[int]) -> str:
            return ", ".join(names.get(i, _("someone")) for i in ids)

        lines: tuple[str, ...] = (listed(digest.missed_last_month),)
        if missed is not None:
            given = set(digest.missed_reason_given)
            split = (
                (missed.reason_given, [i for i in digest.missed_last_month if i in given]),
                (missed.no_reason, [i for i in digest.missed_last_month if i not in given]),
            )
            lines = tuple(f"{word(label)}: {listed(ids)}" for label, ids in split if ids)
        sections.append(
            CardSection(_("Not supervised in {month}").format(month=format_month(month)), lines)
        )
    if digest.late_records:
        late = Counter(names.get(r.supervisor_id, _("someone")) for r in digest.late_records)
        sections.append(
            CardSection(
                _("Records late or unsigned"),
                tuple(f"{name}: {count}" for name, count in sorted(late.items())),
            )
        )
    if digest.actions_overdue:
        sections.append(
            CardSection(
                _("Actions from supervision overdue"),
                tuple(
                    f"{names.get(staff_id, _('someone'))}: {count}"
                    for staff_id, count in sorted(
                        digest.actions_overdue, key=lambda p: names.get(p[0], "")
                    )
                ),
            )
        )
    if digest.due_next_week:
        due = Counter(entry.name for entry in digest.due_next_week)
        sections.append(
            CardSection(
                _("Due {start} to {end}").format(
                    start=describe_day(digest.week_start), end=describe_day(digest.week_end)
                ),
                tuple(f"{name}: {count}" for name, count in sorted(due.items())),
            )
        )
    if digest.cap_breaches:
        sections.append(
            CardSection(
                _("Caseloads over the cap"),
                tuple(
                    _("{name}: {count} of {cap}").format(
                        name=names.get(b.staff_id, _("someone")), count=b.count, cap=b.cap
                    )
                    + {"active": _(" (approved)"), "expired": _(" (approval expired)")}.get(
                        b.approval_status, _(" (no approval recorded)")
                    )
                    + (
                        _("; escalate to the {who}").format(who=b.escalate_to)
                        if b.escalate_to
                        else ""
                    )
                    for b in digest.cap_breaches
                ),
            )
        )
    if digest.ratio_breaches:
        sections.append(
            CardSection(
                _("Supervisors over the ratio"),
                tuple(
                    _("{name}: {supervisees} supervisees (recommended at most {most})").format(
                        name=names.get(b.supervisor_id, _("someone")),
                        supervisees=b.supervisees,
                        most=b.max,
                    )
                    for b in digest.ratio_breaches
                ),
            )
        )
    if digest.short_asye:
        sections.append(
            CardSection(
                _("ASYE supervision shorter than expected"),
                tuple(
                    _("{name}: {day} ({minutes} minutes)").format(
                        name=s.name, day=describe_day(s.day), minutes=s.minutes
                    )
                    for s in digest.short_asye
                ),
            )
        )
    trend = [p for p in digest.trend if p.percent is not None]
    if trend:
        sections.append(
            CardSection(
                _("Trend"),
                (
                    " · ".join(
                        f"{period_label(p.label, p.so_far)}: {p.percent:.0f}%" for p in trend[-6:]
                    ),
                ),
            )
        )
    if not sections:
        sections.append(CardSection(_("All clear"), (_("Nothing overdue; nothing late."),)))
    if digest.by_group:
        # POWYS 002:13,29: qualified, newly qualified and agency social workers, each counted.
        groups = tuple(
            _("{group}: {now} so far; last month {last}").format(
                group=word(g.label), now=_figure(g.month_to_date), last=_figure(g.last_month)
            )
            for g in digest.by_group
        )
        sections.insert(0, CardSection(_("By staff group"), groups))
    return Card(
        title=_("Weekly supervision digest: {team}").format(team=team_name),
        subtitle=_("Week of {day}").format(day=describe_day(digest.week_start)),
        facts=tuple(facts),
        sections=tuple(sections),
    )
