"""The weekly team digest as a neutral card: names, counts and dates only, never record content.

Channels are seen by the whole team (policy_rules §8): no case references, no record text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from dialogs.messages import Card, CardSection, Fact
from dialogs.when import describe_day
from policy.calendar import month_from_index, month_index
from policy.compliance import Figure
from policy.digest import TeamDigest
from policy.packs.schema import MissedReason


def _figure(figure: Figure) -> str:
    if figure.percent is None:
        return "no one due"
    return f"{figure.percent:.0f}% ({figure.supervised} of {figure.denominator})"


def digest_card(
    digest: TeamDigest,
    team_name: str,
    names: Mapping[int, str],
    missed: MissedReason | None = None,
) -> Card:
    """`names`: staff id -> display name for everyone the digest mentions. `missed`: the
    pack's words for a missed month with its reason recorded and without (DCC 000:176)."""
    facts = [
        Fact("This month so far", _figure(digest.month_to_date)),
        Fact("Last month", _figure(digest.last_month)),
        Fact("Target", f"{digest.target:.0f}%"),
    ]
    if digest.case_supervision.open_cases:
        percent = digest.case_supervision.percent
        facts.append(
            Fact("Case supervision in time", f"{percent:.0f}%" if percent is not None else "-")
        )
    if digest.unreachable:
        # Issue 23 item 5: counts only; `supervision-bot reach` lists who (docs/deployment.md).
        people = f"{digest.unreachable} {'person' if digest.unreachable == 1 else 'people'}"
        held = (
            f", {digest.held} message{'s' if digest.held != 1 else ''} held" if digest.held else ""
        )
        facts.append(Fact("Not reachable by the bot yet", f"{people}{held}"))
    sections = []
    overdue: Counter[str] = Counter()
    worst: dict[str, int] = {}
    for entry in digest.overdue:
        overdue[entry.name] += 1
        worst[entry.name] = max(worst.get(entry.name, 0), entry.item.overdue_days)
    if overdue:
        sections.append(
            CardSection(
                "Overdue",
                tuple(
                    f"{name}: {count} item{'s' if count > 1 else ''}, up to {worst[name]} days"
                    for name, count in sorted(overdue.items(), key=lambda kv: -worst[kv[0]])
                ),
            )
        )
    if digest.missed_last_month:
        # DCC 000:174-176: a month without supervision is missed; its reason is to be recorded.
        month = month_from_index(month_index(digest.week_start) - 1)

        def listed(ids: Iterable[int]) -> str:
            return ", ".join(names.get(i, "someone") for i in ids)

        lines: tuple[str, ...] = (listed(digest.missed_last_month),)
        if missed is not None:
            given = set(digest.missed_reason_given)
            split = (
                (missed.reason_given, [i for i in digest.missed_last_month if i in given]),
                (missed.no_reason, [i for i in digest.missed_last_month if i not in given]),
            )
            lines = tuple(f"{label}: {listed(ids)}" for label, ids in split if ids)
        sections.append(CardSection(f"Not supervised in {month:%B %Y}", lines))
    if digest.late_records:
        late = Counter(names.get(r.supervisor_id, "someone") for r in digest.late_records)
        sections.append(
            CardSection(
                "Records late or unsigned",
                tuple(f"{name}: {count}" for name, count in sorted(late.items())),
            )
        )
    if digest.actions_overdue:
        sections.append(
            CardSection(
                "Actions from supervision overdue",
                tuple(
                    f"{names.get(staff_id, 'someone')}: {count}"
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
                f"Due {describe_day(digest.week_start)} to {describe_day(digest.week_end)}",
                tuple(f"{name}: {count}" for name, count in sorted(due.items())),
            )
        )
    if digest.cap_breaches:
        sections.append(
            CardSection(
                "Caseloads over the cap",
                tuple(
                    f"{names.get(b.staff_id, 'someone')}: {b.count} of {b.cap}"
                    + {"active": " (approved)", "expired": " (approval expired)"}.get(
                        b.approval_status, " (no approval recorded)"
                    )
                    + (f"; escalate to the {b.escalate_to}" if b.escalate_to else "")
                    for b in digest.cap_breaches
                ),
            )
        )
    if digest.ratio_breaches:
        sections.append(
            CardSection(
                "Supervisors over the ratio",
                tuple(
                    f"{names.get(b.supervisor_id, 'someone')}: {b.supervisees} supervisees "
                    f"(recommended at most {b.max})"
                    for b in digest.ratio_breaches
                ),
            )
        )
    if digest.short_asye:
        sections.append(
            CardSection(
                "ASYE supervision shorter than expected",
                tuple(
                    f"{s.name}: {describe_day(s.day)} ({s.minutes} minutes)"
                    for s in digest.short_asye
                ),
            )
        )
    trend = [p for p in digest.trend if p.percent is not None]
    if trend:
        sections.append(
            CardSection(
                "Trend",
                (" · ".join(f"{p.label}: {p.percent:.0f}%" for p in trend[-6:]),),
            )
        )
    if not sections:
        sections.append(CardSection("All clear", ("Nothing overdue; nothing late.",)))
    if digest.by_group:
        # POWYS 002:13,29: qualified, newly qualified and agency social workers, each counted.
        groups = tuple(
            f"{g.label}: {_figure(g.month_to_date)} so far; last month {_figure(g.last_month)}"
            for g in digest.by_group
        )
        sections.insert(0, CardSection("By staff group", groups))
    return Card(
        title=f"Weekly supervision digest: {team_name}",
        subtitle=f"Week of {describe_day(digest.week_start)}",
        facts=tuple(facts),
        sections=tuple(sections),
    )
