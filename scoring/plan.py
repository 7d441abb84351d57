"""Per-scheme lookups computed once, and the limits on how many items of a group count."""

from __future__ import annotations

from scoring.model import CaseFacts, ScoreLine
from scoring.scheme_model import Award, GroupLimit, Item, Scheme
from scoring.vocabulary import CaseCategory

Entry = tuple[Item, Award]


class Plan:
    """Lookups computed once per scheme so that scoring a worker stays well under a millisecond.

    Items selected by one choice value (NOTTS work-area rows, 001:2026) are indexed by that
    value, so a case only looks at the row it selected.
    """

    __slots__ = ("always", "by_choice", "group_of", "personal")

    def __init__(self, scheme: Scheme) -> None:
        self.always: dict[CaseCategory, tuple[Entry, ...]] = {}
        self.by_choice: dict[CaseCategory, dict[tuple[str, str], tuple[Entry, ...]]] = {}
        for category in CaseCategory:
            always: list[Entry] = []
            by_choice: dict[tuple[str, str], list[Entry]] = {}
            for item in scheme.items:
                if category not in item.categories or category not in scheme.categories:
                    continue
                award = next(
                    (a for a in item.awards if a.categories is None or category in a.categories),
                    None,
                )
                if award is None:
                    continue
                if len(item.choices) == 1:
                    ((fact, values),) = item.choices.items()
                    for value in values:
                        by_choice.setdefault((fact, value), []).append((item, award))
                else:
                    always.append((item, award))
            self.always[category] = tuple(always)
            self.by_choice[category] = {k: tuple(v) for k, v in by_choice.items()}
        self.group_of = {item.id: item.group for item in scheme.items}
        self.personal = {item.id: item for item in scheme.personal}

    def entries(self, case: CaseFacts) -> tuple[Entry, ...]:
        chosen = self.by_choice[case.category]
        if not chosen or not case.choices:
            return self.always[case.category]
        picked: tuple[Entry, ...] = ()
        for fact_value in case.choices.items():
            picked += chosen.get(fact_value, ())
        return picked + self.always[case.category]


_plans: dict[int, tuple[Scheme, Plan]] = {}


def plan_for(scheme: Scheme) -> Plan:
    cached = _plans.get(id(scheme))
    if cached is not None and cached[0] is scheme:
        return cached[1]
    plan = Plan(scheme)
    _plans[id(scheme)] = (scheme, plan)
    return plan


def keep_highest(
    lines: list[ScoreLine], limits: dict[str, GroupLimit], group_of: dict[str, str | None]
) -> tuple[list[ScoreLine], list[str]]:
    """At most `max_items` lines of each limited group count, the highest first."""
    notes: list[str] = []
    for group, limit in limits.items():
        members = [line for line in lines if group_of.get(line.item_id) == group]
        if len(members) <= limit.max_items:
            continue
        dropped = sorted(members, key=lambda line: line.points, reverse=True)[limit.max_items :]
        notes.append(
            f"only {limit.max_items} {group} items count ({limit.source}); not counted: "
            + ", ".join(line.item_id for line in dropped)
        )
        lines = [line for line in lines if not any(line is d for d in dropped)]
    return lines, notes
