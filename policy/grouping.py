"""An organisation's inputs grouped by person and team once, for every team's digest and every
person's reminders in one pass (looking each person's cases up in the whole organisation's list
made a weekly run grow with staff times cases)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from policy.facts import AbsenceFacts, CaseFacts, StaffFacts


@dataclass(frozen=True)
class ByPerson:
    staff_by_team: Mapping[int, tuple[StaffFacts, ...]]
    cases_by_worker: Mapping[int, tuple[CaseFacts, ...]]
    absences_by_staff: Mapping[int, tuple[AbsenceFacts, ...]]

    @classmethod
    def of(
        cls,
        staff: Iterable[StaffFacts],
        cases: Iterable[CaseFacts],
        absences: Iterable[AbsenceFacts],
    ) -> ByPerson:
        teams: dict[int, list[StaffFacts]] = defaultdict(list)
        for person in staff:
            teams[person.team_id].append(person)
        held: dict[int, list[CaseFacts]] = defaultdict(list)
        for case in cases:
            held[case.worker_id].append(case)
        away: dict[int, list[AbsenceFacts]] = defaultdict(list)
        for absence in absences:
            away[absence.staff_id].append(absence)
        return cls(
            {k: tuple(v) for k, v in teams.items()},
            {k: tuple(v) for k, v in held.items()},
            {k: tuple(v) for k, v in away.items()},
        )

    def team(self, team_id: int) -> tuple[StaffFacts, ...]:
        return self.staff_by_team.get(team_id, ())

    def cases_of(self, staff_id: int) -> tuple[CaseFacts, ...]:
        return self.cases_by_worker.get(staff_id, ())

    def absences_of(self, staff_id: int) -> tuple[AbsenceFacts, ...]:
        return self.absences_by_staff.get(staff_id, ())
