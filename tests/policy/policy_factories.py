"""Small builders for policy tests: staff, sessions, absences and cases with sensible defaults."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import count

from policy.calendar import LONDON
from policy.facts import AbsenceFacts, CaseFacts, RecordFacts, SessionFacts, StaffFacts
from policy.vocabulary import AbsenceKind, SessionStatus, SessionType
from scoring.vocabulary import CaseCategory, StaffRole

_ids = count(1000)


def staff(
    id: int = 1,
    role: StaffRole = StaffRole.SOCIAL_WORKER,
    start: date = date(2020, 1, 1),
    *,
    team: int = 10,
    supervisor: int | None = 99,
    leaving: date | None = None,
    agency: bool = False,
    asye_start: date | None = None,
    service: int | None = None,
) -> StaffFacts:
    return StaffFacts(
        id=id,
        name=f"Person {id}",
        role=role,
        team_id=team,
        supervisor_id=supervisor,
        start_date=start,
        leaving_date=leaving,
        agency=agency,
        asye_start=asye_start,
        service_id=service,
    )


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def held(
    day: date | datetime,
    type: SessionType = SessionType.ONE_TO_ONE,
    supervisees: tuple[int, ...] = (1,),
    *,
    supervisor: int = 99,
    minutes: int = 90,
    status: SessionStatus = SessionStatus.HELD,
    written: datetime | bool | None = True,
    signed: bool = True,
    cases: tuple[str, ...] = (),
    rescheduled_from: int | None = None,
) -> SessionFacts:
    start = day if isinstance(day, datetime) else at(day)
    end = start + timedelta(minutes=minutes)
    written_at = end if written is True else (None if written is False else written)
    record = RecordFacts(
        written_at=written_at,
        supervisor_signed_at=end if signed else None,
        supervisee_signed_at=end if signed else None,
        case_refs=cases,
    )
    return SessionFacts(
        id=next(_ids),
        type=type,
        supervisor_id=supervisor,
        supervisee_ids=supervisees,
        start=start,
        end=end,
        status=status,
        rescheduled_from_id=rescheduled_from,
        records=(record,),
    )


def away(
    staff_id: int, start: date, end: date, kind: AbsenceKind = AbsenceKind.SICKNESS
) -> AbsenceFacts:
    return AbsenceFacts(staff_id=staff_id, kind=kind, start=start, end=end)


def case(
    ref: str,
    category: CaseCategory,
    opened: date,
    *,
    worker: int = 1,
    last: date | None = None,
    extension: date | None = None,
    closed: date | None = None,
) -> CaseFacts:
    return CaseFacts(
        reference=ref,
        category=category,
        worker_id=worker,
        opened=opened,
        closed=closed,
        last_case_supervision=last,
        matched_stable_extension_until=extension,
    )
