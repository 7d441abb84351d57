"""Monthly compliance per team as CSV, in the shape councils report (POWYS 002:13-33).

One row per team and staff group (qualified, newly qualified, agency, and `other` where the
pack counts roles outside those three, so the groups add up to the team's `all` row) plus the
team total: supervised, due (in post less excluded), excluded for absence, percentage and
target, and the month's `status`: `complete`, `so far` (the current month: its percentage is
progress, and `meets_target` says `so far`, not a final "no") or `no data` (before the team's
first held supervision, when there was nothing to count: no percentage rather than a false 0%).
Team names are guarded against spreadsheet formulas (dialogs.outputs.spreadsheet).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from dialogs.i18n import N_, _
from dialogs.outputs.spreadsheet import cell
from policy.compliance import GROUPS, Figure, monthly_compliance
from policy.facts import AbsenceFacts, SessionFacts, StaffFacts
from policy.history import SessionIndex
from policy.packs import Pack

# The headers and the words in the cells are in the language of whoever asked for the file
# (the command line: the council's default; issue 28). Numbers and periods are as they are.
# Translators: the CSV's header row, comma-separated: keep 11 names, no spaces.
HEADER = N_("period,team,group,in_post,excluded,due,supervised,percent,target,meets_target,status")
COLUMNS = tuple(HEADER.split(","))
NO_DATA, SO_FAR, COMPLETE = N_("no data"), N_("so far"), N_("complete")
YES, NO = N_("yes"), N_("no")


def _row(period: str, team: str, group: str, figure: Figure, pack: Pack, status: str) -> list[str]:
    percent = None if status == NO_DATA else figure.percent
    target = pack.compliance.target.percent
    meets = "" if percent is None else (YES if percent >= target else NO)
    if status == SO_FAR and meets == NO:
        meets = SO_FAR  # issue 23 item 8: the month is not over; not a final "no"
    return [
        period, cell(team), group, str(figure.in_post), str(figure.excluded),
        str(figure.denominator), str(figure.supervised),
        "" if percent is None else f"{percent:.1f}", f"{target:.0f}", _(meets) if meets else "",
        _(status),
    ]  # fmt: skip


def compliance_csv(
    pack: Pack,
    staff: Sequence[StaffFacts],
    sessions: Iterable[SessionFacts] | SessionIndex,
    absences: Sequence[AbsenceFacts],
    team_names: Mapping[int, str],
    months: Sequence[tuple[int, int]],
    today: date,
) -> bytes:
    index = sessions if isinstance(sessions, SessionIndex) else SessionIndex(sessions, pack.zone)
    started: dict[int, tuple[int, int]] = {}
    for person in staff:
        held = index.by_supervisee.get(person.id)
        if held and person.team_id is not None:
            first = (held[0].day.year, held[0].day.month)
            started[person.team_id] = min(started.get(person.team_id, first), first)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    header = _(HEADER).split(",")
    writer.writerow(header if len(header) == len(COLUMNS) else COLUMNS)
    for year, month in months:
        period = f"{year}-{month:02d}"
        for team_id, name in sorted(team_names.items(), key=lambda kv: kv[1]):
            members = [s for s in staff if s.team_id == team_id]
            if (year, month) < started.get(team_id, (today.year, today.month + 1)):
                status = NO_DATA
            else:
                status = SO_FAR if (year, month) == (today.year, today.month) else COMPLETE
            report = monthly_compliance(members, index, absences, pack, year, month)
            for group in GROUPS:
                figure = report.by_group.get(group)
                # `other` only where someone is in it: the groups then add up to `all`.
                if figure is not None and (group != "other" or figure.in_post):
                    writer.writerow(_row(period, name, group, figure, pack, status))
            writer.writerow(_row(period, name, "all", report.organisation, pack, status))
    return buffer.getvalue().encode("utf-8-sig")
