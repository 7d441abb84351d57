"""The ASYE schedule: weekly, fortnightly, then monthly supervision, the reviews, the whole plan."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from policy.calendar import WorkingCalendar, add_months
from policy.citations import cite
from policy.facts import StaffFacts
from policy.frequencies import Absences, DueItem, adjust, overdue_days
from policy.history import Held
from policy.packs.schema import Asye, DueDateAdjustment, Pack
from policy.vocabulary import SessionType

NO_PROGRAMME = "Your council's policy pack sets no early-career supervision programme."


def early_career_unset(pack: Pack, word: Callable[[str], str] = str) -> str:
    """What people are told where the pack sets no early-career programme (`asye: null`), with
    the clause as people can look it up: never another nation's rules (issue 25 item 7).
    `word`: the words in the reader's language (issue 28: dialogs.i18n.pack_word)."""
    if pack.early_career is None:
        return word(NO_PROGRAMME)
    where = cite(pack, pack.early_career.source)
    return word(pack.early_career.value) + (f" ({where})" if where else "")


def in_asye(staff: StaffFacts, asye: Asye | None, on: date) -> bool:
    return asye_on(asye, staff.asye_start, on)


def asye_on(asye: Asye | None, asye_start: date | None, on: date) -> bool:
    """Whether someone who started the ASYE on `asye_start` is on it on `on`."""
    if asye is None or asye_start is None:
        return False
    return asye_start <= on < add_months(asye_start, asye.duration_months)


def short_asye_session(
    asye: Asye | None, asye_start: date | None, kind: SessionType, day: date, minutes: int
) -> str | None:
    """Why an ASYE supervision session of `minutes` on `day` is flagged, or None. LAM 004:317:
    supervision is "up to 1½ hours duration of uninterrupted time": a shorter session is booked
    and recorded (it still counts), and flagged in the booking, the record and the digest."""
    if asye is None or kind not in asye.satisfied_by or not asye_on(asye, asye_start, day):
        return None
    if minutes >= asye.session_minutes:
        return None
    wording = asye.session_wording
    expected = wording.value if wording else f"{asye.session_minutes} minutes"
    cited = (wording.source if wording else None) or asye.source
    return f"{minutes} minutes, shorter than ASYE supervision: {expected}" + (
        f" ({cited})" if cited else ""
    )


