"""When a staff import changes someone's line manager (issue 25 item 5, issue 27): the new
manager gets a handover summary (dialogs.handover: open actions, children due case supervision,
the last record's date and who wrote it) and, where the pack passes records on (DCC 000:105),
the records that pass to them; the old manager is asked to confirm the handover with one
button (dialogs.flows.handover). All through the outbox in the import's own transaction, with
an audit event the confirmation checks against: the change, the messages and the event are
kept together or not at all. What is said of the records: policy.record_handover."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogs.agenda import ORDER
from dialogs.handover import (
    CASES_LISTED,
    LOOKAHEAD_DAYS,
    Handover,
    case_due_line,
    confirm_card,
    handover_card,
    leaver_card,
)
from dialogs.i18n import _, category_label, choose, use_language
from dialogs.messages import Say
from dialogs.serialise import to_dict
from dialogs.when import describe_day
from policy.obligations import due_items
from policy.packs import Pack
from policy.record_handover import handover_message
from storage.imports.base import ImportReport
from storage.models import (
    CaseAllocation,
    RecordAction,
    SessionAttendee,
    Staff,
    SupervisionRecord,
    SupervisionSession,
    Team,
)
from storage.outbox import Queued, destinations_of, enqueue_many, sealed
from storage.repositories.audit import SqlAudit
from storage.repositories.facts import SqlFacts


async def _cases_due(
    session: AsyncSession, pack: Pack, staff_id: int, today: date
) -> tuple[list[str], int]:
    """Children whose case supervision is overdue or due within LOOKAHEAD_DAYS, CP first
    (LAM 004:257-262), references only; and how many more there are beyond those listed."""
    if pack.case_supervision is None:
        return [], 0
    inputs = await SqlFacts(session).for_staff([staff_id], today)
    me = next((s for s in inputs.staff if s.id == staff_id), None)
    if me is None:
        return [], 0
    until = today + timedelta(days=LOOKAHEAD_DAYS)
    category = {c.reference: c.category for c in inputs.cases}
    due = [
        i
        for i in due_items(me, pack, inputs.sessions, inputs.absences, inputs.cases, today)
        if i.kind == "case_supervision" and i.case_reference and i.due and i.due <= until
    ]
    due.sort(
        key=lambda i: (
            ORDER.get(category[i.case_reference or ""], len(ORDER)),
            i.due,
            i.case_reference,
        )
    )
    lines = []
    for item in due[:CASES_LISTED]:
        assert item.due is not None
        assert item.case_reference is not None
        label = category_label(pack, category[item.case_reference].value)
        lines.append(case_due_line(item.case_reference, label, item.due, today))
    return lines, max(0, len(due) - CASES_LISTED)


async def _language_of(session: AsyncSession, pack: Pack, staff_id: int) -> str:
    """The language a person is written to: their choice, else their council's default."""
    person = await session.get(Staff, staff_id)
    return choose(person.language if person else None, None, pack.language.default)


async def _summary(
    session: AsyncSession, pack: Pack, staff_id: int, previous_id: int | None, new_id: int,
    today: date,
) -> tuple[Handover, int]:  # fmt: skip
    attended = select(SessionAttendee.session_id).where(SessionAttendee.staff_id == staff_id)
    records = (
        await session.exec(
            select(SupervisionRecord.id, SupervisionSession.planned_start, Staff.name)
            .join(SupervisionSession, col(SupervisionSession.id) == SupervisionRecord.session_id)
            .join(Staff, col(Staff.id) == SupervisionRecord.written_by_id)
            .where(col(SupervisionRecord.session_id).in_(attended))
            .order_by(col(SupervisionSession.planned_start), col(SupervisionRecord.id))
        )
    ).all()
    open_actions = (
        await session.exec(
            select(col(RecordAction.due_date))
            .join(SupervisionRecord, col(SupervisionRecord.id) == RecordAction.record_id)
            .where(
                col(SupervisionRecord.session_id).in_(attended),
                col(SupervisionRecord.supervisor_signed_at).is_not(None),  # agreed actions
                col(RecordAction.done_at).is_(None),
            )
        )
    ).all()
    person = await session.get(Staff, staff_id)
    previous = await session.get(Staff, previous_id) if previous_id else None
    manager = await session.get(Staff, new_id)
    name = person.name if person else _("a supervisee")
    cases, more = await _cases_due(session, pack, staff_id, today)
    last = records[-1] if records else None
    handover = Handover(
        staff_id=staff_id,
        supervisee=name,
        previous_id=previous_id,
        previous=previous.name if previous else None,
        new_id=new_id,
        new=manager.name if manager else _("the new line manager"),
        open_actions=list(open_actions),
        cases_due=cases,
        cases_more=more,
        last_record=last[1].astimezone(pack.zone).date() if last else None,
        last_record_by=last[2] if last else None,
        passed=handover_message(
            pack,
            name,
            [r for r, _, _ in records if r is not None],
            previous.name if previous else None,
        ),
        per_child=pack.case_supervision is not None,
        open_cases=len(
            (
                await session.exec(
                    select(CaseAllocation.case_id).where(
                        CaseAllocation.staff_id == staff_id, col(CaseAllocation.end_date).is_(None)
                    )
                )
            ).all()
        ),
    )
    return handover, len(records)


