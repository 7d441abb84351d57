"""Score a worker's caseload under a scheme on a date: exact points, each traced to its rule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from scoring.bands import classify, percent_of_capacity
from scoring.caps import CountCapPolicy, check_caps
from scoring.model import CaseFacts, CaseScore, Change, Score, ScoreLine, Workload
from scoring.personal import worker_level_lines
from scoring.plan import Plan, keep_highest, plan_for
from scoring.scheme_model import Award, Item, Scheme, Unit
from scoring.timing import Span, first_of_next_month, item_span, month_name, task_span
from scoring.vocabulary import AllocationRole

ZERO = Decimal(0)
ONE = Decimal(1)


def score(
    workload: Workload, scheme: Scheme, on: date, caps: CountCapPolicy | None = None
) -> Score:
    plan = plan_for(scheme)
    notes: list[str] = []
    changes: list[Change] = []
    cases = tuple(_score_case(c, scheme, plan, on, notes, changes) for c in workload.cases)
    case_points = sum((c.points for c in cases), ZERO)
    worker_lines = worker_level_lines(workload, scheme, plan, case_points, notes)
    personal_points = sum((line.points for line in worker_lines), ZERO)
    total = case_points + personal_points
    band = classify(scheme, workload.role, workload.grade, workload.fte, total)
    if band is None:
        notes.append(
            f"{scheme.id} has no capacity band for role {workload.role.value}"
            + (f" grade {workload.grade}" if workload.grade else "")
        )
    changes.sort(key=lambda change: (change.on, change.case_reference or "", change.item_id))
    return Score(
        scheme_id=scheme.id,
        scheme_name=scheme.name,
        on=on,
        role=workload.role,
        grade=workload.grade,
        fte=workload.fte,
        total=total,
        case_points=case_points,
        personal_points=personal_points,
        band=band,
        percent_of_capacity=percent_of_capacity(total, band),
        cases=cases,
        personal=worker_lines,
        changes=tuple(changes),
        caps=check_caps(caps, workload, on) if caps is not None else None,
        notes=tuple(notes),
    )


def _factor(case: CaseFacts, scheme: Scheme) -> tuple[Decimal, str]:
    if case.share is not None:
        return case.share, f"× {case.share} agreed share"
    joint = scheme.joint_working
    if case.allocation is AllocationRole.CO_WORKER:
        return joint.co_worker, f"× {joint.co_worker} co-worker ({joint.source})"
    if case.co_worked and joint.lead != ONE:
        return joint.lead, f"× {joint.lead} lead on a co-worked case ({joint.source})"
    return ONE, ""


def _score_case(
    case: CaseFacts,
    scheme: Scheme,
    plan: Plan,
    on: date,
    notes: list[str],
    changes: list[Change],
) -> CaseScore:
    ref = case.reference
    factor, factor_text = _factor(case, scheme)
    entries = plan.entries(case)
    if case.category not in scheme.categories:
        notes.append(f"{ref}: category {case.category.value} is not scored by {scheme.id}")
    closing_end: date | None = None
    closing_replace = False
    closure = scheme.closure
    if closure is not None and closure.date in case.dates:
        closing = case.dates[closure.date]
        closing_end = first_of_next_month(closing)
        if on >= closing_end:
            notes.append(
                f"{ref}: was to close in {month_name(closing)}; all its points are withdrawn "
                f"({closure.source})"
            )
            entries = ()
        elif on >= closing.replace(day=1):
            closing_replace = closure.replace
            text = f"points for {ref} end on {_day(closing_end, on)} (case to be closed)"
            changes.append(Change(closing_end, ref, closure.id, text, "close"))
    lines: list[ScoreLine] = []
    flags, choices, children = case.flags, case.choices, case.children
    for item, award in entries:
        if closing_replace and not item.closure:
            continue
        # the conditions of an item, inlined: this loop is the engine's hot path
        if item.flags and not item.flags <= flags:
            continue
        if item.unless_flags and not item.unless_flags.isdisjoint(flags):
            continue
        if item.choices and any(choices.get(k) not in v for k, v in item.choices.items()):
            continue
        if item.min_children is not None and children < item.min_children:
            continue
        if item.max_children is not None and children > item.max_children:
            continue
        if (award.unit is Unit.PER_TASK and not case.tasks) or (
            award.choice is not None and award.choice not in choices
        ):
            continue
        for points, detail, expires in _award(item, award, case, on, notes, changes):
            if item.cap is not None and points > item.cap.max_points:
                cap = item.cap
                if case.children > cap.min_children and cap.flags <= case.flags:
                    detail += f"; capped at {cap.max_points} ({cap.source})"
                    points = cap.max_points
            if factor != ONE:
                points *= factor
                detail = f"{detail} {factor_text}"
            if closing_end is not None and (expires is None or expires > closing_end):
                expires = closing_end
            lines.append(
                ScoreLine(ref, item.id, item.name, item.rule, item.source, points, detail, expires)
            )
            if expires is not None:
                text = f"{item.name} points for {ref} end on {_day(expires, on)}"
                changes.append(Change(expires, ref, item.id, text, "end", item.name))
    if scheme.group_limits and len(lines) > 1:
        # NOTTS 001:1864: no more than two additional items per household group
        lines, dropped = keep_highest(lines, dict(scheme.group_limits), plan.group_of)
        notes.extend(f"{ref}: {note}" for note in dropped)
    return CaseScore(
        reference=ref,
        category=case.category,
        children=case.children,
        allocation=case.allocation,
        factor=factor,
        points=sum((line.points for line in lines), ZERO),
        lines=tuple(lines),
    )


def _active(
    item: Item, case: CaseFacts, on: date, notes: list[str], changes: list[Change]
) -> tuple[bool, date | None]:
    """Whether any trigger holds on `on`, and when the last running one ends (None: open)."""
    if not item.active_if:
        return True, None
    active, open_ended, latest = False, False, on
    for trigger in item.active_if:
        if trigger.flag is not None:
            if trigger.flag in case.flags:
                active, open_ended = True, True
            continue
        assert trigger.window is not None
        span: Span | None = item_span(trigger.window, case.dates)
        if span is None:
            if item.choices and trigger.window.start is not None:
                notes.append(f"{case.reference}: {item.id} needs the date {trigger.window.start}")
            continue
        start, end = span
        if start > on:
            text = f"{item.name} points for {case.reference} start on {_day(start, on)}"
            changes.append(Change(start, case.reference, item.id, text, "start", item.name))
        elif end is None or on < end:
            active = True
            if end is None:
                open_ended = True
            elif end > latest:
                latest = end
    return active, (None if open_ended else latest)


def _award(
    item: Item, award: Award, case: CaseFacts, on: date, notes: list[str], changes: list[Change]
) -> list[tuple[Decimal, str, date | None]]:
    if award.unit is Unit.PER_TASK:
        return _task_awards(item, award, case, on, changes)
    active, expires = _active(item, case, on, notes, changes)
    if not active:
        return []
    n = case.children
    match award.unit:
        case Unit.PER_CASE:
            return [(award.points, f"{award.points} per case", expires)]
        case Unit.PER_CHILD:
            return [(award.points * n, f"{n} × {award.points} per child", expires)]
        case Unit.HOUSEHOLD:
            # NOTTS 001:1741-1745: first child column A, each other child column B
            points = award.first + award.additional * (n - 1)
            detail = f"1 × {award.first} first child + {n - 1} × {award.additional} other children"
            return [(points, detail, expires)]
        case Unit.BY_CHILDREN:
            for tier in award.tiers:
                if tier.max_children is None or n <= tier.max_children:
                    return [(tier.points, f"{tier.points} for a family of {n}", expires)]
            return []
        case _:
            value = case.choices.get(award.choice or "")
            if value is None or value not in award.options:
                return []
            return [(award.options[value], f"{item.name}: {award.labels[value]}", expires)]


def _task_awards(
    item: Item, award: Award, case: CaseFacts, on: date, changes: list[Change]
) -> list[tuple[Decimal, str, date | None]]:
    out: list[tuple[Decimal, str, date | None]] = []
    for task in case.tasks:
        if task.kind != award.task:
            continue
        start, end = task_span(item.task_limit, task)
        if start > on:
            text = f"{item.name} points for {case.reference} start on {_day(start, on)}"
            changes.append(Change(start, case.reference, item.id, text, "start", item.name))
            continue
        if end is not None and on >= end:
            continue
        points = award.points
        detail = f"{award.points} per task from {task.start.isoformat()}"
        if award.up_to and task.points is not None:
            points = min(task.points, award.points)
            detail = f"agreed {points} (up to {award.points}) per task from {task.start}"
        elif award.up_to:
            detail += f" (up to {award.points}; no agreed value recorded, maximum used)"
        out.append((points, detail, end))
    return out


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _day(when: date, on: date) -> str:
    text = f"{when.day} {_MONTHS[when.month - 1]}"
    return text if when.year == on.year else f"{text} {when.year}"
