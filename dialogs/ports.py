"""What dialogs need from the outside world, as Protocols that storage implements.

One `Ports` value is one unit of work: everything a turn reads and writes shares a transaction,
committed by the engine when the turn has been handled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from dialogs.messages import Notify
from dialogs.views import (
    AbsenceView,
    ActionView,
    BookedSession,
    CaseView,
    DueRecords,
    EnteredNoteView,
    HeldCase,
    PersonalElementView,
    RecordView,
    SessionView,
    StaffView,
    TeamView,
)
from policy.facts import (
    AbsenceFacts,
    CaseloadPeriod,
    MissedReasonFacts,
    OverCapApproval,
    SessionFacts,
    StaffFacts,
)
from policy.facts import CaseFacts as PolicyCaseFacts
from policy.frequencies import DueItem
from policy.obligations import MissedMonth
from policy.packs import Pack
from policy.vocabulary import AbsenceKind, CancelReason, SessionType
from scoring.model import PersonalElement as ScoredElement
from scoring.scheme_model import Scheme

if TYPE_CHECKING:
    from dialogs.scores import ScoreCache


@dataclass(frozen=True, slots=True)
class StoredState:
    flow: str
    step: str
    data: Mapping[str, Any]
    version: int
    expires_at: datetime


class ConcurrentUpdate(Exception):
    """Another turn moved this conversation on (or made the same unique write) first; the turn is
    rolled back whole and retried from the new state."""


class StateStore(Protocol):
    async def lock(self, key: str) -> None:
        """Make other instances' turns of this conversation wait until this unit of work ends."""
        ...

    async def load(self, key: str) -> StoredState | None: ...

    async def save(
        self,
        key: str,
        flow: str,
        step: str,
        data: Mapping[str, Any],
        expires_at: datetime,
        expected_version: int | None,
    ) -> int: ...

    async def delete(self, key: str, expected_version: int | None = None) -> None:
        """Forget a conversation; with a version, only if it is still at that version (otherwise
        ConcurrentUpdate, and nothing else the turn wrote is committed)."""
        ...

    async def claim_message(self, platform: str, message_id: str) -> bool:
        """True the first time a platform message id is seen; False for a duplicate delivery."""
        ...


class Directory(Protocol):
    async def staff(self, staff_id: int) -> StaffView | None: ...

    async def find_staff(self, organisation_id: int, text: str) -> Sequence[StaffView]:
        """People whose name or email matches what was typed (case-insensitive, partial)."""
        ...

    async def supervisees(self, supervisor_id: int) -> Sequence[StaffView]: ...

    async def team(self, team_id: int) -> TeamView | None: ...

    async def team_members(self, team_id: int) -> Sequence[StaffView]: ...

    async def teams_managed_by(self, staff_id: int) -> Sequence[TeamView]: ...

    async def management_chain(self, staff_id: int) -> Sequence[int]:
        """Line manager, their line manager, and so on upwards."""
        ...

    async def set_language(self, staff_id: int, language: str | None) -> None:
        """Remember the language a person chose ("cy", "en"; None: back to the default)."""
        ...


class Cases(Protocol):
    async def open_cases(self, staff_id: int, on: date) -> Sequence[CaseView]: ...

    async def open_cases_of(
        self, staff_ids: Sequence[int], on: date
    ) -> Mapping[int, Sequence[CaseView]]:
        """Each person's open cases on the day, for a whole team in one read."""
        ...

    async def by_reference(self, organisation_id: int, reference: str) -> CaseView | None: ...

    async def workers(self, case_id: int, on: date) -> Sequence[int]: ...

    async def update_facts(self, case_id: int, facts: Mapping[str, Any]) -> None: ...

    async def last_decisions(self, case_ids: Sequence[int]) -> Mapping[int, date]:
        """The day of each case's latest manager's decision, for cases that have one."""
        ...

    async def allocation_history(
        self, staff_ids: Sequence[int]
    ) -> Mapping[int, Sequence[HeldCase]]:
        """Every allocation these people have held, each with its case as recorded now (the
        rows the caseload history reads, WSX/LUT 001:92), for since when a score is over."""
        ...


