"""A score as the chat reply and the record show it: JSON values or a readable table."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from scoring.model import BandResult, CapCheck, Score, ScoreLine


def points_text(value: Decimal) -> str:
    """Exact and short: 30.0 -> "30", 7.50 -> "7.5"; never a float."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _opt(value: Decimal | None) -> str | None:
    return None if value is None else points_text(value)


def _line(line: ScoreLine) -> dict[str, Any]:
    return {
        "case": line.case_reference,
        "item": line.item_id,
        "name": line.name,
        "points": points_text(line.points),
        "detail": line.detail,
        "rule": line.rule,
        "source": line.source,
        "expires_on": line.expires_on.isoformat() if line.expires_on else None,
    }


def _band(band: BandResult | None) -> dict[str, Any] | None:
    if band is None:
        return None
    return {
        "profile": band.profile,
        "name": band.name,
        "label": band.label,
        "lower": _opt(band.lower),
        "lower_inclusive": band.lower_inclusive,
        "upper": _opt(band.upper),
        "capacity": _opt(band.capacity),
        "source": band.source,
    }


def _caps(caps: CapCheck | None) -> dict[str, Any] | None:
    if caps is None:
        return None
    return {
        "policy": caps.policy,
        "unit": caps.unit,
        "count": caps.count,
        "cap": caps.cap,
        "benchmark": caps.benchmark,
        "over_cap": caps.over_cap,
        "approval_in_force": caps.approval_in_force,
        "rule": caps.rule,
        "source": caps.source,
    }


def to_json_dict(score: Score) -> dict[str, Any]:
    """Plain JSON values; points are decimal strings so that 7.5 and 11.1 stay exact."""
    return {
        "scheme": score.scheme_id,
        "scheme_name": score.scheme_name,
        "on": score.on.isoformat(),
        "role": score.role.value,
        "grade": score.grade,
        "fte": points_text(score.fte),
        "total": points_text(score.total),
        "case_points": points_text(score.case_points),
        "personal_points": points_text(score.personal_points),
        "band": _band(score.band),
        "percent_of_capacity": _opt(score.percent_of_capacity),
        "cases": [
            {
                "reference": case.reference,
                "category": case.category.value,
                "children": case.children,
                "allocation": case.allocation.value,
                "factor": points_text(case.factor),
                "points": points_text(case.points),
                "lines": [_line(line) for line in case.lines],
            }
            for case in score.cases
        ],
        "personal": [_line(line) for line in score.personal],
        "changes": [
            {"on": c.on.isoformat(), "case": c.case_reference, "item": c.item_id, "text": c.text}
            for c in score.changes
        ],
        "caps": _caps(score.caps),
        "notes": list(score.notes),
    }


def summary(score: Score) -> str:
    """One sentence for a chat reply: total, band and percentage of capacity."""
    text = f"{points_text(score.total)} points under {score.scheme_name}"
    if score.band is not None:
        text += f": {score.band.label}"
    if score.percent_of_capacity is not None and score.band and score.band.capacity:
        capacity = points_text(score.band.capacity)
        text += f", {points_text(score.percent_of_capacity)}% of {capacity}"
    return text


def to_table(score: Score) -> str:
    rows: list[tuple[str, str, str, str, str]] = []
    for case in score.cases:
        for line in case.lines:
            until = line.expires_on.isoformat() if line.expires_on else ""
            rows.append(
                (case.reference, line.item_id, points_text(line.points), until, line.source)
            )
    for line in score.personal:
        rows.append(("(worker)", line.item_id, points_text(line.points), "", line.source))
    head = ("case", "item", "points", "until", "source")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(5)]

    def fmt(row: tuple[str, str, str, str, str]) -> str:
        cells = [row[i].rjust(widths[i]) if i == 2 else row[i].ljust(widths[i]) for i in range(5)]
        return "  ".join(cells).rstrip()

    out = [f"{score.on.isoformat()}: {summary(score)}", ""]
    out += [fmt(head), fmt(tuple("-" * w for w in widths))]  # type: ignore[arg-type]
    out += [fmt(row) for row in rows]
    out.append(
        f"{'total'.ljust(widths[0] + widths[1] + 2)}  {points_text(score.total).rjust(widths[2])}"
    )
    if score.caps is not None:
        caps = score.caps
        cap = "no cap" if caps.cap is None else f"cap {caps.cap}"
        state = "OVER CAP" if caps.over_cap else "within cap"
        approval = "; over-cap approval in force" if caps.approval_in_force else ""
        out += ["", f"Caseload: {caps.count} {caps.unit}, {cap} ({caps.policy}): {state}{approval}"]
        out.append(f"  {caps.benchmark} [{caps.source}]")
    if score.changes:
        out += ["", "What changes next:"] + [
            f"  {c.on.isoformat()}  {c.text}" for c in score.changes
        ]
    if score.notes:
        out += ["", "Notes:"] + [f"  {note}" for note in score.notes]
    return "\n".join(out) + "\n"
