"""Set-based reads for digests and compliance: a few SQL statements per organisation, equal to
the pure policy functions over the same rows (tests/storage/test_storage_compliance_sql.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import col

from policy.calendar import month_from_index, month_index
from policy.caps import CapBreach, RatioBreach
from policy.compliance import CaseCompliance, ComplianceReport, Figure
from policy.digest import GroupFigures, TrendPoint, group_figures, trend_points
from policy.packs.schema import Pack
from policy.recording import RecordStatus
from storage.models import Staff, Team
from storage.queries.bounds import digest_months
from storage.queries.compliance import MonthlyCompliance, monthly_compliance_sql
from storage.queries.digest import (
    cap_breaches_sql,
    case_compliance_sql,
    caseload_counts_sql,
    caseload_history_sql,
    first_held_by_team,
    late_records_sql,
    ratio_breaches_sql,
    staff_in_post_sql,
)
from storage.queries.tallies import Timed, kept_monthly_compliance

__all__ = [
    "MonthlyCompliance",
    "TeamFigures",
    "cap_breaches_sql",
    "case_compliance_sql",
    "caseload_counts_sql",
    "caseload_history_sql",
    "digest_figures",
    "digest_months",
    "kept_monthly_compliance",
    "late_records_sql",
    "monthly_compliance_sql",
    "ratio_breaches_sql",
    "staff_in_post_sql",
]


@dataclass(frozen=True, slots=True)
class TeamFigures:
    """What a team's weekly digest shows besides the overdue and upcoming lists
    (policy.digest.TeamDigest's other fields, as team_digest computes them)."""

    team_id: int
    month_to_date: Figure
    last_month: Figure
    trend: tuple[TrendPoint, ...]  # oldest first
    case_supervision: CaseCompliance
    late_records: tuple[RecordStatus, ...]
    cap_breaches: tuple[CapBreach, ...]
    ratio_breaches: tuple[RatioBreach, ...]
    by_group: tuple[GroupFigures, ...] = ()
    missed_last_month: tuple[int, ...] = ()  # not supervised last month (policy.digest)
    missed_reason_given: tuple[int, ...] = ()  # of those, with a reason recorded (000:176)


async def digest_figures(
    connection: AsyncConnection,
    organisation_id: int,
    pack: Pack,
    week_start: date,
    *,
    case_items: bool = False,
    kept: AsyncEngine | None = None,
    timed: Timed | None = None,
) -> dict[int, TeamFigures]:
    """Every team's digest figures as of the morning of `week_start`, in about eight
    statements for the whole organisation (`case_items`: list overdue case supervision too).
    With `kept` (the connection's engine), the trend's closed months are read from their kept
    tallies (storage.queries.tallies), counted and kept when missing; `timed` wraps its writes."""
    on = week_start
    # With who last month's figure counts as not supervised (listed for that month only).
    last = month_from_index(month_index(on) - 1)
    months = digest_months(pack, on)
    if kept is not None:
        monthly = await kept_monthly_compliance(
            kept, organisation_id, pack, months, on, people_in=[last], timed=timed
        )
    else:
        monthly = await monthly_compliance_sql(
            connection, organisation_id, pack, months, people_in=[last]
        )
    missed: dict[int, list[int]] = {}
    report_last = monthly.reports.get(last)
    explained = set(report_last.reason_given) if report_last else set()
    ids = set(report_last.not_supervised) if report_last else set()
    if ids:
        S = Staff
        for staff_id, team_id in (
            await connection.execute(
                select(col(S.id), col(S.team_id)).where(col(S.organisation_id) == organisation_id)
            )
        ).all():
            if staff_id in ids:
                missed.setdefault(int(team_id or 0), []).append(int(staff_id))
    late = await late_records_sql(connection, organisation_id, pack, on)
    caps = await cap_breaches_sql(connection, organisation_id, pack, on)
    ratios = await ratio_breaches_sql(connection, organisation_id, pack, on)
    cases = await case_compliance_sql(connection, organisation_id, pack, on, items=case_items)
    teams = [
        team_id
        for team_id in (
            await connection.execute(
                select(col(Team.id)).where(col(Team.organisation_id) == organisation_id)
            )
        ).scalars()
        if team_id is not None
    ]
    this = month_index(on)

    def figure(index: int, team_id: int) -> Figure:
        report = monthly.reports.get(month_from_index(index))
        return report.by_team.get(team_id, Figure()) if report else Figure()

    def report(index: int) -> ComplianceReport:
        empty = ComplianceReport("", Decimal(0), Figure())
        return monthly.reports.get(month_from_index(index)) or empty

    started = await first_held_by_team(connection, organisation_id, pack)
    return {
        team_id: TeamFigures(
            team_id,
            figure(this, team_id),
            figure(this - 1, team_id),
            trend_points(
                this,
                pack.digest.trend_periods,
                lambda i, team_id=team_id: figure(i, team_id).percent,  # type: ignore[misc]
                started.get(team_id),
            ),
            cases.get(team_id, CaseCompliance(0, 0, ())),
            late.get(team_id, ()),
            caps.get(team_id, ()),
            ratios.get(team_id, ()),
            group_figures(pack, team_id, report(this), report(this - 1)),
            tuple(sorted(missed.get(team_id, ()))),
            tuple(sorted(i for i in missed.get(team_id, ()) if i in explained)),
        )
        for team_id in teams
    }
