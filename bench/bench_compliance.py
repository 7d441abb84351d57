"""Benchmark: monthly compliance for 35,000 staff in 5,000 teams with 420,000 sessions."""

from __future__ import annotations

import argparse
import random
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from policy.compliance import ComplianceReport, monthly_compliance
from policy.facts import AbsenceFacts, RecordFacts, SessionFacts, StaffFacts
from policy.history import SessionIndex
from policy.packs import Pack, builtin_pack
from policy.vocabulary import AbsenceKind, SessionStatus, SessionType
from scoring.vocabulary import StaffRole

FULL = {"staff": 35_000, "teams": 5_000, "sessions": 420_000}
ROLES = [StaffRole.SOCIAL_WORKER] * 6 + [StaffRole.NQSW, StaffRole.SENIOR_PRACTITIONER]
TYPES = [SessionType.ONE_TO_ONE, SessionType.CASE_MANAGEMENT, SessionType.PROFESSIONAL]


def generate(
    scale: float, seed: int = 7
) -> tuple[list[StaffFacts], list[SessionFacts], list[AbsenceFacts]]:
    rng = random.Random(seed)
    n_staff = int(FULL["staff"] * scale)
    n_teams = max(1, int(FULL["teams"] * scale))
    n_sessions = int(FULL["sessions"] * scale)
    staff = [
        StaffFacts(
            id=i,
            name=f"S{i}",
            role=rng.choice(ROLES),
            team_id=i % n_teams,
            supervisor_id=None,
            start_date=date(2023, 1, 1) + timedelta(days=rng.randrange(700)),
            leaving_date=date(2025, 1, 1) + timedelta(days=rng.randrange(400))
            if rng.random() < 0.1
            else None,
            agency=rng.random() < 0.15,
            service_id=i % 50,
        )
        for i in range(n_staff)
    ]
    base = datetime(2024, 1, 1, 9, tzinfo=UTC)
    sessions = []
    for i in range(n_sessions):
        start = base + timedelta(minutes=rng.randrange(365 * 24 * 60))
        end = start + timedelta(minutes=90)
        sessions.append(
            SessionFacts(
                id=i,
                type=rng.choice(TYPES),
                supervisor_id=rng.randrange(n_staff),
                supervisee_ids=(rng.randrange(n_staff),),
                start=start,
                end=end,
                status=SessionStatus.HELD if rng.random() < 0.9 else SessionStatus.CANCELLED,
                record=RecordFacts(written_at=end, supervisor_signed_at=end),
            )
        )
    absences = []
    for _ in range(n_staff // 10):
        first = date(2024, 1, 1) + timedelta(days=rng.randrange(365))
        absences.append(
            AbsenceFacts(
                rng.randrange(n_staff),
                AbsenceKind.SICKNESS,
                first,
                first + timedelta(days=rng.randrange(30)),
            )
        )
    return staff, sessions, absences


def measure(fn: Callable[[], object]) -> tuple[float, float]:
    """Seconds for one run, then peak MiB traced over a second run."""
    started = time.perf_counter()
    fn()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=float, nargs="+", default=[0.1, 1.0])
    args = parser.parse_args()
    pack = builtin_pack("powys")
    print(
        f"{'scale':>6} {'staff':>7} {'sessions':>9} {'month s':>8} {'MiB':>7} "
        f"{'index+12m s':>12} {'MiB':>7}  March %"
    )
    for scale in args.scales:
        staff, sessions, absences = generate(scale)
        report = run(pack, staff, sessions, absences)
        print(report)


def run(
    pack: Pack, staff: list[StaffFacts], sessions: list[SessionFacts], absences: list[AbsenceFacts]
) -> str:
    result: list[ComplianceReport] = []

    def one_month() -> None:
        result[:] = [monthly_compliance(staff, sessions, absences, pack, 2024, 3)]

    def twelve_months() -> None:
        index = SessionIndex(sessions, pack.zone)
        for month in range(1, 13):
            monthly_compliance(staff, index, absences, pack, 2024, month)

    month_s, month_mib = measure(one_month)
    year_s, year_mib = measure(twelve_months)
    scale = len(staff) / FULL["staff"]
    return (
        f"{scale:>6.2f} {len(staff):>7} {len(sessions):>9} {month_s:>8.2f} {month_mib:>7.1f} "
        f"{year_s:>12.2f} {year_mib:>7.1f}  {result[0].organisation.percent}"
    )


if __name__ == "__main__":
    main()
