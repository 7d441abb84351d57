"""Per-child case supervision clocks: the interval for the child's status, NQSW overrides."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from policy.calendar import WorkingCalendar
from policy.facts import CaseFacts, StaffFacts
from policy.frequencies import DueItem, adjust, overdue_days
from policy.history import SessionIndex
from policy.packs.schema import CaseSupervision, DueDateAdjustment
from scoring.vocabulary import StaffRole


def case_due(
    case: CaseFacts,
    rules: CaseSupervision,
    nqsw: bool,
    last: date | None,
) -> tuple[date, str | None] | None:
    """Due date and source for one case, or None when the pack sets no interval for its status."""
    interval = next((i for i in rules.intervals if i.category == case.category), None)
    if interval is None:
        return None
    weeks, source = interval.weeks, interval.source
    # LAM 004:265: an NQSW on the ASYE has case management supervision at least every 4 weeks;
    # the shorter of that and the case type's interval applies.
    if nqsw and rules.nqsw_override is not None and rules.nqsw_override.weeks < weeks:
        weeks, source = rules.nqsw_override.weeks, rules.nqsw_override.source
    start = last or case.opened
    # A child whose category changed is on the new category's interval from the change: a
    # child made subject to a CP plan yesterday is not overdue for the weeks before it (LAM
    # 004:257-262 set the interval by the child's status; issue 20 item 11). A discussion
    # since the change starts the clock as any discussion does.
    if case.category_since is not None and case.category_since > start:
        start = case.category_since
    due = start + timedelta(weeks=weeks)
    extension = rules.matched_stable_extension
    # LAM 3.1 (004:260): matched, stable CLA placements may have an SM-agreed extension.
    if (
        extension is not None
        and extension.allowed
        and case.category in extension.categories
        and case.matched_stable_extension_until is not None
        and case.matched_stable_extension_until > due
    ):
        due, source = case.matched_stable_extension_until, extension.source
    return due, source


def case_items(
    worker: StaffFacts,
    rules: CaseSupervision,
    cases: Iterable[CaseFacts],
    history: SessionIndex,
    on: date,
    in_asye: bool,
    adjustment: DueDateAdjustment,
    calendar: WorkingCalendar,
) -> list[DueItem]:
    """One item per open case of this worker that the pack gives a supervision interval."""
    nqsw = in_asye or worker.role is StaffRole.NQSW
    items = []
    for case in cases:
        if case.worker_id != worker.id or not case.open_on(on):
            continue
        recorded = history.last_case_day(case.reference, rules.satisfied_by, on)
        known = [d for d in (case.last_case_supervision, recorded) if d is not None and d <= on]
        last = max(known) if known else None
        if last is None and worker.known_from is not None and worker.known_from > case.opened:
            # A child with no discussion on record from before go-live: unknown, so the clock
            # starts at go-live, not at a 2019 opening (issue 23 item 1).
            last = worker.known_from
        found = case_due(case, rules, nqsw, last)
        if found is None:
            continue
        due = adjust(found[0], adjustment, calendar)
        items.append(
            DueItem(
                "case_supervision",
                f"Case supervision for {case.reference} ({case.category.value})",
                worker.id,
                due,
                overdue_days(due, on),
                found[1],
                case_reference=case.reference,
            )
        )
    return items
