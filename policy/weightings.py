"""Changes to a council's caseload weightings (issue 25 item 4).

SWIN 001:4514: "We may identify changes we would wish to make in Swindon too but these should not
be made without the express approval of the Head of Service to ensure consistency and
application across the board of all services." A council changes its weightings by giving its own
copy of the scheme (SCHEMES_DIR); where its pack says approval is needed
(`caseload.weighting_changes`), that copy must say who approved it and when.
"""

from __future__ import annotations

from datetime import date

from policy.packs.schema import Pack


def weighting_change_problem(
    pack: Pack, scheme_id: str, approved_by: str | None, approved_on: date | None, today: date
) -> str | None:
    """Why the council's own copy of scheme `scheme_id` may not be used, or None."""
    rule = pack.caseload.weighting_changes
    scheme = pack.caseload.weighting_scheme
    if rule is None or scheme is None or scheme.value != scheme_id:
        return None
    clause = f" ({rule.source})" if rule.source else ""
    if not approved_by or approved_on is None:
        return (
            f"approved: missing. {pack.council}'s weightings may change only with the express "
            f"approval of the {rule.approver}{clause}; add `approved: {{by: <name, "
            f"{rule.approver}>, on: <YYYY-MM-DD>}}` to the scheme, or remove the file to use "
            "the scheme as published"
        )
    if approved_on > today:
        return (
            f"approved.on: {approved_on.isoformat()} is in the future; give the day it was approved"
        )
    return None
