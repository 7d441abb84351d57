"""Monthly compliance per team as CSV, in the shape councils report (POWYS 002:13-33).

One row per team and staff group (qualified, newly qualified, agency) plus the team total:
supervised, due (in post less excluded), excluded for absence, percentage and target.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

from policy.compliance import GROUPS, Figure, monthly_compliance
from policy.facts import AbsenceFacts, SessionFacts, StaffFacts
from policy.history import SessionIndex
from policy.packs import Pack

COLUMNS = (
    "period", "team", "group", "in_post", "excluded", "due", "supervised", "percent", "target",
    "meets_target",
)  # fmt: skip


def _row(period: str, team: str, group: str, figure: Figure, pack: Pack) -> list[str]:
    percent = figure.percent
    target = pack.compliance.target.percent
    return [
        period, team, group, str(figure.in_post), str(figure.excluded), str(figure.denominator),
        str(figure.supervised), "" if percent is None else f"{percent:.1f}", f"{target:.0f}",
        "" if percent is None else ("yes" if percent >= target else "no"),
    ]  # fmt: skip


def compliance_csv(
    pack: Pack,
    staff: Sequence[StaffFacts],
    sessions: Iterable[SessionFacts] | SessionIndex,
    absences: Sequence[AbsenceFacts],
    team_names: Mapping[int, str],
    months: Sequence[tuple[int, int]],
) -> bytes:
    index = sessions if isinstance(sessions, SessionIndex) else SessionIndex(sessions, pack.zone)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for year, month in months:
        period = f"{year}-{month:02d}"
        for team_id, name in sorted(team_names.items(), key=lambda kv: kv[1]):
            members = [s for s in staff if s.team_id == team_id]
            report = monthly_compliance(members, index, absences, pack, year, month)
            for group in GROUPS:
                figure = report.by_group.get(group)
                if group != "other" and figure is not None:
                    writer.writerow(_row(period, name, group, figure, pack))
            writer.writerow(_row(period, name, "all", report.organisation, pack))
    return buffer.getvalue().encode("utf-8-sig")
