"""The monthly service summary for senior managers: figures per team against the target.

POWYS 002:41: supervision performance is scrutinised monthly by the Head of Service and senior
managers. Names of teams and numbers only; nothing about individuals or cases. Written in the
language it is rendered under (issue 28: scheduling.digests renders it once per channel language,
Welsh first where the council's channels are bilingual).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dialogs.i18n import _, ngettext, pack_word
from dialogs.messages import Card, CardSection, Fact
from policy.caps import TeamOverAverage
from policy.compliance import ComplianceReport, Figure
from policy.packs.schema import MissedReason, Pack, StaffGroups, TeamAverage


def figure_text(figure: Figure) -> str:
    """ "67% (4 of 6)" (the team compliance card's too), or that no one is due."""
    if figure.percent is None:
        return _("no one due")
    return _("{percent}% ({supervised} of {due})").format(
        percent=f"{figure.percent:.0f}", supervised=figure.supervised, due=figure.denominator
    )


def summary_card(
    organisation: str,
    month_label: str,
    report: ComplianceReport,
    team_names: Mapping[int, str],
    groups: StaffGroups | None = None,
    missed: MissedReason | None = None,
    over_average: tuple[TeamAverage, str | None, Sequence[TeamOverAverage]] | None = None,
    pack: Pack | None = None,
) -> Card:
    """`groups`: the pack's words for the staff groups (default: Powys's, 002:13). `missed`:
    the pack's words for a missed month with its reason recorded and without (DCC 000:176),
    when the council asks for one. `pack`: for its own words in Welsh (issue 28)."""
    words = groups or StaffGroups(basis="default", source="002:13")

    def word(text: str) -> str:
        return pack_word(pack, text) if pack is not None else text

    met = report.meets_target()
    verdict = "" if met is None else (_(" (met)") if met else _(" (not met)"))
    facts: tuple[Fact, ...] = (
        Fact(_("Whole service"), figure_text(report.organisation)),
        Fact(_("Target"), f"{report.target:.0f}%{verdict}"),
        Fact(_("Excluded for absence"), str(len(report.excluded))),
    )
    if missed is not None:
        whole = report.organisation
        facts += (
            Fact(word(missed.reason_given), str(whole.reason_given)),
            Fact(word(missed.no_reason), str(whole.missed_no_reason)),
        )
    teams = tuple(
        _("{team}: {figure}").format(
            team=team_names.get(team_id, _("Not in a team (service management)")),
            figure=figure_text(figure),
        )
        for team_id, figure in sorted(
            report.by_team.items(), key=lambda kv: team_names.get(kv[0], "")
        )
    )
    by_group = tuple(
        _("{team}: {figure}").format(team=word(label), figure=figure_text(figure))
        for name, figure in report.by_group.items()
        if (label := words.label(name)) is not None and figure.in_post
    )
    sections = [CardSection(_("By team"), teams or (_("No teams."),))]
    if by_group:
        sections.append(CardSection(_("By staff group"), by_group))
    if over_average:
        # WSX/LUT 001:93: counts only, and who must agree it.
        rule, clause, found = over_average
        lines = [
            ngettext(
                "{team}: {average} children per worker ({n} worker), above {level}",
                "{team}: {average} children per worker ({n} workers), above {level}",
                t.workers,
            ).format(
                team=team_names.get(t.team_id, _("A team")),
                average=t.average,
                n=t.workers,
                level=f"{t.level.normalize():f}",
            )
            for t in found
        ]
        lines.append(
            _(
                "To be agreed by the {approver}, with a clear maximum timescale and regular review"
            ).format(approver=word(rule.approver))
            + (f" ({clause})" if clause else "")
        )
        sections.append(CardSection(_("Teams above the average caseload"), tuple(lines)))
    return Card(
        title=_("Monthly supervision summary: {organisation}").format(organisation=organisation),
        subtitle=month_label,
        facts=facts,
        sections=tuple(sections),
    )
