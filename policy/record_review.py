"""Which service user records a manager reviews with each supervisee this month (issue 25 item 5).

DCC 000:125-135: managers "view records from time to time as part of the supervision process",
particularly where the work involves safeguarding; 000:321-327: "The Manager will normally be
responsible for selecting the records, with a view to a rotation through the whole workload over
time. These reviews will form part of the Supervision session." A case counts as reviewed on the
last held session whose record discussed it. Each month the records longest unreviewed come up
first (never reviewed before any reviewed), so over time the rotation covers every case; cases
reviewed equally long ago are ordered by a hash of the month and the reference, so the same few
references do not always come first and nobody can predict which (sampled fairly).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from policy.facts import CaseFacts
from policy.history import SessionIndex
from policy.vocabulary import SessionType

ALL_TYPES = frozenset(SessionType)


@dataclass(frozen=True, slots=True)
class ReviewPick:
    """One of a worker's open cases whose record comes up for review this month."""

    worker_id: int
    reference: str
    last_reviewed: date | None  # the last held session that discussed it; None: never


def _shuffle_key(month: date, reference: str) -> str:
    return hashlib.sha256(f"{month:%Y-%m}:{reference}".encode()).hexdigest()


def records_for_review(
    worker_id: int,
    cases: Sequence[CaseFacts],
    history: SessionIndex,
    on: date,
    per_month: int,
) -> tuple[ReviewPick, ...]:
    """The `per_month` open cases of `worker_id` whose records come up this month (DCC
    000:325): never reviewed first, then the longest since reviewed."""
    candidates = []
    for case in cases:
        if case.worker_id != worker_id or not case.open_on(on):
            continue
        last = history.last_case_day(case.reference, ALL_TYPES, on)
        if case.last_case_supervision is not None and (
            last is None or case.last_case_supervision > last
        ):
            last = case.last_case_supervision
        candidates.append((case.reference, last))
    return pick_for_review(worker_id, candidates, on, per_month)


def pick_for_review(
    worker_id: int, candidates: Iterable[tuple[str, date | None]], on: date, per_month: int
) -> tuple[ReviewPick, ...]:
    """The `per_month` of a worker's open cases, each with the day its record was last discussed
    (None: never), that come up this month (DCC 000:325): never reviewed first, then the longest
    since reviewed; a case listed twice (two allocations of it) comes up once."""
    month = on.replace(day=1)
    picks = [ReviewPick(worker_id, ref, last) for ref, last in dict(candidates).items()]
    picks.sort(key=lambda p: (p.last_reviewed or date.min, _shuffle_key(month, p.reference)))
    return tuple(picks[:per_month])
