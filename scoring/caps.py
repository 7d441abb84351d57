"""Count-based caseload caps and benchmarks per role, beside the points (policy_rules §9-10)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from scoring.document import DataFileError, Doc, parse_text, read_file
from scoring.model import CapCheck, Workload
from scoring.scheme_items import enum_value
from scoring.vocabulary import AllocationRole, StaffRole

_TENTH = Decimal("0.1")


class CountCapsError(DataFileError):
    """A count-caps file that cannot be used."""


@dataclass(frozen=True, slots=True)
class Ramp:
    """CAP003 003:54-56: start at a fraction of the team caseload, rising over `months`."""

    start_fraction: Decimal
    end_fraction: Decimal
    months: int


@dataclass(frozen=True, slots=True)
class RoleCap:
    cap: int | None
    team_fraction: Decimal | None  # cap as a share of the team's caseload (students, 003:36)
    ramp: Ramp | None
    benchmark: str
    rule: str
    source: str


@dataclass(frozen=True, slots=True)
class CountCapPolicy:
    id: str
    name: str
    source: str
    unit: str  # "children" (a case is one child, 003:24) or "cases"
    count_co_worked: bool
    roles: Mapping[StaffRole, RoleCap]


def _months_between(start: date, on: date) -> int:
    months = (on.year - start.year) * 12 + on.month - start.month
    return months - 1 if on.day < start.day else months


def count_cases(policy: CountCapPolicy, workload: Workload) -> int:
    counted = [
        case
        for case in workload.cases
        if policy.count_co_worked or case.allocation is AllocationRole.LEAD
    ]
    if policy.unit == "children":
        return sum(case.children for case in counted)
    return len(counted)


def check_caps(policy: CountCapPolicy, workload: Workload, on: date) -> CapCheck:
    count = count_cases(policy, workload)
    role_cap = policy.roles.get(workload.role)
    in_force = any(a.start <= on <= a.end for a in workload.over_cap_approvals)
    if role_cap is None:
        benchmark = f"{policy.id} sets no cap for {workload.role.value}"
        return CapCheck(policy.id, policy.unit, count, None, benchmark, False, in_force, "", "")
    cap = role_cap.cap
    benchmark = role_cap.benchmark
    team = workload.team_caseload
    if role_cap.team_fraction is not None and team is not None:
        share = math.floor(team * role_cap.team_fraction)
        cap = share if cap is None else min(cap, share)
        benchmark = f"{benchmark} (team caseload {team}: at most {share})"
    if role_cap.ramp is not None and team is not None and workload.asye_start is not None:
        ramp = role_cap.ramp
        month = min(max(_months_between(workload.asye_start, on), 0), ramp.months)
        fraction = ramp.start_fraction + (ramp.end_fraction - ramp.start_fraction) * month / (
            ramp.months
        )
        expected = (team * fraction).quantize(_TENTH, rounding=ROUND_HALF_UP)
        benchmark = f"{benchmark} (month {month} of the ASYE: about {expected} {policy.unit})"
    over = cap is not None and count > cap
    return CapCheck(
        policy.id,
        policy.unit,
        count,
        cap,
        benchmark,
        over,
        in_force,
        role_cap.rule,
        role_cap.source,
    )


@cache
def builtin_count_cap_policies() -> Mapping[str, CountCapPolicy]:
    """Every policy in scoring/count_caps.yaml: the one source of count caps (the chat, the
    digests and the workload file all read it, a pack choosing one by id)."""
    text = resources.files("scoring").joinpath("count_caps.yaml").read_text(encoding="utf-8")
    return MappingProxyType(_parse(parse_text(text, "scoring/count_caps.yaml", CountCapsError)))


def builtin_count_caps(policy_id: str) -> CountCapPolicy:
    policies = builtin_count_cap_policies()
    if policy_id not in policies:
        known = ", ".join(sorted(policies))
        raise CountCapsError(f"no count-caps policy {policy_id!r}; known: {known}")
    return policies[policy_id]


def load_count_caps(path: Path) -> dict[str, CountCapPolicy]:
    return _parse(read_file(path, CountCapsError))


def _parse(doc: Doc) -> dict[str, CountCapPolicy]:
    out: dict[str, CountCapPolicy] = {}
    for entry in doc.mapping(("policies",), ("policies",))["policies"].items():
        keys = entry.mapping(
            ("id", "name", "source", "unit", "count_co_worked", "roles"),
            ("id", "name", "source", "unit", "roles"),
        )
        unit = keys["unit"].text()
        if unit not in ("children", "cases"):
            raise keys["unit"].fail(f"{unit!r}: the unit of count is `children` or `cases`")
        roles: dict[StaffRole, RoleCap] = {}
        for rule_doc in keys["roles"].items():
            r = rule_doc.mapping(
                ("roles", "cap", "team_fraction", "ramp", "benchmark", "rule", "source"),
                ("roles", "benchmark", "rule", "source"),
            )
            ramp = None
            if "ramp" in r:
                names = ("start_fraction", "end_fraction", "months")
                ramp_keys = r["ramp"].mapping(names, names)
                ramp = Ramp(
                    ramp_keys["start_fraction"].decimal(),
                    ramp_keys["end_fraction"].decimal(),
                    ramp_keys["months"].integer(1),
                )
            role_cap = RoleCap(
                cap=r["cap"].integer() if "cap" in r else None,
                team_fraction=r["team_fraction"].decimal() if "team_fraction" in r else None,
                ramp=ramp,
                benchmark=r["benchmark"].text(),
                rule=r["rule"].text(),
                source=r["source"].text(),
            )
            for role_doc in r["roles"].items():
                role = enum_value(role_doc, StaffRole)
                if role in roles:
                    raise role_doc.fail(f"role {role.value} already has a cap in this policy")
                roles[role] = role_cap
        policy_id = keys["id"].text()
        out[policy_id] = CountCapPolicy(
            id=policy_id,
            name=keys["name"].text(),
            source=keys["source"].text(),
            unit=unit,
            count_co_worked=(
                keys["count_co_worked"].boolean() if "count_co_worked" in keys else False
            ),
            roles=MappingProxyType(roles),
        )
    return out
