"""The ASYE schedule: supervision weekly, then fortnightly, then monthly, and the ASYE reviews."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from policy.calendar import add_months
from policy.facts import StaffFacts
from policy.frequencies import Absences, DueItem, overdue_days
from policy.history import Held
from policy.packs.schema import Asye
from policy.vocabulary import SessionType


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


def monthly_from(start: date, asye: Asye, reviews: Sequence[date]) -> date | None:
    """When supervision may drop to monthly: at the 6-month review (LAM 004:268), once held."""
    due = add_months(start, asye.fortnightly_until_month)
    if not asye.monthly_requires_review:
        return due
    # LAM 004:268: monthly only "upon successful completion of probation and 6 months ASYE review";
    # a review held up to a month early counts as the 6-month review.
    window = add_months(start, asye.fortnightly_until_month - 1)
    held = [day for day in reviews if day >= window]
    return max(due, held[0]) if held else None


def supervision_due(start: date, asye: Asye, anchor: date | None, reviews: Sequence[date]) -> date:
    """LAM 3.3 (004:317): weekly for the first 6 weeks, fortnightly to the 6-month review, then
    at least monthly. The interval in force on the last session's date sets the next due date."""
    if anchor is None:
        return start + timedelta(weeks=1)
    if anchor < start + timedelta(weeks=asye.weekly_weeks):
        return anchor + timedelta(weeks=1)
    monthly = monthly_from(start, asye, reviews)
    if monthly is not None and anchor >= monthly:
        return add_months(anchor, 1)
    return anchor + timedelta(weeks=2)


def asye_items(
    staff: StaffFacts, asye: Asye, held: Sequence[Held], absences: Absences, on: date
) -> list[DueItem]:
    """Due supervision and the next ASYE review for someone on the ASYE on `on`."""
    start = staff.asye_start
    if start is None or not in_asye(staff, asye, on):
        return []
    since = [h for h in held if start <= h.day <= on]
    reviews = [h.day for h in since if h.type is SessionType.ASYE_REVIEW]
    sessions = [h.day for h in since if h.type in asye.satisfied_by]
    anchor = sessions[-1] if sessions else None
    due = absences.extend(anchor or start, supervision_due(start, asye, anchor, reviews))
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
    if len(reviews) < len(asye.review_months):
        months = asye.review_months[len(reviews)]
        review_due = add_months(start, months)
        items.append(
            DueItem(
                "asye_review",
                f"ASYE {months}-month review",
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
