"""Case facts as storage keeps them (one flat mapping per case) read into the engine's values.

A stored case carries `{"complex": true, "assessment_start": "2026-11-01", "travel":
"outside_15_miles", "tasks": [{"kind": ..., "start": ..., "end": ...}]}`: the same keys as a
workload file's `facts`. A key the council's scheme does not declare is reported, not scored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from scoring.model import CaseFacts, Task
from scoring.scheme_model import Scheme
from scoring.vocabulary import AllocationRole, CaseCategory


@dataclass(frozen=True, slots=True)
class StoredCase:
    reference: str
    category: CaseCategory
    children: int
    allocation: AllocationRole
    facts: Mapping[str, Any]


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def case_facts(case: StoredCase, scheme: Scheme) -> tuple[CaseFacts, tuple[str, ...]]:
    """The engine's CaseFacts, and the stored facts this scheme could not use (to show people)."""
    declared = scheme.facts
    flags: set[str] = set()
    dates: dict[str, date] = {}
    choices: dict[str, str] = {}
    tasks: list[Task] = []
    unused: list[str] = []
    for name, value in case.facts.items():
        if name == "tasks" and isinstance(value, list):
            tasks.extend(_tasks(value, declared.tasks, unused))
        elif value is True and name in declared.flags:
            flags.add(name)
        elif value is False or value is None:
            continue
        elif name in declared.dates and (day := _date(value)) is not None:
            dates[name] = day
        elif name in declared.choices and str(value) in declared.choices[name]:
            choices[name] = str(value)
        else:
            unused.append(f"{case.reference}: {name}={value}")
    facts = CaseFacts(
        reference=case.reference,
        category=case.category,
        children=case.children,
        allocation=case.allocation,
        flags=frozenset(flags),
        dates=dates,
        choices=choices,
        tasks=tuple(tasks),
    )
    return facts, tuple(unused)


def _tasks(raw: Iterable[Any], kinds: Mapping[str, str], unused: list[str]) -> Iterable[Task]:
    for entry in raw:
        if not isinstance(entry, Mapping) or entry.get("kind") not in kinds:
            unused.append(f"task {entry!r}")
            continue
        start = _date(entry.get("start"))
        if start is None:
            unused.append(f"task {entry['kind']} without a start date")
            continue
        points = None
        if entry.get("points") is not None:
            try:
                points = Decimal(str(entry["points"]))
            except InvalidOperation:
                unused.append(f"task {entry['kind']} points {entry['points']!r}")
                continue
        yield Task(str(entry["kind"]), start, _date(entry.get("end")), points)
