"""What a staff member owes on a date under their council's pack, and how late each item is."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from policy.asye import asye_items, in_asye
from policy.calendar import WorkingCalendar, add_months, local_date, month_end
from policy.case_supervision import case_items
from policy.facts import AbsenceFacts, CaseFacts, SessionFacts, StaffFacts
from policy.frequencies import Absences, DueItem, adjust, missed_months, next_due, overdue_days
from policy.history import Held, SessionIndex
from policy.packs.schema import Frequency, Pack
from policy.recording import record_items


def periodic_rules(pack: Pack) -> tuple[Frequency, ...]:
    """Every recurring rule: supervision, agreement, My Plan, file audits, caseload analysis."""
    extra = (
        pack.supervision.agreement_review,  # LAM 004:385: reviewed twice a year
        pack.supervision.my_plan,  # DCC 000:81: My Plan twice yearly
        pack.supervision.file_audit,  # DCC 000:172: District Managers audit files 6-monthly
        pack.caseload.analysis,  # WSX/LUT 001:86: caseload analysis at least every 12 weeks
    )
    return (*pack.supervision.frequencies, *(rule for rule in extra if rule is not None))


def absences_for(staff: StaffFacts, pack: Pack, absences: Iterable[AbsenceFacts]) -> Absences:
    exclusion = pack.compliance.absence_exclusion
    mine = [a for a in absences if a.staff_id == staff.id]
    return Absences(staff, mine, exclusion.days if exclusion else None)


def due_items(
    staff: StaffFacts,
    pack: Pack,
    sessions: Iterable[SessionFacts] | SessionIndex,
    absences: Iterable[AbsenceFacts],
    cases: Sequence[CaseFacts],
    on: date,
    calendar: WorkingCalendar | None = None,
    *,
    close_months: bool = True,
) -> list[DueItem]:
    """Everything `staff` owes on `on`, soonest first. Pass a SessionIndex to reuse one.
    A calendar month that ended unmet before `on`'s month has closed and the next is due
    (next_due); `close_months=False` keeps it due, to ask whether a session on `on` would be
    in time for it (POWYS 002:45: not, once past the month's cut-off)."""
    if not staff.in_post(on):
        return []
    calendar = calendar or WorkingCalendar(pack.nation)
    history = sessions if isinstance(sessions, SessionIndex) else SessionIndex(sessions, pack.zone)
    away = absences_for(staff, pack, absences)
    held = [h for h in history.by_supervisee.get(staff.id, ()) if staff.start_date <= h.day <= on]
    asye_now = in_asye(staff, pack.asye, on)
    holds_cases = any(c.worker_id == staff.id and c.open_on(on) for c in cases)
    adjustment = pack.supervision.due_date_adjustment

    items: list[DueItem] = []
    for rule in periodic_rules(pack):
        if not rule.applies(staff.role, asye_now, holds_cases):
            continue
        if not _in_first_months(rule, staff, on):
            continue
        days = [h.day for h in held if h.type in rule.satisfied_by]
        anchor = days[-1] if days else staff.clock_start
        due = adjust(
            next_due(
                rule.period, rule.interval, anchor, bool(days), away, on if close_months else None
            ),
            adjustment,
            calendar,
        )
        items.append(
            DueItem(
                rule.obligation, rule.description, staff.id, due, overdue_days(due, on), rule.source
            )
        )
    if asye_now and pack.asye is not None:
        for item in asye_items(staff, pack.asye, held, away, on):
            asye_due = adjust(item.due, adjustment, calendar) if item.due else None
            items.append(
                DueItem(
                    item.kind,
                    item.description,
                    item.staff_id,
                    asye_due,
                    overdue_days(asye_due, on),
                    item.source,
                )
            )
    observation = _observation_item(staff, pack, held, items, asye_now)
    if observation is not None:
        items.append(
            DueItem(
                *observation[:3], observation[3], overdue_days(observation[3], on), observation[4]
            )
        )
    if pack.case_supervision is not None:
        items += case_items(
            staff, pack.case_supervision, cases, history, on, asye_now, adjustment, calendar
        )
    mine = {h.session.id: h.session for h in history.by_supervisor.get(staff.id, ())}
    mine.update({h.session.id: h.session for h in held})
    if staff.known_from is not None:
        # Sessions imported from before go-live say when supervision happened; whether their
        # records were written or signed on time was never ours to know (issue 23 item 1).
        known = staff.known_from
        mine = {k: s for k, s in mine.items() if local_date(s.start, pack.zone) >= known}
    items += record_items(mine.values(), staff.id, pack, calendar, on)
    if staff.known_from is not None:
        items = [_not_before(item, staff.known_from, on) for item in items]
    items.sort(key=lambda i: (i.due or date.max, i.kind, i.case_reference or ""))
    return items


def _in_first_months(rule: Frequency, staff: StaffFacts, on: date) -> bool:
    """Whether a rule for someone's first months in post (DCC 000:89) still holds on `on`."""
    return rule.first_months is None or on < add_months(staff.start_date, rule.first_months)


def _not_before(item: DueItem, known_from: date, on: date) -> DueItem:
    """Nothing falls due before go-live: what history says was already late on the day is due
    on go-live day, and late from the day after (issue 23 item 1)."""
    if item.due is None or item.due >= known_from:
        return item
    return replace(item, due=known_from, overdue_days=overdue_days(known_from, on))


# "What's due" lists the months missed this many calendar months back (DCC 000:174-176); the
# scheduler keeps the same months beside each person's obligations (issue 24 item 1).
MISSED_MONTHS_LISTED = 3


def missed_since(on: date) -> date:
    """The first month whose miss is listed on `on`."""
    return add_months(on.replace(day=1), -MISSED_MONTHS_LISTED)


@dataclass(frozen=True, slots=True)
class MissedMonth:
    """A calendar month that closed with a periodic rule unmet (DCC 000:174-176)."""

    staff_id: int
    obligation: str
    description: str
    month: date  # its first day
    source: str | None


def missed_supervision(
    staff: StaffFacts,
    pack: Pack,
    sessions: Iterable[SessionFacts] | SessionIndex,
    absences: Iterable[AbsenceFacts],
    cases: Sequence[CaseFacts],
    on: date,
    since: date | None = None,
) -> list[MissedMonth]:
    """The calendar months, since the last session that met each calendar-month rule (or the
    start date) and from `since`, that closed before `on`'s month with nothing held: recorded
    as missed, while due_items has moved on to the month now open (DCC 000:174-176, POWYS
    002:45). A month the rule did not fall due in (POWYS 002:33 absence) is not missed."""
    if not staff.in_post(on):
        return []
    history = sessions if isinstance(sessions, SessionIndex) else SessionIndex(sessions, pack.zone)
    away = absences_for(staff, pack, absences)
    held = [h for h in history.by_supervisee.get(staff.id, ()) if staff.start_date <= h.day <= on]
    asye_now = in_asye(staff, pack.asye, on)
    holds_cases = any(c.worker_id == staff.id and c.open_on(on) for c in cases)
    found: list[MissedMonth] = []
    for rule in periodic_rules(pack):
        if rule.period != "calendar_month" or not rule.applies(staff.role, asye_now, holds_cases):
            continue
        if not _in_first_months(rule, staff, on):
            continue
        days = [h.day for h in held if h.type in rule.satisfied_by]
        anchor = days[-1] if days else staff.clock_start
        # A month before go-live is unknown, not missed: nothing was recorded here then.
        floor = max((d for d in (since, staff.known_from) if d is not None), default=None)
        for month in missed_months(rule.period, rule.interval, anchor, bool(days), away, on):
            if floor is None or month >= floor.replace(day=1):
                found.append(
                    MissedMonth(staff.id, rule.obligation, rule.description, month, rule.source)
                )
    return found


def _observation_item(
    staff: StaffFacts, pack: Pack, held: Sequence[Held], items: Sequence[DueItem], asye_now: bool
) -> tuple[str, str, int, date, str | None] | None:
    """LAM 004:218: one in three professional supervisions is a direct observation of practice.
    Due with the next professional session once the count since the last observation says so."""
    rule = pack.supervision.direct_observation
    if rule is None or (rule.roles is not None and staff.role not in rule.roles):
        return None
    since = 0
    for h in held:
        if h.type in rule.satisfied_by:
            since = 0
        elif h.type in rule.counted:
            since += 1
    if since < rule.every_nth - 1:
        return None
    carriers = {
        r.obligation for r in periodic_rules(pack) if set(r.satisfied_by) & set(rule.counted)
    }
    if asye_now and pack.asye is not None and set(pack.asye.satisfied_by) & set(rule.counted):
        carriers.add("asye_supervision")
    dues = [i.due for i in items if i.kind in carriers and i.due is not None]
    if not dues:
        return None
    description = f"Direct observation of practice ({since} professional sessions since the last)"
    return ("direct_observation", description, staff.id, min(dues), rule.source)


def history_window(pack: Pack) -> timedelta:
    """How far back the due items read held sessions in full. Older history matters only through
    each person's last session of each type and each child's last discussion, which are read on
    their own (storage), so the cost of a recompute does not grow with years of use. Long enough
    for the ASYE year (LAM 004:317), a direct observation cycle (LAM 004:218) and the longest
    periodic rule (DCC 000:81 six-monthly My Plan; WSX/LUT 001:86 12-weekly analysis)."""
    days = 400
    if pack.asye is not None:
        days = max(days, 31 * (pack.asye.duration_months + 1))
    return timedelta(days=days)


def stable_until(
    staff: StaffFacts,
    pack: Pack,
    history: SessionIndex,
    cases: Sequence[CaseFacts],
    later_case_changes: Iterable[date],
    on: date,
    horizon: date,
    items: Sequence[DueItem] = (),
) -> date:
    """The first day after `on` on which `due_items` may answer differently for `staff` with no
    fact changing: someone starts or leaves, the ASYE year begins or ends or a review's window
    opens, a held session's day comes, a case opens or closes or an allocation starts or ends,
    or the calendar month of one of `items` (due_items on `on`) closes. Until then only each
    item's days overdue move, and those are counted when read. `horizon` bounds the answer (a
    safety net: everyone is recomputed from scratch now and then)."""
    days: list[date] = [horizon]
    days.append(staff.start_date)
    if staff.known_from is not None:
        days.append(staff.known_from)  # nothing falls due before it (_not_before)
    monthly = {r.obligation for r in periodic_rules(pack) if r.period == "calendar_month"}
    for item in items:
        if item.kind in monthly and item.due is not None:
            # A month without its supervision closes at its end (next_due): the next opens.
            # The due date is the month's end moved a few days at most to a working day
            # (either way), so the month is the one a week before it ends in.
            days.append(month_end(item.due - timedelta(days=7)) + timedelta(days=1))
    if staff.leaving_date is not None:
        days.append(staff.leaving_date + timedelta(days=1))
    for rule in periodic_rules(pack):
        if rule.first_months is not None:  # DCC 000:89: the first months' rule ends
            days.append(add_months(staff.start_date, rule.first_months))
    if pack.asye is not None and staff.asye_start is not None:
        days += [staff.asye_start, add_months(staff.asye_start, pack.asye.duration_months)]
        # LAM 004:319: the review owed moves on as each review's window opens (asye.review_owed).
        early = pack.asye.review_early_months
        days += [add_months(staff.asye_start, m - early) for m in pack.asye.review_months]
    for table in (history.by_supervisee, history.by_supervisor):
        for held in table.get(staff.id, ()):
            days += [held.day, local_date(held.session.end, pack.zone)]
    for case in cases:
        if case.worker_id != staff.id:
            continue
        days.append(case.opened)
        if case.closed is not None:
            days.append(case.closed)
        if case.last_case_supervision is not None:
            days.append(case.last_case_supervision)
        days += [held.day for held in history.by_case.get(case.reference, ())]
    days += later_case_changes
    return min(day for day in days if day > on)
