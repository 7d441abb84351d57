"""Who may be allocated a case of a given shape: the pack's restrictions on allocation.

The team manager's "who can take this case?" (issue 26) asks this of each worker. The rules
themselves (CAP003 003:30,64, policy_rules R22: an NQSW does not lead Section 47 enquiries, and
nobody undertakes them alone before the Section 47 course) arrive with the issue "The council
rules still missing" (issue 25). Until that lands `restriction` finds none, and callers show
everyone as able to take the case on the rules they already have (caps and bands).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from policy.packs.schema import Pack
from scoring.vocabulary import CaseCategory, StaffRole


@dataclass(frozen=True, slots=True)
class CaseShape:
    """A case not yet allocated, as a manager describes it: "a CIN sibling group of 3, in
    court, 20 miles away". `section_47`: an enquiry under Section 47 is part of the work."""

    category: CaseCategory
    children: int = 1
    court: bool = False
    miles: int | None = None
    section_47: bool = False


@dataclass(frozen=True, slots=True)
class Restriction:
    """Why someone may not be allocated the case: the policy's own words and where they are."""

    rule: str
    source: str  # "003:30"


def restriction(
    pack: Pack,
    role: StaffRole,
    asye_start: date | None,
    shape: CaseShape,
    on: date,
) -> Restriction | None:
    """What stops this person taking the case under the council's pack, or None.

    The seam for issue 25's NQSW and Section 47 restrictions: it returns None until those rules
    are in the packs, so no one is stopped on a rule this code does not yet read."""
    del pack, role, asye_start, shape, on
    return None