class Sessions(Protocol):
    async def book(
        self,
        *,
        organisation_id: int,
        type: SessionType,
        supervisor_id: int,
        supervisee_ids: Sequence[int],
        start: datetime,
        end: datetime,
        venue: str,
        virtual: bool,
        agenda: Sequence[str],
        created_by_id: int,
        rescheduled_from_id: int | None = None,
    ) -> SessionView: ...

    async def get(self, session_id: int) -> SessionView | None: ...

    async def between(self, staff_id: int, start: datetime, end: datetime) -> Sequence[SessionView]:
        """Booked or held sessions of this person (either side) overlapping [start, end)."""
        ...

    async def upcoming(self, staff_id: int, after: datetime) -> Sequence[SessionView]: ...

    async def booked_after(self, staff_id: int, after: datetime) -> Sequence[BookedSession]:
        """The first sessions `upcoming` gives, as when and who with only, in one read."""
        ...

    async def recent(self, staff_id: int, since: datetime) -> Sequence[SessionView]: ...

    async def cancel(self, session_id: int, reason: CancelReason, note: str) -> None: ...

    async def set_online_meeting(
        self, session_id: int, meeting_id: str | None, join_url: str | None
    ) -> None: ...

    async def set_outlook_event(self, session_id: int, event_id: str | None) -> None:
        """The Outlook event its invitation was sent as (issue 23 item 6), or None."""
        ...

    async def mark_held(self, session_id: int) -> None: ...

    async def reflection(self, session_id: int, staff_id: int) -> str | None:
        """The supervisee's answer to the reflection questions before this session (issue 27)."""
        ...

    async def save_reflection(
        self, session_id: int, staff_id: int, text: str, at: datetime
    ) -> None:
        """Keep (or replace) the supervisee's answer for this session; a replaced answer is no
        longer agreed for the record until they agree again."""
        ...

    async def reflection_shared(self, session_id: int, staff_id: int) -> bool:
        """Whether the supervisee agreed their answer may be copied into the record."""
        ...

    async def share_reflection(
        self, session_id: int, staff_id: int, agreed: bool, at: datetime
    ) -> bool:
        """Keep the supervisee's yes or no to copying their answer into the record; False when
        there is no answer to agree to."""
        ...


class Records(Protocol):
    async def save(
        self,
        *,
        session_id: int,
        template_id: str,
        sections: Mapping[str, str],
        case_discussions: Mapping[int, Mapping[str, str]],
        decisions: Sequence[tuple[int | None, str, str]],
        actions: Sequence[tuple[str, int, date, date | None, str | None]],
        next_meeting_at: datetime | None,
        written_by_id: int,
        written_at: datetime,
        kind: str = ...,
    ) -> RecordView: ...

    async def get(self, record_id: int) -> RecordView | None: ...

    async def for_session(self, session_id: int) -> Sequence[RecordView]: ...

    async def ids_for_sessions(self, session_ids: Sequence[int]) -> Mapping[int, int]:
        """Session id -> its record's number, for those written (no content is read)."""
        ...

    async def last_for(self, supervisee_id: int) -> RecordView | None: ...

    async def sign(self, record_id: int, staff_id: int, at: datetime) -> RecordView: ...

    async def request_changes(self, record_id: int, text: str) -> None: ...

    async def awaiting_signature(self, staff_id: int) -> Sequence[RecordView]: ...

    async def for_due(self, staff_id: int, *, agreed: bool = True) -> DueRecords:
        """What "what's due" shows of the person's records, in light reads (the next meeting
        agreed in their last record only if `agreed`: not when one is booked already)."""
        ...

    async def open_actions(self, staff_id: int) -> Sequence[ActionView]: ...

    async def last_actions(self, supervisee_id: int) -> Sequence[ActionView]:
        """The actions of the supervisee's last record, without its content."""
        ...

    async def last_recorded_at(self, supervisee_id: int) -> datetime | None:
        """When the supervisee's last session with a record began (no content is read)."""
        ...

    async def action(self, action_id: int) -> ActionView | None: ...

    async def close_action(self, action_id: int, outcome: str, at: datetime) -> bool:
        """Close an open action as `outcome` (policy.actions.ActionOutcome); False when it was
        already closed (a second click), which changes nothing."""
        ...

    async def ask_again(self, action_id: int, on: date) -> None:
        """Its owner said "not yet" on `on`: the next ask waits the pack's interval."""
        ...


