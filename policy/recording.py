"""Record deadlines in working days and sign-off by both parties, per held session and kind
of record (LAM 004:350,356: a case record and professional minutes, each with its own)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from policy.calendar import WorkingCalendar, local_date
from policy.facts import RecordFacts, SessionFacts
from policy.frequencies import DueItem, overdue_days
from policy.packs.schema import DEFAULT_RECORD_KIND, Pack, RecordKind
from policy.vocabulary import SessionStatus, SessionType

DEFAULT_KIND = DEFAULT_RECORD_KIND


@dataclass(frozen=True, slots=True)
class RecordStatus:
    """Where one of a held session's records stands on a date (one per kind, LAM 004:350,356)."""

    session_id: int
    supervisor_id: int
    supervisee_ids: tuple[int, ...]
    held_on: date
    due: date | None  # None: "as soon as possible" (DCC 000:103)
    written_on: date | None
    late_days: int  # written late by, or outstanding past the deadline by
    unsigned_by: tuple[int, ...]  # parties whose signature is missing
    kind: str = DEFAULT_KIND
    label: str = "Supervision record"

    @property
    def late(self) -> bool:
        return self.late_days > 0

    @property
    def outstanding(self) -> bool:
        return self.written_on is None


def kinds_of(session_type: SessionType, pack: Pack) -> tuple[RecordKind, ...]:
    """The kinds of record a held session of this type calls for, in the pack's order."""
    return tuple(k for k in pack.recording.record_kinds if session_type in k.applies_to)


def pack_kind(kind: str, session_type: SessionType, pack: Pack) -> str:
    """A record saved as the default kind (before the council listed its kinds) is the first
    kind the session's type calls for."""
    known = {k.id for k in pack.recording.record_kinds}
    primary = kinds_of(session_type, pack)
    if kind not in known and kind == DEFAULT_KIND and primary:
        return primary[0].id
    return kind


def records_by_kind(session: SessionFacts, pack: Pack) -> dict[str, RecordFacts]:
    """The session's records under the pack's kind ids (see `pack_kind`); a kind the pack does
    not list is not tracked."""
    known = {k.id for k in pack.recording.record_kinds}
    found: dict[str, RecordFacts] = {}
    for record in session.records:
        kind = pack_kind(record.kind, session.type, pack)
        if kind in known and kind not in found:
            found[kind] = record
    return found


@dataclass(frozen=True, slots=True)
class KindToWrite:
    """A record the supervisor may still write for a held session, in the pack's words."""

    id: str
    label: str
    due: date | None  # its deadline; None: as soon as possible, or a record not tracked
    outstanding: bool  # the session's type calls for it and it is not written yet


def kinds_to_write(
    session_type: SessionType,
    ended: datetime,
    written: Iterable[str],
    pack: Pack,
    calendar: WorkingCalendar,
) -> tuple[KindToWrite, ...]:
    """The records still to write for a held session that ended at `ended`, given the kinds of
    the records it has: first those its type calls for (outstanding, each with its own deadline,
    LAM 004:350,356), then the pack's other kinds, which a session that gave time to that area
    may also have (004:202). A session type the pack tracks no record for has one record, under
    the pack's own word for it; a session with every kind written has none to write."""
    rules = pack.recording
    done = {pack_kind(kind, session_type, pack) for kind in written}
    if session_type not in rules.applies_to:
        if done:
            return ()
        return (KindToWrite(DEFAULT_KIND, pack.terms.supervision_record.value, None, True),)
    held_on = local_date(ended, pack.zone)
    called_for = {k.id for k in kinds_of(session_type, pack)}
    missing = [k for k in rules.record_kinds if k.id not in done]
    missing.sort(key=lambda k: k.id not in called_for)  # stable: the pack's order within each
    one_kind = len(rules.record_kinds) == 1
    return tuple(
        KindToWrite(
            k.id,
            pack.terms.supervision_record.value if one_kind else k.label,
            None
            if k.deadline_working_days is None
            else calendar.add_working_days(held_on, k.deadline_working_days),
            k.id in called_for,
        )
        for k in missing
    )


def record_statuses(
    session: SessionFacts, pack: Pack, calendar: WorkingCalendar, on: date
) -> tuple[RecordStatus, ...]:
    """Each record the session calls for, and any other kind written for it (004:202: a session
    may give time to each area), tracked apart: its own deadline, its own signatures."""
    rules = pack.recording
    held_on = local_date(session.end, pack.zone)
    if session.status is not SessionStatus.HELD or held_on > on:
        return ()
    if session.type not in rules.applies_to:
        return ()
    records = records_by_kind(session, pack)
    wanted = set(records) | {k.id for k in kinds_of(session.type, pack)}
    return tuple(
        _status(session, kind, records.get(kind.id), rules.both_parties_sign.value, held_on,
                calendar, on, pack)
        for kind in rules.record_kinds
        if kind.id in wanted
    )  # fmt: skip


def record_status(
    session: SessionFacts, pack: Pack, calendar: WorkingCalendar, on: date
) -> RecordStatus | None:
    """The session's first record (its only one under a pack with one kind); None when the
    session needs no record under the pack, or was not held by `on`."""
    statuses = record_statuses(session, pack, calendar, on)
    return statuses[0] if statuses else None


def _status(
    session: SessionFacts,
    kind: RecordKind,
    record: RecordFacts | None,
    both_sign: bool,
    held_on: date,
    calendar: WorkingCalendar,
    on: date,
    pack: Pack,
) -> RecordStatus:
    # LAM 4 (004:350,356): each uploaded within 2 working days of the discussion, if not before.
    deadline = kind.deadline_working_days
    due = calendar.add_working_days(held_on, deadline) if deadline is not None else None
    written = local_date(record.written_at, pack.zone) if record and record.written_at else None
    if written is not None:
        late = max(0, (written - due).days) if due is not None else 0
    else:
        late = overdue_days(due, on)
    unsigned: tuple[int, ...] = ()
    # DCC 000:103: both parties have a jointly signed copy of the record (of each record).
    if both_sign:
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
        kind.id,
        kind.label,
    )


def record_items(
    sessions: Iterable[SessionFacts],
    staff_id: int,
    pack: Pack,
    calendar: WorkingCalendar,
    on: date,
) -> list[DueItem]:
    """What `staff_id` still owes on records: writing them (supervisor) and signing them, for
    each kind of record apart."""
    items = []
    one_kind = len(pack.recording.record_kinds) == 1
    sign_source = pack.recording.both_parties_sign.source
    for session in sessions:
        for status in record_statuses(session, pack, calendar, on):
            # A pack with one kind says what it always said; with several, each names its kind.
            what = "" if one_kind else f" ({status.label.lower()})"
            if status.outstanding and session.supervisor_id == staff_id:
                kind = next(k for k in pack.recording.record_kinds if k.id == status.kind)
                items.append(
                    DueItem(
                        "record",
                        f"Write up the {session.type.value.replace('_', ' ')} session of "
                        f"{status.held_on:%d %b %Y}{what}",
                        staff_id,
                        status.due,
                        status.late_days,
                        kind.source or sign_source,
                        session_id=session.id,
                        record_kind=None if one_kind else status.kind,
                    )
                )
            elif staff_id in status.unsigned_by and not status.outstanding:
                items.append(
                    DueItem(
                        "record_signoff",
                        f"Sign the record of {status.held_on:%d %b %Y}{what}",
                        staff_id,
                        status.due,
                        overdue_days(status.due, on),
                        sign_source,
                        session_id=session.id,
                        record_kind=None if one_kind else status.kind,
                    )
                )
    return items
