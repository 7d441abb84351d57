"""Issue 25 item 4: WSX/LUT 001:93, "If a team holds a caseload higher than the overall average
levels set, this will have to be agreed by the relevant Service Lead" (the level: 001:44, "an
average of 15-20 children"). policy.caps.teams_over_average, and the monthly summary's section."""

from __future__ import annotations

from decimal import Decimal

from policy_factories import staff

from dialogs.summary_card import summary_card
from policy.caps import teams_over_average
from policy.compliance import monthly_compliance
from policy.packs import builtin_pack
from scoring.vocabulary import StaffRole

POWYS, DERBYSHIRE = builtin_pack("powys"), builtin_pack("derbyshire")
SW = StaffRole.SOCIAL_WORKER
PEOPLE = {
    1: staff(1, SW, team=10),
    2: staff(2, SW, team=10),
    3: staff(3, StaffRole.TEAM_MANAGER, team=10),  # not a case holder of the rule's roles
    4: staff(4, SW, team=20),
    5: staff(5, SW, team=20),
}


def test_a_team_above_the_level_is_found_with_counts_only() -> None:
    counts = [(1, 22), (2, 21), (3, 0), (4, 20), (5, 20)]
    (found,) = teams_over_average(counts, PEOPLE, POWYS)
    assert (found.team_id, found.workers, found.children) == (10, 2, 43)
    assert (found.average, found.level) == (Decimal("21.5"), Decimal(20))
    # Exactly at the level is not above it; a pack that does not set it finds nothing.
    assert teams_over_average([(4, 20), (5, 20)], PEOPLE, POWYS) == []
    assert teams_over_average(counts, PEOPLE, DERBYSHIRE) == []


def test_the_monthly_summary_names_the_team_and_who_must_agree() -> None:
    found = teams_over_average([(1, 22), (2, 21)], PEOPLE, POWYS)
    report = monthly_compliance(tuple(PEOPLE.values()), (), (), POWYS, 2026, 11)
    rule = POWYS.caseload.team_average
    assert rule is not None
    card = summary_card(
        "Powys", "November 2026", report, {10: "Team A"}, over_average=(rule, "West Sussex", found)
    )
    section = next(s for s in card.sections if s.heading == "Teams above the average caseload")
    assert section.lines[0] == "Team A: 21.5 children per worker (2 workers), above 20"
    assert section.lines[1].startswith("To be agreed by the Service Lead, with a clear maximum")
