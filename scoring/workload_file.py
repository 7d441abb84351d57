"""Read a workload file (JSON or YAML): a worker's role, grade, FTE, personal elements and cases."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from scoring.document import DataFileError, Doc, read_file
from scoring.model import CaseFacts, OverCapApproval, PersonalElement, Task, Workload
from scoring.scheme_model import Scheme, Unit
from scoring.vocabulary import AllocationRole, CaseCategory, StaffRole

# Case references only, never names (HOUSE_STYLE; storage.models.cases): "C-1042", Mosaic ids.
_REFERENCE = re.compile(r"^(?=.*\d)[A-Za-z0-9][A-Za-z0-9/_.:-]{0,63}$")
_TOP = (
    *("role", "grade", "fte", "asye_start", "team_caseload", "personal", "over_cap_approvals"),
    "cases",
)
_CASE = ("reference", "category", "children", "allocation", "co_worked", "share", "facts", "tasks")


T = TypeVar("T", StaffRole, CaseCategory, AllocationRole)


class WorkloadFileError(DataFileError):
    """A workload file that cannot be scored; names the file, field, value and problem."""


def load_workload(path: Path | str, scheme: Scheme | None = None) -> Workload:
    """Parse a workload file; with a scheme, also check its facts are ones the scheme reads."""
    doc = read_file(Path(path), WorkloadFileError)
    return parse_workload(doc, scheme)


def _choose(doc: Doc, enum: type[T]) -> T:
    raw = doc.text()
    try:
        return enum(raw)
    except ValueError:
        known = ", ".join(m.value for m in enum)
        raise doc.fail(f"{raw!r} is not known; expected one of: {known}") from None


def parse_workload(doc: Doc, scheme: Scheme | None = None) -> Workload:
    top = doc.mapping(_TOP, ("role", "cases"))
    fte = top["fte"].decimal() if "fte" in top else Decimal(1)
    if not Decimal(0) < fte <= Decimal(1):
        raise top["fte"].fail(f"{fte} is not an FTE; give a number above 0 and at most 1")
    personal = (
        tuple(_personal(d, scheme) for d in top["personal"].items()) if ("personal" in top) else ()
    )
    cases = tuple(_case(d, scheme) for d in top["cases"].items())
    seen: dict[str, Doc] = {}
    for case_doc, case in zip(top["cases"].items(), cases, strict=True):
        if case.reference in seen:
            raise case_doc.fail(f"the case {case.reference} is listed twice")
        seen[case.reference] = case_doc
    return Workload(
        role=_choose(top["role"], StaffRole),
        grade=top["grade"].text() if "grade" in top and not top["grade"].is_null() else None,
        fte=fte,
        personal=personal,
        cases=cases,
        asye_start=top["asye_start"].date() if "asye_start" in top else None,
        team_caseload=top["team_caseload"].decimal() if "team_caseload" in top else None,
        over_cap_approvals=tuple(_approval(d) for d in top["over_cap_approvals"].items())
        if "over_cap_approvals" in top
        else (),
    )


def _personal(doc: Doc, scheme: Scheme | None) -> PersonalElement:
    keys = doc.mapping(("id", "quantity", "points"), ("id",))
    element = PersonalElement(
        id=keys["id"].text(),
        quantity=keys["quantity"].decimal() if "quantity" in keys else Decimal(1),
        points=keys["points"].decimal() if "points" in keys else None,
    )
    if scheme is not None:
        known = {p.id: p for p in scheme.personal if not p.fixed}
        item = known.get(element.id)
        if item is None:
            names = ", ".join(sorted(known)) or "none"
            raise keys["id"].fail(
                f"{element.id!r} is not a personal element of {scheme.id}; known: {names}"
            )
        if element.points is not None and (not item.up_to or element.points > item.points):
            limit = f"at most {item.points}" if item.up_to else f"fixed at {item.points}"
            raise keys["points"].fail(f"{element.points}: {item.id} points are {limit}")
    return element


def _approval(doc: Doc) -> OverCapApproval:
    keys = doc.mapping(("start", "end", "approver", "reason"), ("start", "end"))
    start, end = keys["start"].date(), keys["end"].date()
    if end < start:
        raise keys["end"].fail(f"{end} is before the start {start}")
    return OverCapApproval(
        start=start,
        end=end,
        approver=keys["approver"].text() if "approver" in keys else "",
        reason=keys["reason"].text() if "reason" in keys else "",
    )


def _case(doc: Doc, scheme: Scheme | None) -> CaseFacts:
    keys = doc.mapping(_CASE, ("reference", "category"))
    reference = keys["reference"].text()
    if not _REFERENCE.match(reference):
        raise keys["reference"].fail(
            f"{reference!r} is not a case reference; use the case system's id (e.g. C-1042), "
            "never a child's name"
        )
    flags: set[str] = set()
    dates: dict[str, date] = {}
    choices: dict[str, str] = {}
    for name, value in keys["facts"].mapping().items() if "facts" in keys else []:
        kind = value.kind()
        if kind == "bool":
            if value.boolean():
                flags.add(name)
        elif kind == "date":
            dates[name] = value.date()
        elif kind == "text":
            choices[name] = value.text()
        else:
            raise value.fail("a fact is true/false, a date (YYYY-MM-DD) or a chosen option")
        if scheme is not None:
            problem = fact_problem(scheme, kind, name, value.scalar())
            if problem:
                raise value.fail(problem)
    tasks = tuple(_task(d, scheme) for d in keys["tasks"].items()) if "tasks" in keys else ()
    share = keys["share"].decimal() if "share" in keys else None
    if share is not None and share > 1:
        raise keys["share"].fail(f"{share} is not a share; give a proportion from 0 to 1")
    return CaseFacts(
        reference=reference,
        category=_choose(keys["category"], CaseCategory),
        children=keys["children"].integer(1) if "children" in keys else 1,
        allocation=_choose(keys["allocation"], AllocationRole)
        if "allocation" in keys
        else AllocationRole.LEAD,
        co_worked=keys["co_worked"].boolean() if "co_worked" in keys else False,
        share=share,
        flags=frozenset(flags),
        dates=dates,
        choices=choices,
        tasks=tasks,
    )


def _task(doc: Doc, scheme: Scheme | None) -> Task:
    keys = doc.mapping(("kind", "start", "end", "points"), ("kind", "start"))
    task = Task(
        kind=keys["kind"].text(),
        start=keys["start"].date(),
        end=keys["end"].date() if "end" in keys else None,
        points=keys["points"].decimal() if "points" in keys else None,
    )
    if task.end is not None and task.end < task.start:
        raise keys["end"].fail(f"{task.end} is before the task's start {task.start}")
    if scheme is not None:
        if task.kind not in scheme.facts.tasks:
            known = ", ".join(sorted(scheme.facts.tasks)) or "none"
            raise keys["kind"].fail(
                f"{task.kind!r} is not a task kind of {scheme.id}; known: {known}"
            )
        if task.points is not None:
            limits = [
                award
                for item in scheme.items
                for award in item.awards
                if award.unit is Unit.PER_TASK and award.task == task.kind
            ]
            if not any(a.up_to and task.points <= a.points for a in limits):
                maximum = max((a.points for a in limits), default=Decimal(0))
                raise keys["points"].fail(
                    f"{task.points}: {task.kind} points are fixed or at most {maximum}; "
                    "give an agreed value only for 'up to' tasks"
                )
    return task


def fact_problem(scheme: Scheme, kind: str, name: str, raw: str) -> str | None:
    """Why a case fact means nothing to the scheme (a typo would silently drop points)."""
    facts = scheme.facts
    if kind == "bool" and name not in facts.flags:
        return f"{name!r} is not a flag of {scheme.id}; known flags: {_names(facts.flags)}"
    if kind == "date" and name not in facts.dates:
        return f"{name!r} is not a date of {scheme.id}; known dates: {_names(facts.dates)}"
    if kind == "text":
        if name not in facts.choices:
            return (
                f"{name!r} is not a choice of {scheme.id}; known choices: {_names(facts.choices)}"
            )
        if raw not in facts.choices[name]:
            return f"{raw!r} is not an option of {name}; options: {_names(facts.choices[name])}"
    return None


def _names(names: Iterable[str]) -> str:
    return ", ".join(sorted(names)) or "none"
