"""Is a day fit for supervision: a working day of the council's nation, with both people in?
(issue 23 item 2). Pure: the dialogs say it in words and the pack says warn or refuse."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from policy.calendar import WorkingCalendar
from policy.facts import AbsenceFacts
from policy.packs.schema import Pack


@dataclass(frozen=True, slots=True)
class Unavailable:
    """Why `day` does not suit: a weekend, a bank holiday (named) or someone's absence."""

    kind: Literal["weekend", "bank_holiday", "absence"]
    day: date
    refused: bool  # the pack refuses such bookings (WorkingTime); otherwise a warning
    holiday: str | None = None
    staff_id: int | None = None
    start: date | None = None  # the absence, both ends inclusive
    end: date | None = None


def unavailable(
    day: date,
    pack: Pack,
    people: Iterable[int],
    absences: Iterable[AbsenceFacts],
    calendar: WorkingCalendar | None = None,
) -> list[Unavailable]:
    """Everything that makes `day` unfit for these people, day off first."""
    calendar = calendar or WorkingCalendar(pack.nation)
    rules = pack.working_time
    day_off = rules.non_working_day_bookings == "refuse"
    found: list[Unavailable] = []
    if (name := calendar.holiday_name(day)) is not None:
        found.append(Unavailable("bank_holiday", day, day_off, holiday=name))
    elif day.weekday() >= 5:
        found.append(Unavailable("weekend", day, day_off))
    wanted = list(dict.fromkeys(people))
    away: dict[int, AbsenceFacts] = {}
    for absence in absences:
        if absence.staff_id in wanted and absence.start <= day <= absence.end:
            # The longest stretch: "away until 2 January" rather than one of two entries.
            known = away.get(absence.staff_id)
            if known is None or absence.end > known.end:
                away[absence.staff_id] = absence
    refuse_absence = rules.absence_bookings == "refuse"
    for staff_id in wanted:
        if (longest := away.get(staff_id)) is not None:
            found.append(
                Unavailable(
                    "absence",
                    day,
                    refuse_absence,
                    staff_id=staff_id,
                    start=longest.start,
                    end=longest.end,
                )
            )
    return found
