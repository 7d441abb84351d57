"""Small builders for scoring tests: cases, workloads and the points one item gives."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

from scoring.engine import score
from scoring.model import CaseFacts, PersonalElement, Score, Task, Workload
from scoring.schemes import builtin_scheme
from scoring.vocabulary import AllocationRole, CaseCategory, StaffRole

ON = date(2024, 11, 20)


def D(value: str | int) -> Decimal:
    return Decimal(str(value))


def case(
    category: str = "cp",
    children: int = 1,
    *,
    reference: str = "C-1042",
    flags: Iterable[str] = (),
    dates: Mapping[str, date] | None = None,
    choices: Mapping[str, str] | None = None,
    tasks: Iterable[Task] = (),
    allocation: str = "lead",
    co_worked: bool = False,
    share: str | None = None,
) -> CaseFacts:
    return CaseFacts(
        reference=reference,
        category=CaseCategory(category),
        children=children,
        allocation=AllocationRole(allocation),
        co_worked=co_worked,
        share=None if share is None else Decimal(share),
        flags=frozenset(flags),
        dates=dict(dates or {}),
        choices=dict(choices or {}),
        tasks=tuple(tasks),
    )


def task(kind: str, start: date, end: date | None = None, points: str | None = None) -> Task:
    return Task(kind, start, end, None if points is None else Decimal(points))


def workload(
    *cases: CaseFacts,
    role: str = "social_worker",
    grade: str | None = None,
    fte: str = "1",
    personal: Iterable[tuple[str, str] | tuple[str, str, str]] = (),
) -> Workload:
    elements = tuple(
        PersonalElement(p[0], Decimal(p[1]), Decimal(p[2]) if len(p) == 3 else None)
        for p in personal
    )
    return Workload(
        role=StaffRole(role), grade=grade, fte=Decimal(fte), personal=elements, cases=cases
    )


def run(scheme_id: str, *cases: CaseFacts, on: date = ON, **kwargs: object) -> Score:
    return score(workload(*cases, **kwargs), builtin_scheme(scheme_id), on)  # type: ignore[arg-type]


def item_points(scheme_id: str, one_case: CaseFacts, item_id: str, on: date = ON) -> Decimal | None:
    """The points one item gives one case (None when the item does not apply)."""
    result = run(scheme_id, one_case, on=on)
    lines = [line for line in result.cases[0].lines if line.item_id == item_id]
    return sum((line.points for line in lines), Decimal(0)) if lines else None


def personal_points(
    scheme_id: str, item_id: str, *personal: tuple[str, ...], **kw: object
) -> Decimal | None:
    result = run(scheme_id, personal=personal, **kw)
    lines = [line for line in result.personal if line.item_id == item_id]
    return sum((line.points for line in lines), Decimal(0)) if lines else None
