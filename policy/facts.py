"""Inputs to the policy engine: plain frozen values the storage layer builds from its rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from policy.vocabulary import AbsenceKind, CancelReason, SessionStatus, SessionType
from scoring.vocabulary import CaseCategory, StaffRole


@dataclass(frozen=True, slots=True)
class StaffFacts:
    """A member of staff as the policy needs them (dates are Europe/London calendar dates)."""

    id: int
    name: str
    role: StaffRole
    team_id: int
    supervisor_id: int | None
    start_date: date
    leaving_date: date | None = None  # last day in post, inclusive
    agency: bool = False
    asye_start: date | None = None
    fte: Decimal = Decimal(1)
    service_id: int | None = None
    # The organisation's go-live: before it, what was not imported is unknown, never overdue
    # (issue 23 item 1). None: the product has known everything from the start date.
    known_from: date | None = None

    @property
    def clock_start(self) -> date:
        """Where a rule with no session on record counts from: the start date, or go-live if
        later (someone in post since 2015 is not owed ten years of supervision on day one)."""
        if self.known_from is not None and self.known_from > self.start_date:
            return self.known_from
        return self.start_date

    def in_post(self, day: date) -> bool:
        return self.start_date <= day and (self.leaving_date is None or day <= self.leaving_date)


@dataclass(frozen=True, slots=True)
class RecordFacts:
    """A written record of a session: when written, who signed, which children were discussed,
    and which of the pack's kinds it is (`record` for a pack with one; LAM 004:350,356)."""

    written_at: datetime | None = None
    supervisor_signed_at: datetime | None = None
    supervisee_signed_at: datetime | None = None
    case_refs: tuple[str, ...] = ()
    kind: str = "record"  # policy.packs.schema.DEFAULT_RECORD_KIND


@dataclass(frozen=True, slots=True)
class SessionFacts:
    """One supervision session; start and end are timezone-aware."""

    id: int
    type: SessionType
    supervisor_id: int
    supervisee_ids: tuple[int, ...]
    start: datetime
    end: datetime
    status: SessionStatus
    rescheduled_from_id: int | None = None
    records: tuple[RecordFacts, ...] = ()  # one per kind of record (issue 20 item 14)
    cancel_reason: CancelReason | None = None

    @property
    def case_refs(self) -> tuple[str, ...]:
        """The children discussed, from every record of the session."""
        if len(self.records) == 1:
            return self.records[0].case_refs
        return tuple(dict.fromkeys(ref for record in self.records for ref in record.case_refs))

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass(frozen=True, slots=True)
class MissedReasonFacts:
    """DCC 000:176: the reason recorded for a calendar month without supervision."""

    staff_id: int
    month: date  # its first day
    reason: CancelReason


@dataclass(frozen=True, slots=True)
class AbsenceFacts:
    """A period of absence, both ends inclusive."""

    staff_id: int
    kind: AbsenceKind
    start: date
    end: date


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """A child's case (or family, per the council's unit of count) allocated to a worker."""

    reference: str
    category: CaseCategory
    worker_id: int
    opened: date
    closed: date | None = None
    last_case_supervision: date | None = None
    matched_stable_extension_until: date | None = None  # LAM 3.1 (004:260): SM-agreed extension
    counts_towards_cap: bool = True
    # The day the case took its current category (CIN to CP, CP to CIN, CIN to CLA ...); None:
    # it has had it since it opened. The new category's clock starts no later than this day.
    category_since: date | None = None

    def open_on(self, day: date) -> bool:
        return self.opened <= day and (self.closed is None or day < self.closed)


@dataclass(frozen=True, slots=True)
class OverCapApproval:
    """Agreement to hold more cases than the cap, with a reason and a maximum timescale."""

    staff_id: int
    approver_id: int
    reason: str
    start: date
    max_end: date

    def active_on(self, day: date) -> bool:
        return self.start <= day <= self.max_end


@dataclass(frozen=True, slots=True)
class CaseloadPeriod:
    """One allocation in a worker's caseload history, as the caseload count reads it: counted
    from `start` to the day before `end` (None: still held), the days the allocation and its
    case were both open; `children` per case (CAP003 003:24)."""

    staff_id: int
    start: date
    end: date | None = None
    children: int = 1
    lead: bool = True
