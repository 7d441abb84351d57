"""Record deadlines in working days and sign-off by both parties, per held session."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from policy.calendar import WorkingCalendar, local_date
from policy.facts import SessionFacts
from policy.frequencies import DueItem, overdue_days
from policy.packs.schema import Pack
from policy.vocabulary import SessionStatus


@dataclass(frozen=True, slots=True)
class RecordStatus:
    """Where a held session's record stands on a date."""

    session_id: int
    supervisor_id: int
    supervisee_ids: tuple[int, ...]
    held_on: date
    due: date | None  # None: "as soon as possible" (DCC 000:103)
    written_on: date | None
    late_days: int  # written late by, or outstanding past the deadline by
    unsigned_by: tuple[int, ...]  # parties whose signature is missing

    @property
    def late(self) -> bool:
        return self.late_days > 0

    @property
    def outstanding(self) -> bool:
        return self.written_on is None


def record_status(
    session: SessionFacts, pack: Pack, calendar: WorkingCalendar, on: date
) -> RecordStatus | None:
    """None when the session needs no record under the pack, or was not held by `on`."""
    rules = pack.recording
    held_on = local_date(session.end, pack.zone)
    if session.status is not SessionStatus.HELD or held_on > on:
        return None
    if session.type not in rules.applies_to:
        return None
    # LAM 4 (004:350,356): uploaded within 2 working days of the discussion, if not before.
    deadline = rules.deadline_working_days
    due = calendar.add_working_days(held_on, deadline.value) if deadline is not None else None
    record = session.record
    written = local_date(record.written_at, pack.zone) if record and record.written_at else None
    if written is not None:
        late = max(0, (written - due).days) if due is not None else 0
    else:
        late = overdue_days(due, on)
    unsigned: tuple[int, ...] = ()
    # DCC 000:103: both parties have a jointly signed copy of the record.
    if rules.both_parties_sign.value:
        missing = [] if record and record.supervisor_signed_at else [session.supervisor_id]
        if not (record and record.supervisee_signed_at):
            missing.extend(session.supervisee_ids)
        unsigned = tuple(missing)
    return RecordStatus(
        session.id,
        session.supervisor_id,
        session.supervisee_ids,
        held_on,
        due,
        written,
        late,
        unsigned,
    )


def record_items(
    sessions: Iterable[SessionFacts],
    staff_id: int,
    pack: Pack,
    calendar: WorkingCalendar,
    on: date,
) -> list[DueItem]:
    """What `staff_id` still owes on records: writing them (supervisor) and signing them."""
    items = []
    source = pack.recording.deadline_working_days
    cite = source.source if source else pack.recording.both_parties_sign.source
    for session in sessions:
        status = record_status(session, pack, calendar, on)
        if status is None:
            continue
        if status.outstanding and session.supervisor_id == staff_id:
            items.append(
                DueItem(
                    "record",
                    f"Write up the {session.type.value} session of {status.held_on:%d %b %Y}",
                    staff_id,
                    status.due,
                    status.late_days,
                    cite,
                    session_id=session.id,
                )
            )
        elif staff_id in status.unsigned_by and not status.outstanding:
            items.append(
                DueItem(
                    "record_signoff",
                    f"Sign the record of {status.held_on:%d %b %Y}",
                    staff_id,
                    status.due,
                    overdue_days(status.due, on),
                    pack.recording.both_parties_sign.source,
                    session_id=session.id,
                )
            )
    return items
