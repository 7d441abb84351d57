"""Caseload caps per role, over-cap approvals and escalation, and supervisor ratios."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from policy.calendar import add_months, months_between
from policy.facts import OverCapApproval, StaffFacts
from policy.packs.schema import Pack


@dataclass(frozen=True, slots=True)
class CapBreach:
    staff_id: int
    count: int
    cap: int
    kind: Literal["hard", "benchmark"]
    source: str | None
    approval: OverCapApproval | None
    approval_status: Literal["none", "active", "expired"]
    over_since: date | None
    months_over: int | None
    escalate_to: str | None  # set once over for longer than the pack's period (WSX/LUT 001:92)


Kind = Literal["hard", "benchmark"]


def effective_cap(staff: StaffFacts, pack: Pack) -> tuple[int, Kind, str | None] | None:
    rule = pack.cap_for(staff.role)
    if rule is None:
        return None
    cap = rule.max
    if pack.caseload.prorate_caps_by_fte:
        cap = int(rule.max * staff.fte)
    return cap, rule.kind, rule.source


def cap_breaches(
    counts: Iterable[tuple[int, int]],
    staff: Mapping[int, StaffFacts],
    approvals: Iterable[OverCapApproval],
    pack: Pack,
    on: date,
    over_since: Mapping[int, date] | None = None,
) -> list[CapBreach]:
    """Who holds more open cases than their role's cap, with approval and escalation state.

    `over_since` gives when each worker first went over; without it the earliest approval's
    start stands in for it."""
    by_staff: dict[int, list[OverCapApproval]] = {}
    for item in approvals:
        by_staff.setdefault(item.staff_id, []).append(item)
    escalation = pack.caseload.escalation
    breaches = []
    for staff_id, count in counts:
        person = staff.get(staff_id)
        found = effective_cap(person, pack) if person else None
        if found is None or count <= found[0]:
            continue
        mine = sorted(by_staff.get(staff_id, ()), key=lambda a: a.start)
        active: OverCapApproval | None = next((a for a in reversed(mine) if a.active_on(on)), None)
        # CAP003 003:70-71 / WSX/LUT 001:85: over-cap work needs agreement and a maximum timescale.
        chosen = active or (mine[-1] if mine else None)
        status: Literal["none", "active", "expired"] = (
            "active" if active else ("expired" if mine else "none")
        )
        since = (over_since or {}).get(staff_id) or (mine[0].start if mine else None)
        months = months_between(since, on) if since else None
        # WSX/LUT 001:92: over for longer than three months -> inform the Group Manager.
        escalate = since is not None and on > add_months(since, escalation.after_months)
        breaches.append(
            CapBreach(
                staff_id,
                count,
                found[0],
                found[1],
                found[2],
                chosen,
                status,
                since,
                months,
                escalation.to if escalate else None,
            )
        )
    return breaches


@dataclass(frozen=True, slots=True)
class RatioBreach:
    supervisor_id: int
    supervisees: int
    max: int
    source: str | None


def ratio_breaches(staff: Iterable[StaffFacts], pack: Pack, on: date) -> list[RatioBreach]:
    """LAM 3.2 (004:304): recommended maximum of 8 supervisees per supervisor."""
    rule = pack.supervision.ratio_max
    if rule is None:
        return []
    load = Counter(s.supervisor_id for s in staff if s.supervisor_id is not None and s.in_post(on))
    return [
        RatioBreach(supervisor, n, rule.value, rule.source)
        for supervisor, n in sorted(load.items())
        if n > rule.value
    ]
