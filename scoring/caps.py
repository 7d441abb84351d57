"""Count-based caseload caps and benchmarks per role, beside the points (policy_rules §9-10)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from scoring.document import DataFileError, Doc, parse_text, read_file
from scoring.model import CapCheck, OverCapApproval, Workload
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
    kind: Literal["hard", "benchmark"] = "hard"

    @property
    def uses_team(self) -> bool:
        """Whether the cap or the benchmark is taken of the team's caseload (003:36,54)."""
        return self.team_fraction is not None or self.ramp is not None


@dataclass(frozen=True, slots=True)
class CountCapPolicy:
    id: str
    name: str
    source: str
    unit: str  # "children" (a case is one child, 003:24) or "cases"
    count_co_worked: bool
    roles: Mapping[StaffRole, RoleCap]
    # Whose caseloads make "the team's caseload" that a share or a ramp is taken of (CAP003
    # 003:36 "social workers within their host team"); empty where no role needs it.
    team_roles: frozenset[StaffRole] = frozenset()

    @property
    def needs_team_caseload(self) -> bool:
        return any(r.uses_team for r in self.roles.values())


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


def team_caseload(
    policy: CountCapPolicy, counts: Iterable[tuple[StaffRole, int]]
) -> Decimal | None:
    """The team's caseload a share or a ramp is taken of: the average count of the team's
    social workers (`team_roles`) who hold cases (CAP003 003:36,54). Someone holding none (a new
    starter, someone on long leave) is not part of it. None when no such worker holds a case."""
    held = [count for role, count in counts if role in policy.team_roles and count > 0]
    return Decimal(sum(held)) / len(held) if held else None


def role_limit(role_cap: RoleCap, team: Decimal | None) -> int | None:
    """The role's cap, or its share of the team's caseload where lower (CAP003 003:36: a
    student's caseload "should not exceed half of the caseload of social workers")."""
    cap = role_cap.cap
    if role_cap.team_fraction is not None and team is not None:
        share = math.floor(team * role_cap.team_fraction)
        cap = share if cap is None else min(cap, share)
    return cap


def check_count(
    policy: CountCapPolicy,
    role: StaffRole,
    count: int,
    on: date,
    *,
    team: Decimal | None = None,
    asye_start: date | None = None,
    approvals: Iterable[OverCapApproval] = (),
) -> CapCheck:
    """A count against the role's cap, share of the team and ASYE ramp: for a workload file and
    for a person in the database alike."""
    in_force = any(a.start <= on <= a.end for a in approvals)
    role_cap = policy.roles.get(role)
    if role_cap is None:
        benchmark = f"{policy.id} sets no cap for {role.value}"
        return CapCheck(policy.id, policy.unit, count, None, benchmark, False, in_force, "", "")
    cap = role_limit(role_cap, team)
    benchmark = role_cap.benchmark
    if role_cap.team_fraction is not None and team is not None:
        share = math.floor(team * role_cap.team_fraction)
        shown = team if team == team.to_integral_value() else team.quantize(_TENTH, ROUND_HALF_UP)
        benchmark = f"{benchmark} (team caseload {shown}: at most {share})"
    if role_cap.ramp is not None and team is not None and asye_start is not None:
        ramp = role_cap.ramp
        month = min(max(_months_between(asye_start, on), 0), ramp.months)
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


def check_caps(policy: CountCapPolicy, workload: Workload, on: date) -> CapCheck:
    return check_count(
        policy,
        workload.role,
        count_cases(policy, workload),
        on,
        team=workload.team_caseload,
        asye_start=workload.asye_start,
        approvals=workload.over_cap_approvals,
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
            ("id", "name", "source", "unit", "count_co_worked", "team_roles", "roles"),
            ("id", "name", "source", "unit", "roles"),
        )
        unit = keys["unit"].text()
        if unit not in ("children", "cases"):
            raise keys["unit"].fail(f"{unit!r}: the unit of count is `children` or `cases`")
        roles: dict[StaffRole, RoleCap] = {}
        for rule_doc in keys["roles"].items():
            r = rule_doc.mapping(
                ("roles", "cap", "kind", "team_fraction", "ramp", "benchmark", "rule", "source"),
                ("roles", "benchmark", "rule", "source"),
            )
            kind = r["kind"].text() if "kind" in r else "hard"
            if kind not in ("hard", "benchmark"):
                raise r["kind"].fail(f"{kind!r}: a cap's kind is `hard` or `benchmark`")
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
                kind="hard" if kind == "hard" else "benchmark",
            )
            for role_doc in r["roles"].items():
                role = enum_value(role_doc, StaffRole)
                if role in roles:
                    raise role_doc.fail(f"role {role.value} already has a cap in this policy")
                roles[role] = role_cap
        team_roles = frozenset(
            enum_value(role_doc, StaffRole)
            for role_doc in (keys["team_roles"].items() if "team_roles" in keys else [])
        )
        shared = any(r.team_fraction is not None or r.ramp is not None for r in roles.values())
        if shared and not team_roles:
            raise keys["roles"].fail(
                "a share of the team's caseload or an ASYE ramp needs `team_roles`: whose "
                "caseloads make the team's caseload"
            )
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
            team_roles=team_roles,
        )
    return out
