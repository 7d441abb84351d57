"""Benchmark the scoring engine: one worker with 40 cases, and 35,000 workers with 400,000 cases."""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, timedelta
from decimal import Decimal

from scoring.engine import score
from scoring.model import CaseFacts, PersonalElement, Task, Workload
from scoring.scheme_model import Scheme
from scoring.schemes import builtin_scheme, builtin_scheme_ids
from scoring.vocabulary import AllocationRole, StaffRole

ON = date(2024, 11, 20)
ROLES = (StaffRole.SOCIAL_WORKER, StaffRole.NQSW, StaffRole.SENIOR_PRACTITIONER)


def make_case(rng: random.Random, scheme: Scheme, reference: str) -> CaseFacts:
    facts = scheme.facts

    def day() -> date:
        return ON + timedelta(days=rng.randint(-150, 30))

    dates = {name: day() for name in sorted(facts.dates) if rng.random() < 0.25}
    choices = {name: rng.choice(sorted(opts)) for name, opts in facts.choices.items()}
    flags = frozenset(name for name in sorted(facts.flags) if rng.random() < 0.1)
    kinds = sorted(facts.tasks)
    tasks = tuple(
        Task(rng.choice(kinds), day(), None, None) for _ in range(rng.randint(0, 2)) if kinds
    )
    return CaseFacts(
        reference=reference,
        category=rng.choice(sorted(scheme.categories)),
        children=rng.choice((1, 1, 1, 2, 2, 3, 4, 5)),
        allocation=AllocationRole.CO_WORKER if rng.random() < 0.1 else AllocationRole.LEAD,
        flags=flags,
        dates=dates,
        choices=choices,
        tasks=tasks,
    )


def make_worker(rng: random.Random, scheme: Scheme, index: int, n_cases: int) -> Workload:
    personal = tuple(
        PersonalElement(p.id, Decimal(rng.randint(1, 3)))
        for p in scheme.personal
        if not p.fixed and rng.random() < 0.2
    )
    cases = tuple(make_case(rng, scheme, f"C-{index}-{i}") for i in range(n_cases))
    fte = rng.choice((Decimal(1), Decimal(1), Decimal("0.8"), Decimal("0.6")))
    return Workload(rng.choice(ROLES), rng.choice((None, "10", "11")), fte, personal, cases)


def split(total_cases: int, workers: int, rng: random.Random) -> list[int]:
    """Case counts per worker summing to total_cases, varied around the mean."""
    counts = [total_cases // workers] * workers
    for i in range(total_cases - sum(counts)):
        counts[i] += 1
    for _ in range(workers):  # move cases between workers without changing the total
        a, b = rng.randrange(workers), rng.randrange(workers)
        move = min(rng.randint(0, 4), counts[a] - 1)
        counts[a] -= move
        counts[b] += move
    return counts


def timed(label: str, jobs: list[tuple[Workload, Scheme]], repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for workload, scheme in jobs:
            score(workload, scheme, ON)
        best = min(best, time.perf_counter() - start)
    cases = sum(len(w.cases) for w, _ in jobs)
    per_worker_ms = best / len(jobs) * 1000
    print(
        f"{label}: {len(jobs):,} workers, {cases:,} cases in {best:.3f} s "
        f"= {per_worker_ms:.4f} ms per worker"
    )
    return per_worker_ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=20241120)
    parser.add_argument(
        "--fraction",
        type=float,
        default=1.0,
        help="share of the 35,000-worker run to generate and time (e.g. 0.1)",
    )
    parser.add_argument("--workers", type=int, default=35_000)
    parser.add_argument("--cases", type=int, default=400_000)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    schemes = [builtin_scheme(scheme_id) for scheme_id in builtin_scheme_ids()]
    for scheme in schemes:
        one = [(make_worker(rng, scheme, 0, 40), scheme)]
        timed(f"1 worker x 40 cases, {scheme.id} (best of 200)", one * 1, repeat=200)
    workers = max(1, round(args.workers * args.fraction))
    cases = max(workers, round(args.cases * args.fraction))
    started = time.perf_counter()
    counts = split(cases, workers, rng)
    jobs = []
    for index, n in enumerate(counts):
        scheme = schemes[index % len(schemes)]
        jobs.append((make_worker(rng, scheme, index, n), scheme))
    print(
        f"generated {workers:,} workers / {cases:,} cases in "
        f"{time.perf_counter() - started:.1f} s (not timed)"
    )
    per_worker = timed("population, all five schemes", jobs)
    print(f"target well under 1 ms per worker: {'met' if per_worker < 1 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