class Notes(Protocol):
    """Decisions and supervision outside sessions, absences, over-cap approvals, snoozes."""

    async def snooze(self, *, staff_id: int, kind: str, until: date) -> None: ...

    async def manager_decision(
        self,
        *,
        organisation_id: int,
        case_id: int,
        decided_by_id: int,
        worker_id: int | None,
        decision: str,
        rationale: str,
        decided_on: date,
        note_type: str,
        recorded_at: datetime | None = None,
    ) -> int: ...

    async def informal(
        self,
        *,
        supervisor_id: int,
        supervisee_id: int,
        occurred_at: datetime,
        discussed: str,
        decided: str,
        recorded_by_id: int | None = None,
        recorded_at: datetime | None = None,
    ) -> int: ...

    async def last_entered(self, staff_id: int) -> EnteredNoteView | None:
        """The manager decision or informal supervision note this person saved last, withdrawn
        or not (issue 22: "undo" withdraws only that one, and a second "undo" nothing more)."""
        ...

    async def withdraw(self, kind: str, note_id: int, *, by_id: int, at: datetime) -> bool:
        """Mark the note withdrawn by `by_id` at `at`; False if it already was (a double click
        or a race), so it is withdrawn once."""
        ...

    async def informal_at(
        self, *, supervisor_id: int, supervisee_id: int, occurred_at: datetime
    ) -> bool:
        """Whether informal supervision of these two at that moment is already on file."""
        ...

    async def absence(
        self, *, staff_id: int, kind: AbsenceKind, start: date, end: date, note: str
    ) -> int:
        """Record an absence; one overlapping another of the person's (written by a turn that
        raced this one) raises ConcurrentUpdate, so the turn is retried and told about it."""
        ...

    async def absences_overlapping(
        self, staff_id: int, start: date, end: date
    ) -> Sequence[AbsenceView]:
        """The person's absences with a day from start to end (both inclusive), earliest first."""
        ...

    async def missed_month(
        self,
        *,
        staff_id: int,
        month: date,
        reason: CancelReason,
        note: str,
        follow_up: str,
        session_id: int | None,
        recorded_by_id: int,
    ) -> None:
        """Record why `staff_id` had no supervision in the month of `month`, and the follow-up
        action (DCC 000:176); recording the month again replaces its reason."""
        ...

    async def absence_by_id(self, absence_id: int) -> AbsenceView | None: ...

    async def remove_absence(self, absence_id: int) -> None:
        """Forget an absence recorded by mistake (or in the way of the right one)."""
        ...

    async def over_cap_approval(
        self,
        *,
        staff_id: int,
        approver_id: int,
        recorded_by_id: int,
        reason: str,
        start: date,
        max_end: date,
    ) -> int: ...

    async def personal_element(
        self,
        *,
        staff_id: int,
        element: str,
        quantity: Decimal,
        points: Decimal | None,
        start: date,
        end: date | None,
        recorded_by_id: int,
    ) -> int: ...

    async def personal_elements_of(self, staff_id: int, on: date) -> Sequence[PersonalElementView]:
        """This person's elements counting on the day or starting later, oldest first."""
        ...

    async def personal_element_by_id(self, element_id: int) -> PersonalElementView | None: ...

    async def end_personal_element(self, element_id: int, last_day: date) -> None:
        """Stop an element counting after `last_day`."""
        ...

    async def course_completed(
        self, *, staff_id: int, course: str, completed_on: date, recorded_by_id: int
    ) -> int:
        """Record that this person completed the pack's course on the day (CAP003 003:30); a
        completion already recorded for the course takes the new day. Returns the row's id."""
        ...

    async def courses_of(self, staff_ids: Sequence[int]) -> Mapping[int, Mapping[str, date]]:
        """Each person's completed courses: course id to the day completed."""
        ...