async def tell_new_managers(
    session: AsyncSession,
    pack: Pack,
    report: ImportReport,
    today: date,
    now: datetime | None = None,
) -> None:
    """`now`: when the messages are due and the audit event is dated (the machine's clock if
    None; the playground's demo clock passes its own)."""
    if not (report.manager_changes or report.leavers):
        return
    rows: list[Queued] = []
    now = now or datetime.now(UTC)
    audit = SqlAudit(session, lambda: now)
    rows += await _tell_of_leavers(session, pack, report, today, now, audit)
    for staff_id, previous_id, new_id in report.manager_changes:
        # Each manager's message in their own language (issue 28): their choice, else the
        # council's default.
        with use_language(await _language_of(session, pack, new_id)):
            handover, records = await _summary(session, pack, staff_id, previous_id, new_id, today)
            replies = [to_dict(Say(handover.passed))] if handover.passed else []
            replies.append(to_dict(handover_card(handover, today)))
        key = f"handover:{staff_id}:{new_id}:{today.isoformat()}"
        told = [(new_id, key, "handover", {"replies": replies})]
        if previous_id is not None and previous_id != new_id:
            with use_language(await _language_of(session, pack, previous_id)):
                ask = {"replies": [to_dict(confirm_card(handover))]}
            told.append((previous_id, f"{key}:confirm", "handover_confirm", ask))
        # What the old manager's button is checked against (dialogs.flows.handover).
        await audit.record(
            actor_id=None,
            action="access_change",
            subject_type="handover",
            subject_id=str(staff_id),
            target_staff_id=staff_id,
            detail={"event": "line manager changed", "from": previous_id, "to": new_id},
        )
        if handover.passed:
            report.notes.append(
                f"{handover.supervisee}: supervision records pass to the new line manager, "
                f"{handover.new}, who is told ({records} records)"
            )
        else:
            report.notes.append(
                f"{handover.supervisee}: the new line manager, {handover.new}, has a handover "
                "summary"
            )
        reach = await destinations_of(session, [who for who, *_ in told])
        rows += [
            Queued(f"{k}:{platform}", platform, target, kind, payload, now)
            for who, k, kind, payload in told
            for platform, target in reach[who]
        ]
    if rows:
        await enqueue_many(session, sealed(rows))


async def _tell_of_leavers(
    session: AsyncSession,
    pack: Pack,
    report: ImportReport,
    today: date,
    now: datetime,
    audit: SqlAudit,
) -> list[Queued]:
    """Issue 27: "when a worker leaves ... the new manager gets a handover summary". Their line
    manager (else their team's manager), who reallocates their children and holds their
    records, gets it once per leaving date the import sets; no one is asked to confirm, since
    the records do not change hands."""
    told: list[tuple[int, str, dict[str, object]]] = []
    for staff_id, leaving in report.leavers:
        person = await session.get(Staff, staff_id)
        if person is None or leaving < today - timedelta(days=LOOKAHEAD_DAYS):
            continue  # long gone: a correction of the records, not a handover to make now
        manager_id = person.line_manager_id
        if manager_id is None and person.team_id is not None:
            team = await session.get(Team, person.team_id)
            manager_id = team.manager_id if team else None
        if manager_id is None or manager_id == staff_id:
            report.notes.append(
                f"{person.name} leaves on {describe_day(leaving)}: no line or team manager is "
                "recorded to hand their children and actions over to"
            )
            continue
        with use_language(await _language_of(session, pack, manager_id)):
            handover, _records = await _summary(session, pack, staff_id, None, manager_id, today)
            card = leaver_card(handover, leaving, today)
        key = f"handover:leaves:{staff_id}:{leaving.isoformat()}"
        told.append((manager_id, key, {"replies": [to_dict(card)]}))
        await audit.record(
            actor_id=None,
            action="access_change",
            subject_type="handover",
            subject_id=str(staff_id),
            target_staff_id=staff_id,
            detail={"event": "leaving", "on": leaving.isoformat(), "to": manager_id},
        )
        report.notes.append(
            f"{person.name} leaves on {describe_day(leaving)}: {handover.new} has a handover "
            "summary"
        )
    reach = await destinations_of(session, [who for who, *_ in told])
    return [
        Queued(f"{key}:{platform}", platform, target, "handover", payload, now)
        for who, key, payload in told
        for platform, target in reach[who]
    ]
