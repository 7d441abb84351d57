"""Held sessions indexed once by supervisee, supervisor and child, as Europe/London dates."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import date
from typing import NamedTuple
from zoneinfo import ZoneInfo

from policy.calendar import LONDON
from policy.facts import SessionFacts
from policy.frequencies import last_on_or_before
from policy.vocabulary import SessionStatus, SessionType


class Held(NamedTuple):
    """A held session and the London date it started on (a tuple: built 400,000 times a run)."""

    day: date
    type: SessionType
    session: SessionFacts


def _day(held: Held) -> date:
    return held.day


class SessionIndex:
    """Built once per run; lookups are by id, so nothing scans every session per person."""

    __slots__ = ("by_case", "by_month", "by_supervisee", "by_supervisor", "zone")

    def __init__(self, sessions: Iterable[SessionFacts], zone: ZoneInfo = LONDON) -> None:
        self.zone = zone
        by_supervisee: dict[int, list[Held]] = defaultdict(list)
        by_supervisor: dict[int, list[Held]] = defaultdict(list)
        by_case: dict[str, list[Held]] = defaultdict(list)
        # (month index, session type) -> supervisees: the monthly KPI is then a set union.
        by_month: dict[tuple[int, SessionType], set[int]] = defaultdict(set)
        held_status = SessionStatus.HELD
        for session in sessions:
            if session.status is not held_status:
                continue
            day = session.start.astimezone(zone).date()
            held = Held(day, session.type, session)
            ids = session.supervisee_ids
            for staff_id in ids:
                by_supervisee[staff_id].append(held)
            by_supervisor[session.supervisor_id].append(held)
            by_month[(day.year * 12 + day.month - 1, session.type)].update(ids)
            for ref in session.case_refs:
                by_case[ref].append(held)
        for table in (by_supervisee, by_supervisor, by_case):
            for items in table.values():
                items.sort(key=_day)
        self.by_supervisee, self.by_supervisor, self.by_case = by_supervisee, by_supervisor, by_case
        self.by_month = by_month

    def supervised_in_month(self, index: int, types: Collection[SessionType]) -> set[int]:
        """Supervisees with a held session of these types in the month with this index."""
        found: set[int] = set()
        for kind in types:
            found |= self.by_month.get((index, kind), set())
        return found

    def held(self, staff_id: int, types: Collection[SessionType], on: date) -> list[Held]:
        """Held sessions of these types with this supervisee, up to and including `on`."""
        return [h for h in self.by_supervisee.get(staff_id, ()) if h.type in types and h.day <= on]

    def last_day(self, staff_id: int, types: Collection[SessionType], on: date) -> date | None:
        days = [h.day for h in self.held(staff_id, types, on)]
        return last_on_or_before(days, on)

    def last_case_day(self, ref: str, types: Collection[SessionType], on: date) -> date | None:
        days = [h.day for h in self.by_case.get(ref, ()) if h.type in types and h.day <= on]
        return days[-1] if days else None