@dataclass(frozen=True, slots=True)
class PolicyInputs:
    """What the policy engine reads for some staff: built by storage, never a database row."""

    staff: tuple[StaffFacts, ...]
    sessions: tuple[SessionFacts, ...]
    absences: tuple[AbsenceFacts, ...]
    cases: tuple[PolicyCaseFacts, ...]
    approvals: tuple[OverCapApproval, ...]
    caseload_counts: tuple[tuple[int, int], ...]  # (staff id, open cases counted towards caps)
    missed_reasons: tuple[MissedReasonFacts, ...] = ()  # DCC 000:176


@dataclass(frozen=True, slots=True)
class KeptDue:
    """A person's obligations and months missed as the scheduler keeps them, current on the day
    they were read for (storage.repositories.obligations): what due_items and
    missed_supervision would give, without reading their history (issue 24 item 1)."""

    items: tuple[DueItem, ...]
    missed: tuple[MissedMonth, ...]  # from MISSED_MONTHS_LISTED months back


class Facts(Protocol):
    async def for_staff(self, staff_ids: Sequence[int], on: date) -> PolicyInputs:
        """These people with their sessions, absences, cases and approvals."""
        ...

    async def for_organisation(self, organisation_id: int, on: date) -> PolicyInputs: ...

    async def approvals(self, staff_id: int) -> Sequence[OverCapApproval]:
        """This person's over-cap approvals alone: all a caseload score needs besides cases."""
        ...

    async def approvals_of(
        self, staff_ids: Sequence[int]
    ) -> Mapping[int, Sequence[OverCapApproval]]:
        """Each of these people's over-cap approvals, in one read (a team's caseloads)."""
        ...

    async def personal_elements(
        self, staff_ids: Sequence[int], on: date
    ) -> Mapping[int, tuple[ScoredElement, ...]]:
        """Personal elements of the caseload score counting on the day (duty days ...)."""
        ...

    async def kept_due(self, staff_id: int, pack: Pack, on: date) -> KeptDue | None:
        """The person's kept obligations on `on`, or None when they may be stale (a fact changed
        since the scheduler's last pass, a new day past their validity, a pack edit): then the
        caller recomputes them from `for_staff`, which is what they would be once refreshed."""
        ...

    async def last_reviewed(
        self, worker_ids: Sequence[int], people: Sequence[int], pack: Pack, on: date
    ) -> Mapping[int, Sequence[tuple[str, date | None]]]:
        """Each worker's open cases on `on` with the day their record was last discussed in a
        held session of `people` (None: never), in one read (policy.record_review)."""
        ...

    async def caseload_history(self, staff_ids: Sequence[int]) -> Sequence[CaseloadPeriod]:
        """Every allocation these people have held: when a caseload went over its cap (WSX/LUT
        001:92), as the digest dates it."""
        ...


