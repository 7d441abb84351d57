"""The monthly service summary for senior managers: figures per team against the target.

POWYS 002:41: supervision performance is scrutinised monthly by the Head of Service and senior
managers. Names of teams and numbers only; nothing about individuals or cases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dialogs.messages import Card, CardSection, Fact
from policy.caps import TeamOverAverage
from policy.compliance import ComplianceReport, Figure
from policy.packs.schema import MissedReason, StaffGroups, TeamAverage


def _figure(figure: Figure) -> str:
    if figure.percent is None:
        return "no one due"
    return f"{figure.percent:.0f}% ({figure.supervised} of {figure.denominator})"


def summary_card(
    organisation: str,
    month_label: str,
    report: ComplianceReport,
    team_names: Mapping[int, str],
    groups: StaffGroups | None = None,
    missed: MissedReason | None = None,
    over_average: tuple[TeamAverage, str | None, Sequence[TeamOverAverage]] | None = None,
) -> Card:
    """`groups`: the pack's words for the staff groups (default: Powys's, 002:13). `missed`:
    the pack's words for a missed month with its reason recorded and without (DCC 000:176),
    when the council asks for one."""
    words = groups or StaffGroups(basis="default", source="002:13")
    met = report.meets_target()
    facts: tuple[Fact, ...] = (
        Fact("Whole service", _figure(report.organisation)),
        Fact(
            "Target",
            f"{report.target:.0f}%" + ("" if met is None else (" (met)" if met else " (not met)")),
        ),
        Fact("Excluded for absence", str(len(report.excluded))),
    )
    if missed is not None:
        whole = report.organisation
        facts += (
            Fact(missed.reason_given, str(whole.reason_given)),
            Fact(missed.no_reason, str(whole.missed_no_reason)),
        )
    teams = tuple(
        f"{team_names.get(team_id, 'Not in a team (service management)')}: {_figure(figure)}"
        for team_id, figure in sorted(
            report.by_team.items(), key=lambda kv: team_names.get(kv[0], "")
        )
    )
    by_group = tuple(
        f"{label}: {_figure(figure)}"
        for name, figure in report.by_group.items()
        if (label := words.label(name)) is not None and figure.in_post
    )
    sections = [CardSection("By team", teams or ("No teams.",))]
    if by_group:
        sections.append(CardSection("By staff group", by_group))
    if over_average:
        # WSX/LUT 001:93: counts only, and who must agree it.
        rule, clause, found = over_average
        lines = [
            f"{team_names.get(t.team_id, 'A team')}: {t.average} children per worker "
            f"({t.workers} workers), above {t.level.normalize():f}"
            for t in found
        ]
        lines.append(
            f"To be agreed by the {rule.approver}, with a clear maximum timescale and regular "
            "review" + (f" ({clause})" if clause else "")
        )
        sections.append(CardSection("Teams above the average caseload", tuple(lines)))
    return Card(
        title=f"Monthly supervision summary: {organisation}",
        subtitle=month_label,
        facts=facts,
        sections=tuple(sections),
    )
