"""Supervision records pass to the new line manager (issue 25 item 5).

DCC 000:105: "Where line management responsibilities change, supervision records should be
passed to the new line manager who should access those records still relevant to current
issues." The new manager reads them as line management (the chat's `view`, audited); this says
what they are told when the change is recorded, where the pack says so.
"""

from __future__ import annotations

from collections.abc import Sequence

from policy.citations import cite
from policy.packs.schema import Pack


def handover_message(
    pack: Pack, supervisee: str, record_ids: Sequence[int], previous: str | None
) -> str | None:
    """What the new line manager is told, or None where the pack does not pass records on or
    there are none. Record numbers only: no record content."""
    rule = pack.record_access.pass_on_manager_change
    if rule is None or not rule.value or not record_ids:
        return None
    where = cite(pack, rule.source)
    count = len(record_ids)
    numbers = ", ".join(str(n) for n in sorted(record_ids)[-20:])
    from_whom = f" from {previous}" if previous else ""
    return (
        f"You are now {supervisee}'s line manager: their supervision records pass to you"
        f"{from_whom}"
        + (f" ({where})" if where else "")
        + f". {count} record"
        + ("s" if count != 1 else "")
        + f": {numbers}. Read those still relevant to current issues with `view` and the number."
    )