class Audit(Protocol):
    async def record(
        self,
        *,
        actor_id: int,
        action: str,
        subject_type: str,
        subject_id: str,
        target_staff_id: int | None,
        reason: str = "",
        detail: Mapping[str, Any] | None = None,
        covered: Sequence[int] = (),
    ) -> None:
        """One event; `covered` lists the people it concerns besides the target (a team view's
        members), each of whom finds it in a subject access request."""
        ...

    async def record_reads(
        self,
        *,
        actor_id: int,
        subject_type: str,
        staff_ids: Sequence[int],
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """A read of each of these people's standing, one event each, in one append."""
        ...

    async def handover(self, staff_id: int, new_manager_id: int) -> tuple[int | None, bool] | None:
        """The last change of this person's line manager to `new_manager_id` the staff import
        recorded (issue 27): (the previous manager's id, whether they have confirmed the
        handover), or None if there is none."""
        ...


class Packs(Protocol):
    def for_organisation(self, organisation_id: int) -> Pack: ...

    def organisation_name(self, organisation_id: int) -> str:
        """The organisation's own name ("Demoshire County Council (demo)"), not its pack's."""
        ...

    def scheme(self, scheme_id: str) -> Scheme:
        """A weighting scheme: the council's own (SCHEMES_DIR) or a built-in one."""
        ...


class Outbox(Protocol):
    """What others must be told, queued in the turn's own transaction: a turn that commits has
    queued its notices, and one rolled back (a crash, a duplicate) has queued none."""

    async def notify(self, notices: Sequence[Notify], due_at: datetime) -> int: ...


@dataclass(frozen=True, slots=True)
class OnlineMeeting:
    """A Teams meeting made for a session: the platform's id for it and the join link."""

    id: str
    join_url: str


class MeetingUnavailable(Exception):
    """The meeting could not be made, moved or cancelled; the message says why in words a
    manager can act on (never a token or a response body)."""


@dataclass(frozen=True, slots=True)
class OutlookInvite:
    """A session's invitation as an Outlook calendar event (issue 23 item 6): sent from the
    supervisor's calendar to the supervisees, staff names only in the subject."""

    organiser_id: int
    start: datetime
    end: datetime
    subject: str
    location: str
    attendee_ids: tuple[int, ...]
    body: str
    uid: str  # the session's iCalendar UID: a repeated send makes no second event


class InviteUnavailable(Exception):
    """The invitation could not be sent, moved or cancelled in Outlook; the message says why in
    words a manager can act on. The .ics file goes instead."""


class OutlookInvites(Protocol):
    """Invitations sent into Outlook through the council's Microsoft 365 (issue 23 item 6:
    "send the invite so it lands in Outlook ... rather than as a OneDrive file"), where the
    council configured it. Each call raises InviteUnavailable on failure."""

    async def send(self, invite: OutlookInvite) -> str:
        """The event's id."""
        ...

    async def update(self, event_id: str, invite: OutlookInvite) -> None: ...

    async def cancel(self, organiser_id: int, event_id: str, comment: str) -> None: ...


class OnlineMeetings(Protocol):
    """Teams online meetings for virtual sessions (issue 23 item 6), where the council has them.
    Each call raises MeetingUnavailable on failure; the booking goes ahead regardless. Only the
    organiser, the times and the subject are sent: never record content or a case detail."""

    async def create(
        self, organiser_id: int, start: datetime, end: datetime, subject: str
    ) -> OnlineMeeting: ...

    async def move(
        self, organiser_id: int, meeting_id: str, start: datetime, end: datetime, subject: str
    ) -> None: ...

    async def cancel(self, organiser_id: int, meeting_id: str) -> None: ...


class Ports(Protocol):
    """One unit of work; the engine commits it once the turn has been handled."""

    @property
    def state(self) -> StateStore: ...

    @property
    def directory(self) -> Directory: ...

    @property
    def cases(self) -> Cases: ...

    @property
    def sessions(self) -> Sessions: ...

    @property
    def records(self) -> Records: ...

    @property
    def notes(self) -> Notes: ...

    @property
    def facts(self) -> Facts: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def scores(self) -> ScoreCache:
        """Scores kept between units of work (in this process), checked by the person's row."""
        ...

    @property
    def audit(self) -> Audit: ...

    @property
    def packs(self) -> Packs: ...

    async def commit(self) -> None: ...
