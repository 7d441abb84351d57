"""Parse the items of a scheme file: conditions, time limits, awards and caps."""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar

from scoring.document import Doc
from scoring.scheme_model import (
    Award,
    Cap,
    Facts,
    Item,
    PersonalUnit,
    Tier,
    Trigger,
    Unit,
    Window,
)
from scoring.vocabulary import CaseCategory, StaffRole

E = TypeVar("E", CaseCategory, StaffRole, Unit, PersonalUnit)

# A choice declared with the single option `items` is filled with the ids of the items that
# name it in `selected_by` (NOTTS: one work-area row per household group, 001:2026).
ITEMS_CHOICE = frozenset({"items"})

_ITEM_KEYS = (
    *("id", "table", "name", "rule", "source", "choice", "group", "categories", "flags"),
    *("unless_flags", "choices", "selected_by", "children", "active_if", "task_limit", "cap"),
    *("closure", "award"),
)


def parse_items(doc: Doc, categories: frozenset[CaseCategory], facts: Facts) -> tuple[Item, ...]:
    items: list[Item] = []
    seen: set[str] = set()
    for item_doc in doc.items():
        item = _item(item_doc, categories, facts)
        if item.id in seen:
            raise item_doc.fail(f"the item id {item.id!r} is used twice")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise doc.fail("a scheme needs at least one item")
    return tuple(items)


def _item(doc: Doc, categories: frozenset[CaseCategory], facts: Facts) -> Item:
    keys = doc.mapping(_ITEM_KEYS, ("id", "name", "rule", "source", "award"))
    item_id = keys["id"].text()
    if "table" in keys:
        item_id = f"{keys['table'].text()}.{item_id}"
    cats = categories
    if "categories" in keys:
        cats = frozenset(enum_value(d, CaseCategory) for d in keys["categories"].items())
        if not cats <= categories:
            raise keys["categories"].fail("lists a category missing from the scheme's categories")
    flags = _flags(keys.get("flags"), facts)
    unless = _flags(keys.get("unless_flags"), facts)
    choices: dict[str, frozenset[str]] = {}
    for name, values in keys["choices"].mapping().items() if "choices" in keys else []:
        if name not in facts.choices:
            raise values.fail(f"choice {name!r} is not declared under facts.choices")
        chosen = frozenset(values.text_list())
        unknown = chosen - facts.choices[name]
        if unknown and facts.choices[name] != ITEMS_CHOICE:
            raise values.fail(f"{sorted(unknown)} are not options of the choice {name!r}")
        choices[name] = chosen
    if "selected_by" in keys:
        name = keys["selected_by"].text()
        if facts.choices.get(name) != ITEMS_CHOICE:
            raise keys["selected_by"].fail(f"{name!r} must be a choice declared as `items`")
        choices[name] = frozenset({item_id})
    low = high = None
    if "children" in keys:
        bounds = keys["children"].mapping(("min", "max"))
        low = bounds["min"].integer(1) if "min" in bounds else None
        high = bounds["max"].integer(1) if "max" in bounds else None
    active: tuple[Trigger, ...] = ()
    if "active_if" in keys:
        node = keys["active_if"]
        docs = node.items() if node.kind() == "list" else [node]
        active = tuple(trigger(d, facts) for d in docs)
    award_doc = keys["award"]
    award_docs = award_doc.items() if award_doc.kind() == "list" else [award_doc]
    awards = tuple(award(d, cats, facts) for d in award_docs)
    per_task = any(a.unit is Unit.PER_TASK for a in awards)
    task_limit = None
    if "task_limit" in keys:
        if not per_task:
            raise keys["task_limit"].fail("`task_limit` only applies to items with unit per_task")
        task_limit = window(keys["task_limit"], facts, task_relative=True)
    return Item(
        id=item_id,
        name=keys["name"].text(),
        rule=keys["rule"].text(),
        source=keys["source"].text(),
        awards=awards,
        categories=cats,
        group=keys["group"].text() if "group" in keys else None,
        flags=flags,
        unless_flags=unless,
        choices=choices,
        min_children=low,
        max_children=high,
        active_if=active,
        task_limit=task_limit,
        cap=_cap(keys["cap"], facts) if "cap" in keys else None,
        closure=keys["closure"].boolean() if "closure" in keys else False,
        choice_note=keys["choice"].text() if "choice" in keys else None,
    )


def _flags(doc: Doc | None, facts: Facts) -> frozenset[str]:
    if doc is None:
        return frozenset()
    names = doc.text_list()
    for index, name in enumerate(names):
        if name not in facts.flags:
            where = doc.items()[index] if doc.kind() == "list" else doc
            raise where.fail(f"flag {name!r} is not declared under facts.flags")
    return frozenset(names)


def _cap(doc: Doc, facts: Facts) -> Cap:
    names = ("max_points", "over_children", "flags", "rule", "source")
    keys = doc.mapping(names, names)
    return Cap(
        max_points=keys["max_points"].decimal(),
        min_children=keys["over_children"].integer(0),
        flags=_flags(keys["flags"], facts),
        rule=keys["rule"].text(),
        source=keys["source"].text(),
    )


