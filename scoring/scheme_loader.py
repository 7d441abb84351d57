"""Parse and validate a scheme file into scheme values; every problem names its key and line."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from scoring.bands import SCALED_POINTS
from scoring.document import DataFileError, Doc, read_file
from scoring.scheme_items import ITEMS_CHOICE, date_fact, enum_value, parse_items
from scoring.scheme_model import (
    Band,
    CapacityProfile,
    Closure,
    Derived,
    Facts,
    GroupLimit,
    Item,
    JointWorking,
    PersonalItem,
    PersonalUnit,
    Scheme,
)
from scoring.vocabulary import CaseCategory, StaffRole

_TOP = (
    *("scheme", "name", "council", "source", "categories", "facts", "joint_working", "closure"),
    *("items", "limits", "personal", "personal_limits", "derived", "capacity", "not_scored"),
    "approved",
)


class SchemeError(DataFileError):
    """A scheme file that cannot be used; names the file, key path, line and what to fix."""


def load_scheme(path: Path | str) -> Scheme:
    path = Path(path)
    doc = read_file(path, SchemeError)
    scheme = parse_scheme(doc)
    if scheme.id != path.stem:
        raise doc.mapping()["scheme"].fail(
            f"the scheme id {scheme.id!r} must match the file name; rename the file to "
            f"{scheme.id}.yaml or change the id"
        )
    return scheme


def parse_scheme(doc: Doc) -> Scheme:
    top = doc.mapping(_TOP, ("scheme", "name", "council", "source", "categories", "facts", "items"))
    scheme_id = top["scheme"].text()
    if not scheme_id.replace("_", "").isalnum() or scheme_id.lower() != scheme_id:
        raise top["scheme"].fail(f"{scheme_id!r}: use lower-case letters, digits and underscores")
    categories = frozenset(enum_value(d, CaseCategory) for d in top["categories"].items())
    facts = _facts(top["facts"])
    items = parse_items(top["items"], categories, facts)
    facts = _resolve_item_choices(facts, items, top["facts"])
    personal = tuple(_personal(d) for d in top["personal"].items()) if "personal" in top else ()
    _unique([p.id for p in personal], top.get("personal"), "personal element")
    groups: set[str | None] = {i.group for i in items if i.group}
    personal_groups: set[str | None] = {p.group for p in personal if p.group}
    capacity = top["capacity"].mapping(("prorate_by_fte", "proration", "profiles"), ("profiles",))
    approved = top["approved"].mapping(("by", "on"), ("by", "on")) if "approved" in top else None
    return Scheme(
        id=scheme_id,
        name=top["name"].text(),
        council=top["council"].text(),
        source=top["source"].text(),
        categories=categories,
        facts=facts,
        items=items,
        personal=personal,
        group_limits=_limits(top.get("limits"), groups),
        personal_limits=_limits(top.get("personal_limits"), personal_groups),
        joint_working=_joint(top["joint_working"]),
        derived=tuple(_derived(d) for d in top["derived"].items()) if "derived" in top else (),
        closure=_closure(top["closure"], facts) if "closure" in top else None,
        profiles=tuple(_profile(d) for d in capacity["profiles"].items()),
        prorate_by_fte=capacity["prorate_by_fte"].boolean()
        if "prorate_by_fte" in capacity
        else True,
        proration_note=capacity["proration"].text() if "proration" in capacity else "",
        path=doc.source,
        approved_by=approved["by"].text() if approved else None,
        approved_on=approved["on"].date() if approved else None,
    )


def _unique(ids: list[str], doc: Doc | None, what: str) -> None:
    seen: set[str] = set()
    for index, item_id in enumerate(ids):
        if item_id in seen and doc is not None:
            raise doc.items()[index].fail(f"the {what} id {item_id!r} is used twice")
        seen.add(item_id)


def _named(doc: Doc) -> dict[str, str]:
    return {key: value.text() for key, value in doc.mapping().items()}


def _facts(doc: Doc) -> Facts:
    parts = doc.mapping(("flags", "dates", "choices", "tasks"))
    choices: dict[str, frozenset[str]] = {}
    if "choices" in parts:
        for name, options in parts["choices"].mapping().items():
            choices[name] = frozenset(options.text_list())
    return Facts(
        flags=_named(parts["flags"]) if "flags" in parts else {},
        dates=_named(parts["dates"]) if "dates" in parts else {},
        choices=choices,
        tasks=_named(parts["tasks"]) if "tasks" in parts else {},
    )


def _resolve_item_choices(facts: Facts, items: tuple[Item, ...], doc: Doc) -> Facts:
    """A choice declared as `items` takes as options the ids of the items selected by it."""
    choices = dict(facts.choices)
    for name, options in facts.choices.items():
        if options == ITEMS_CHOICE:
            choices[name] = frozenset(
                value for item in items for value in item.choices.get(name, frozenset())
            )
            if not choices[name]:
                raise doc.fail(f"choice {name!r} is declared as `items` but no item selects it")
    return Facts(facts.flags, facts.dates, choices, facts.tasks)


def _personal(doc: Doc) -> PersonalItem:
    keys = doc.mapping(
        ("id", "name", "rule", "source", "unit", "points", "up_to", "fixed", "group", "choice"),
        ("id", "name", "rule", "source", "unit", "points"),
    )
    return PersonalItem(
        id=keys["id"].text(),
        name=keys["name"].text(),
        rule=keys["rule"].text(),
        source=keys["source"].text(),
        unit=enum_value(keys["unit"], PersonalUnit),
        points=keys["points"].decimal(),
        up_to=keys["up_to"].boolean() if "up_to" in keys else False,
        fixed=keys["fixed"].boolean() if "fixed" in keys else False,
        group=keys["group"].text() if "group" in keys else None,
        choice_note=keys["choice"].text() if "choice" in keys else None,
    )


def _limits(doc: Doc | None, groups: set[str | None]) -> dict[str, GroupLimit]:
    out: dict[str, GroupLimit] = {}
    for entry in doc.items() if doc is not None else []:
        keys = entry.mapping(("group", "max_items", "rule", "source"), ("group", "max_items"))
        group = keys["group"].text()
        if group not in groups:
            raise keys["group"].fail(f"no item belongs to the group {group!r}")
        out[group] = GroupLimit(
            group=group,
            max_items=keys["max_items"].integer(1),
            rule=keys["rule"].text() if "rule" in keys else "",
            source=keys["source"].text() if "source" in keys else "",
        )
    return out


def _joint(doc: Doc) -> JointWorking:
    keys = doc.mapping(("lead", "co_worker", "rule", "source", "choice"), ("lead", "co_worker"))
    return JointWorking(
        lead=keys["lead"].decimal(),
        co_worker=keys["co_worker"].decimal(),
        rule=keys["rule"].text() if "rule" in keys else "",
        source=keys["source"].text() if "source" in keys else "",
        choice_note=keys["choice"].text() if "choice" in keys else None,
    )


def _derived(doc: Doc) -> Derived:
    names = ("id", "name", "rule", "source", "per_points", "points")
    keys = doc.mapping(names, names)
    return Derived(
        id=keys["id"].text(),
        name=keys["name"].text(),
        rule=keys["rule"].text(),
        source=keys["source"].text(),
        per_points=keys["per_points"].decimal(Decimal("0.01")),
        points=keys["points"].decimal(),
    )


def _closure(doc: Doc, facts: Facts) -> Closure:
    names = ("id", "date", "replace", "rule", "source", "choice")
    keys = doc.mapping(names, ("id", "date", "replace", "rule", "source"))
    return Closure(
        id=keys["id"].text(),
        date=date_fact(keys["date"], facts),
        replace=keys["replace"].boolean(),
        rule=keys["rule"].text(),
        source=keys["source"].text(),
    )


def _profile(doc: Doc) -> CapacityProfile:
    keys = doc.mapping(
        ("id", "label", "roles", "grades", "capacity", "bands", "source", "choice"),
        ("id", "label", "bands", "source"),
    )
    bands = []
    for band_doc in keys["bands"].items():
        b = band_doc.mapping(("name", "label", "min", "above", "max"), ("name", "label"))
        if "min" in b and "above" in b:
            raise band_doc.fail("give the lower edge as `min` (inclusive) or `above`, not both")
        label = b["label"].text()
        if "{" in SCALED_POINTS.sub("", label) or "}" in SCALED_POINTS.sub("", label):
            raise b["label"].fail(
                f"{label!r}: braces in a band label mark points that scale with FTE, "
                "such as ({350}-{400}); put only a number inside them"
            )
        bands.append(
            Band(
                name=b["name"].text(),
                label=label,
                min=b["min"].decimal() if "min" in b else None,
                above=b["above"].decimal() if "above" in b else None,
                max=b["max"].decimal() if "max" in b else None,
            )
        )
    return CapacityProfile(
        id=keys["id"].text(),
        label=keys["label"].text(),
        roles=frozenset(enum_value(d, StaffRole) for d in keys["roles"].items())
        if "roles" in keys
        else frozenset(),
        grades=frozenset(g.lower() for g in keys["grades"].text_list())
        if "grades" in keys
        else frozenset(),
        capacity=keys["capacity"].decimal() if "capacity" in keys else None,
        bands=tuple(bands),
        source=keys["source"].text(),
    )