class AsyeStep(StrEnum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"
    REVIEW = "review"


@dataclass(frozen=True, slots=True)
class PlannedStep:
    """One session or review of the ASYE plan, due on a working day, in the pack's words."""

    step: AsyeStep
    number: int  # 1-based within its step; a review's number is its month (LAM 004:319)
    due: date
    label: str


def review_held_as(start: date, asye: Asye, day: date) -> int:
    """Which review (its month) a review held on `day` is: the latest one whose date is at most
    `review_early_months` away. By date, not by how many were held before (LAM 004:319: "3, 6
    and 9 with the final review 11 months post starting"), so a missed review stays missed."""
    found = asye.review_months[0]
    for months in asye.review_months[1:]:
        if day >= add_months(start, months - asye.review_early_months):
            found = months
    return found


def reviews_held(start: date, asye: Asye, days: Sequence[date]) -> dict[int, date]:
    """The reviews held (by month), each with the first day it was held."""
    held: dict[int, date] = {}
    for day in sorted(days):
        held.setdefault(review_held_as(start, asye, day), day)
    return held


def review_owed(start: date, asye: Asye, held: Mapping[int, date], on: date) -> int | None:
    """The review owed on `on` (its month), or None once the final one is held: the latest
    after the last held whose window has opened (a review held today would count as it), else
    the next to come. A review passed over is missed, not owed (LAM 004:319)."""
    last = max(held, default=0)
    after = [m for m in asye.review_months if m > last]
    if not after:
        return None
    opened = [m for m in after[1:] if on >= add_months(start, m - asye.review_early_months)]
    return opened[-1] if opened else after[0]


def monthly_from(start: date, asye: Asye, held: Mapping[int, date]) -> date | None:
    """From when supervision may be monthly: the day the 6-month review was held (LAM 004:268
    "Progress to Monthly ... upon successful completion of probation and 6 months ASYE review"),
    or a later one was; without the review rule, `fortnightly_until_month` months in."""
    if not asye.monthly_requires_review:
        return add_months(start, asye.fortnightly_until_month)
    days = [day for months, day in held.items() if months >= asye.fortnightly_until_month]
    return min(days) if days else None


def next_session(
    start: date, asye: Asye, sessions: Sequence[date], monthly: date | None
) -> tuple[date, AsyeStep]:
    """LAM 3.3 (004:317): "weekly for the first 6 weeks; fortnightly up to the 6 month review
    and at least monthly thereafter". Weekly until `weekly_weeks` sessions are held or the weeks
    are over; a fortnightly session that would fall after the day monthly began is monthly."""
    if not sessions:
        return start + timedelta(weeks=1), AsyeStep.WEEKLY
    anchor = sessions[-1]
    if len(sessions) < asye.weekly_weeks and anchor < start + timedelta(weeks=asye.weekly_weeks):
        return anchor + timedelta(weeks=1), AsyeStep.WEEKLY
    fortnight = anchor + timedelta(weeks=2)
    if monthly is not None and fortnight > monthly:
        return add_months(anchor, 1), AsyeStep.MONTHLY
    return fortnight, AsyeStep.FORTNIGHTLY


def supervision_due(
    start: date, asye: Asye, sessions: Sequence[date], reviews: Sequence[date]
) -> date:
    """When the next ASYE supervision is due after `sessions` and `reviews` (days held)."""
    return next_session(
        start, asye, sessions, monthly_from(start, asye, reviews_held(start, asye, reviews))
    )[0]


def asye_plan(
    start: date, asye: Asye, adjustment: DueDateAdjustment, calendar: WorkingCalendar
) -> tuple[PlannedStep, ...]:
    """The whole ASYE from `start`: every supervision and review, each due on a working day
    (the pack's due-date adjustment), as `asye_items` asks for them when each is held on its
    day (LAM 004:268,317,319). Without absences: a plan, not a clock."""
    end = add_months(start, asye.duration_months)
    labels = asye.labels
    final = asye.review_months[-1]
    reviews = {
        months: adjust(add_months(start, months), adjustment, calendar)
        for months in asye.review_months
    }
    steps = [
        PlannedStep(AsyeStep.REVIEW, months, day, labels.review_label(months, months == final))
        for months, day in reviews.items()
    ]
    monthly = monthly_from(start, asye, reviews)
    words = {
        AsyeStep.WEEKLY: labels.weekly,
        AsyeStep.FORTNIGHTLY: labels.fortnightly,
        AsyeStep.MONTHLY: labels.monthly,
    }
    counts: dict[AsyeStep, int] = {}
    held: list[date] = []
    while True:
        raw, step = next_session(start, asye, held, monthly)
        due = adjust(raw, adjustment, calendar)
        if due >= end:
            break
        counts[step] = counts.get(step, 0) + 1
        steps.append(PlannedStep(step, counts[step], due, words[step]))
        held.append(due)
    steps.sort(key=lambda s: (s.due, s.step is AsyeStep.REVIEW))
    return tuple(steps)


def asye_items(
    staff: StaffFacts, asye: Asye, held: Sequence[Held], absences: Absences, on: date
) -> list[DueItem]:
    """Due supervision and the review owed for someone on the ASYE on `on`."""
    start = staff.asye_start
    if start is None or not in_asye(staff, asye, on):
        return []
    since = [h for h in held if start <= h.day <= on]
    reviews = reviews_held(start, asye, [h.day for h in since if h.type is SessionType.ASYE_REVIEW])
    sessions = [h.day for h in since if h.type in asye.satisfied_by]
    anchor = sessions[-1] if sessions else start
    due = absences.extend(
        anchor, next_session(start, asye, sessions, monthly_from(start, asye, reviews))[0]
    )
    items = [
        DueItem(
            "asye_supervision",
            f"ASYE supervision ({asye.session_minutes} minutes)",
            staff.id,
            due,
            overdue_days(due, on),
            asye.source,
        )
    ]
    # LAM 004:319: reviews at 3, 6 and 9 months, the final review 11 months after starting.
    months = review_owed(start, asye, reviews, on)
    if months is not None:
        review_due = add_months(start, months)
        items.append(
            DueItem(
                "asye_review",
                asye.labels.review_label(months, months == asye.review_months[-1]),
                staff.id,
                review_due,
                overdue_days(review_due, on),
                asye.source,
            )
        )
    return items


def short_asye_sessions(staff: StaffFacts, asye: Asye, held: Sequence[Held]) -> list[int]:
    """Ids of ASYE supervision sessions shorter than the pack's expected length (LAM 004:317)."""
    return [
        h.session.id
        for h in held
        if short_asye_session(asye, staff.asye_start, h.type, h.day, h.session.minutes)
    ]