def enum_value(doc: Doc, enum: type[E]) -> E:
    raw = doc.text()
    try:
        return enum(raw)
    except ValueError:
        known = ", ".join(m.value for m in enum)
        raise doc.fail(f"{raw!r} is not known; expected one of: {known}") from None


def window(doc: Doc, facts: Facts, task_relative: bool = False) -> Window:
    keys = doc.mapping(("from", "days", "months", "until", "month_of"))
    start = date_fact(keys["from"], facts) if "from" in keys else None
    until = date_fact(keys["until"], facts) if "until" in keys else None
    result = Window(
        start=start,
        days=keys["days"].integer(1) if "days" in keys else None,
        months=keys["months"].integer(1) if "months" in keys else None,
        until=until,
        month_of=keys["month_of"].boolean() if "month_of" in keys else False,
    )
    if not task_relative and start is None and until is None:
        raise doc.fail("a time limit needs `from` (a date fact) or `until` (a date fact)")
    if result.month_of and start is None and not task_relative:
        raise doc.fail("`month_of: true` needs `from`: the date whose month counts")
    if not (result.days or result.months or result.until or result.month_of or task_relative):
        raise doc.fail("a time limit needs one of `days`, `months`, `until` or `month_of: true`")
    return result


def trigger(doc: Doc, facts: Facts) -> Trigger:
    keys = doc.mapping()
    if "flag" in keys:
        doc.mapping(("flag",))
        name = keys["flag"].text()
        if name not in facts.flags:
            raise keys["flag"].fail(f"flag {name!r} is not declared under facts.flags")
        return Trigger(flag=name)
    return Trigger(window=window(doc, facts))


def date_fact(doc: Doc, facts: Facts) -> str:
    name = doc.text()
    if name not in facts.dates:
        raise doc.fail(f"date {name!r} is not declared under facts.dates")
    return name


def award(doc: Doc, categories: frozenset[CaseCategory], facts: Facts) -> Award:
    keys = doc.mapping(
        (
            *("unit", "categories", "points", "first", "additional", "tiers", "choice"),
            *("options", "labels", "task", "up_to"),
        ),
        ("unit",),
    )
    unit = enum_value(keys["unit"], Unit)
    cats = None
    if "categories" in keys:
        cats = frozenset(enum_value(d, CaseCategory) for d in keys["categories"].items())
        if not cats <= categories:
            raise keys["categories"].fail("lists a category the item does not cover")
    needs = {
        Unit.PER_CASE: ("points",),
        Unit.PER_CHILD: ("points",),
        Unit.PER_TASK: ("points", "task"),
        Unit.HOUSEHOLD: ("first", "additional"),
        Unit.BY_CHILDREN: ("tiers",),
        Unit.CHOICE: ("choice", "options"),
    }[unit]
    for key in needs:
        if key not in keys:
            raise doc.fail(f"unit {unit.value} needs the key {key!r}")
    task = keys["task"].text() if "task" in keys else None
    if task is not None and task not in facts.tasks:
        raise keys["task"].fail(f"task kind {task!r} is not declared under facts.tasks")
    options: dict[str, Decimal] = {}
    choice = None
    if unit is Unit.CHOICE:
        choice = keys["choice"].text()
        if choice not in facts.choices:
            raise keys["choice"].fail(f"choice {choice!r} is not declared under facts.choices")
        options = {k: v.decimal() for k, v in keys["options"].mapping().items()}
        if set(options) != facts.choices[choice]:
            missing = sorted(facts.choices[choice] ^ set(options))
            raise keys["options"].fail(
                f"options must price exactly the declared values of {choice!r};"
                f" differs on {missing}"
            )
    labels: dict[str, str] = {}
    if unit is Unit.CHOICE:
        if "labels" not in keys:
            raise doc.fail("unit choice needs `labels`: each option in the scheme's own words")
        labels = {k: v.text() for k, v in keys["labels"].mapping().items()}
        if set(labels) != set(options):
            raise keys["labels"].fail(f"labels must name exactly the options {sorted(options)}")
    tiers: tuple[Tier, ...] = ()
    if unit is Unit.BY_CHILDREN:
        tiers = tuple(_tier(d) for d in keys["tiers"].items())
        if not tiers or tiers[-1].max_children is not None:
            raise keys["tiers"].fail("the last tier must have no max_children (it covers the rest)")
    return Award(
        unit=unit,
        categories=cats,
        points=keys["points"].decimal() if "points" in keys else Decimal(0),
        first=keys["first"].decimal() if "first" in keys else Decimal(0),
        additional=keys["additional"].decimal() if "additional" in keys else Decimal(0),
        tiers=tiers,
        choice=choice,
        options=options,
        labels=labels,
        task=task,
        up_to=keys["up_to"].boolean() if "up_to" in keys else False,
    )


def _tier(doc: Doc) -> Tier:
    keys = doc.mapping(("max_children", "points"), ("points",))
    top = keys["max_children"].integer(1) if "max_children" in keys else None
    return Tier(max_children=top, points=keys["points"].decimal())
