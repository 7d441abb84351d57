"""Worker-level points: fixed and personal elements, and points derived from the case total."""

from __future__ import annotations

from decimal import Decimal

from scoring.model import ScoreLine, Workload
from scoring.plan import Plan, keep_highest
from scoring.scheme_model import PersonalUnit, Scheme


def worker_level_lines(
    workload: Workload, scheme: Scheme, plan: Plan, case_points: Decimal, notes: list[str]
) -> tuple[ScoreLine, ...]:
    lines: list[ScoreLine] = []
    for derived in scheme.derived:
        # WARR 001:5749: one more point for every 10 case points accumulated
        tens = int(case_points // derived.per_points)
        detail = f"{tens} × {derived.points} for {case_points} case points"
        lines.append(
            ScoreLine(
                None,
                derived.id,
                derived.name,
                derived.rule,
                derived.source,
                derived.points * tens,
                detail,
            )
        )
    by_id = plan.personal
    for item in scheme.personal:
        if item.fixed:
            lines.append(
                ScoreLine(
                    None,
                    item.id,
                    item.name,
                    item.rule,
                    item.source,
                    item.points,
                    f"{item.points} fixed",
                )
            )
    for element in workload.personal:
        found = by_id.get(element.id)
        if found is None or found.fixed:
            if found is None:
                notes.append(f"personal element {element.id!r} is not part of {scheme.id}")
            continue
        value, detail = found.points, f"{found.points}"
        if found.up_to and element.points is not None:
            value = min(element.points, found.points)
            detail = f"agreed {value} (up to {found.points})"
        elif found.up_to:
            detail += " (up to; no agreed value recorded, maximum used)"
        if found.unit is not PersonalUnit.PER_WORKER:
            detail = f"{element.quantity} × {detail} {found.unit.value}"
            value *= element.quantity
        lines.append(ScoreLine(None, found.id, found.name, found.rule, found.source, value, detail))
    if scheme.personal_limits:
        # NOTTS 001:1533-1536: up to 2 personal elements
        group_of = {item_id: item.group for item_id, item in by_id.items()}
        kept, dropped = keep_highest(lines, dict(scheme.personal_limits), group_of)
        notes.extend(dropped)
        lines = kept
    return tuple(lines)
