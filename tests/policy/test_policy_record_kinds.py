"""One session, more than one record, each with its own deadline and signatures (issue 20 item 14).

LAM 004:348,350: case records on Mosaic within 2 working days of the case discussion; 004:356:
professional supervision minutes on SharePoint or Oracle within 2 working days; 004:202: one
session may give time to each area. A council with one kind of record behaves as before.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from policy.calendar import WorkingCalendar
from policy.facts import RecordFacts
from policy.packs import Pack, builtin_pack
from policy.recording import (
    DEFAULT_KIND,
    kinds_to_write,
    record_items,
    record_status,
    record_statuses,
)
from policy.vocabulary import Nation, SessionType
from tests.policy.policy_factories import at, held

LAMBETH = builtin_pack("lambeth")
DERBYSHIRE = builtin_pack("derbyshire")
CALENDAR = WorkingCalendar(Nation.ENGLAND)
MONDAY = date(2024, 3, 4)
SW, MANAGER = 1, 99


def _record(kind: str, written_day: date | None, *, signed: bool = True) -> RecordFacts:
    written = at(written_day, 17) if written_day else None
    return RecordFacts(
        written_at=written,
        supervisor_signed_at=written if signed else None,
        supervisee_signed_at=written if signed else None,
        kind=kind,
    )


def test_lambeth_names_its_two_records_with_their_own_deadlines_and_clauses() -> None:
    kinds = {kind.id: kind for kind in LAMBETH.recording.record_kinds}
    assert set(kinds) == {"case_record", "professional_minutes"}
    case_record, minutes = kinds["case_record"], kinds["professional_minutes"]
    # 004:350 "within 2 working days of the supervision case discussion"
    assert (case_record.deadline_working_days, case_record.source) == (2, "004:348,350")
    # 004:356 "Professional Supervision minutes ... within 2 working days"
    assert (minutes.deadline_working_days, minutes.source) == (2, "004:356")
    assert case_record.label
    assert minutes.label
    assert case_record.label != minutes.label
    assert SessionType.CASE_MANAGEMENT in case_record.applies_to
    assert SessionType.PROFESSIONAL in minutes.applies_to


def test_a_council_with_one_kind_keeps_its_one_default_record() -> None:
    (kind,) = DERBYSHIRE.recording.record_kinds
    assert kind.id == DEFAULT_KIND
    assert kind.deadline_working_days == (
        DERBYSHIRE.recording.deadline_working_days.value
        if DERBYSHIRE.recording.deadline_working_days
        else None
    )
    session = held(MONDAY, written=False)
    (status,) = record_statuses(session, DERBYSHIRE, CALENDAR, MONDAY + timedelta(days=7))
    assert status == record_status(session, DERBYSHIRE, CALENDAR, MONDAY + timedelta(days=7))
    assert status.kind == DEFAULT_KIND


def test_each_record_of_one_session_is_tracked_against_its_own_deadline() -> None:
    # A professional session that also gave time to case discussion (004:202): minutes written
    # on time, the case record written on the Friday, after its 2 working days (Wednesday).
    session = replace(
        held(MONDAY, SessionType.PROFESSIONAL, (SW,)),
        records=(
            _record("professional_minutes", MONDAY),
            _record("case_record", MONDAY + timedelta(days=4)),
        ),
    )
    statuses = {
        s.kind: s for s in record_statuses(session, LAMBETH, CALENDAR, MONDAY + timedelta(days=8))
    }
    assert set(statuses) == {"professional_minutes", "case_record"}
    assert not statuses["professional_minutes"].late
    assert statuses["case_record"].due == MONDAY + timedelta(days=2)
    assert statuses["case_record"].late_days == 2


def test_a_missing_record_of_one_kind_is_owed_while_the_other_is_done() -> None:
    session = replace(
        held(MONDAY, SessionType.CASE_MANAGEMENT, (SW,)),
        records=(_record("professional_minutes", MONDAY),),
    )
    on = MONDAY + timedelta(days=3)  # Thursday: the case record was due on Wednesday
    items = record_items([session], MANAGER, LAMBETH, CALENDAR, on)
    assert [(i.kind, i.overdue_days) for i in items] == [("record", 1)]
    (item,) = items
    assert "case record" in item.description.lower()
    assert item.source == "004:348,350"


def test_signing_applies_to_each_record() -> None:
    # 004:653-663: both parties sign; the minutes are signed, the case record is not.
    session = replace(
        held(MONDAY, SessionType.PROFESSIONAL, (SW,)),
        records=(
            _record("professional_minutes", MONDAY),
            _record("case_record", MONDAY, signed=False),
        ),
    )
    on = MONDAY + timedelta(days=1)
    items = record_items([session], SW, LAMBETH, CALENDAR, on)
    assert [i.kind for i in items] == ["record_signoff"]
    assert "case record" in items[0].description.lower()


def test_a_record_written_before_kinds_counts_as_the_sessions_own_kind() -> None:
    # Records saved before a council defined its kinds carry the default kind: they are the
    # record the session's type calls for (a case management session's case record).
    session = replace(
        held(MONDAY, SessionType.CASE_MANAGEMENT, (SW,)),
        records=(_record(DEFAULT_KIND, MONDAY),),
    )
    (status,) = record_statuses(session, LAMBETH, CALENDAR, MONDAY + timedelta(days=9))
    assert status.kind == "case_record"
    assert not status.late
    assert not status.outstanding


# -- what the record flow offers (policy.recording.kinds_to_write) -------------------------------

BOTH = LAMBETH.model_copy(
    update={
        "recording": LAMBETH.recording.model_copy(
            update={
                "kinds": (
                    LAMBETH.recording.kinds[0],
                    LAMBETH.recording.kinds[1].model_copy(
                        update={
                            "applies_to": (SessionType.PROFESSIONAL, SessionType.CASE_MANAGEMENT),
                            "deadline_working_days": 5,
                        }
                    ),
                )
            }
        )
    }
)


def _to_write(pack: Pack, session_type: SessionType, *written: str) -> list[tuple[Any, ...]]:
    ended = at(date(2026, 11, 20), 11)  # a Friday; Monday 23 Nov is a working day
    return [
        (k.id, k.label, k.due, k.outstanding)
        for k in kinds_to_write(session_type, ended, written, pack, CALENDAR)
    ]


def test_the_kinds_a_session_calls_for_come_first_with_their_deadlines() -> None:
    # LAM 004:356 within 2 working days of Friday: Tuesday; the case record may also be written
    # for a professional session that gave time to case discussion (004:202), owed by nobody.
    assert _to_write(LAMBETH, SessionType.PROFESSIONAL) == [
        ("professional_minutes", "Professional supervision minutes", date(2026, 11, 24), True),
        ("case_record", "Case record (Mosaic)", date(2026, 11, 24), False),
    ]
    assert _to_write(BOTH, SessionType.CASE_MANAGEMENT) == [
        ("case_record", "Case record (Mosaic)", date(2026, 11, 24), True),
        ("professional_minutes", "Professional supervision minutes", date(2026, 11, 27), True),
    ]


def test_written_kinds_are_not_offered_again_and_the_default_kind_is_the_first() -> None:
    assert [k[0] for k in _to_write(BOTH, SessionType.CASE_MANAGEMENT, "case_record")] == [
        "professional_minutes"
    ]
    # Written before the council listed its kinds: the case record, so the minutes are owed.
    assert [k[0] for k in _to_write(BOTH, SessionType.CASE_MANAGEMENT, DEFAULT_KIND)] == [
        "professional_minutes"
    ]
    assert _to_write(BOTH, SessionType.CASE_MANAGEMENT, "case_record", "professional_minutes") == []


def test_one_kind_and_untracked_sessions_have_one_record_in_the_packs_own_word() -> None:
    term = DERBYSHIRE.terms.supervision_record.value
    (only,) = _to_write(DERBYSHIRE, DERBYSHIRE.recording.applies_to[0])
    assert only[:2] == (DEFAULT_KIND, term)
    assert only[3]
    assert _to_write(DERBYSHIRE, DERBYSHIRE.recording.applies_to[0], DEFAULT_KIND) == []
    # Lambeth keeps no record of a 1:1 of its own (not in recording.applies_to): one, untracked.
    assert SessionType.ONE_TO_ONE not in LAMBETH.recording.applies_to
    assert _to_write(LAMBETH, SessionType.ONE_TO_ONE) == [
        (DEFAULT_KIND, LAMBETH.terms.supervision_record.value, None, True)
    ]
    assert _to_write(LAMBETH, SessionType.ONE_TO_ONE, DEFAULT_KIND) == []
