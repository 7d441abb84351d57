"""A realistic demo council: three teams, ~25 staff, ~400 cases and six months of supervision.

Deterministic for a given date: the same seed and `today` always give the same organisation.
Names are invented staff names; cases carry references only, never a child's details.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogs.flows.record_plan import plan_for
from policy.calendar import WorkingCalendar, add_months
from policy.packs import builtin_pack, builtin_pack_ids
from policy.vocabulary import AbsenceKind, CancelReason, Nation, SessionStatus, SessionType
from scoring.vocabulary import AllocationRole, CaseCategory, StaffRole
from storage.db import session_factory
from storage.demo_content import (
    ACTIONS,
    CASE_MIX,
    DECISIONS,
    TEAMS,
    case_discussion,
    case_facts,
    record_sections,
)
from storage.models import (
    Absence,
    Case,
    CaseAllocation,
    ManagerDecision,
    Organisation,
    OverCapApproval,
    RecordAction,
    RecordCaseDiscussion,
    RecordDecision,
    SessionAttendee,
    Staff,
    SupervisionRecord,
    SupervisionSession,
    Team,
)

DEMO_SLUG = "demo"
LONDON = ZoneInfo("Europe/London")
DOMAIN = "demoshire.example"
DEMO_TEAMS_NAMESPACE = uuid.UUID("5e1f0c3a-2d6b-4c1e-9a7f-21d3c0de0021")


@dataclass(frozen=True)
class DemoSummary:
    organisation: str
    teams: int
    staff: int
    cases: int
    sessions: int
    records: int


async def demo_exists(engine: AsyncEngine) -> bool:
    async with session_factory(engine)() as session:
        query = select(Organisation).where(Organisation.slug == DEMO_SLUG)
        return (await session.exec(query)).first() is not None


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


_WORKING = WorkingCalendar(Nation.ENGLAND)  # Christmas and New Year are off in every nation


def _weekday_on_or_after(day: date) -> date:
    """The first working day from `day`: no demo session on 25 or 28 December (issue 23 item 2)."""
    return _WORKING.next_working_day(day)


def demo_teams_id(email: str) -> str:
    """A demo person's Teams (Entra ID) object id: a fixed GUID made from their email, so the
    Agents Playground or a test tenant can be set to speak as them (docs/teams.md)."""
    return str(uuid.uuid5(DEMO_TEAMS_NAMESPACE, email.lower()))


async def seed_demo(
    engine: AsyncEngine,
    today: date,
    *,
    pack_id: str = "derbyshire",
    session_type: str = "one_to_one",
    template: tuple[str, list[str]] = ("record_of_supervision", []),
    reviews: Mapping[str, tuple[str, list[str]]] | None = None,
    seed: int = 20261123,
) -> DemoSummary:
    """Create the demo organisation (the caller checks it is not there yet)."""
    rng = random.Random(seed)
    async with session_factory(engine)() as session:
        org = Organisation(slug=DEMO_SLUG, name="Demoshire County Council (demo)", pack_id=pack_id)
        session.add(org)
        await session.flush()
        assert org.id is not None
        org_id = org.id

        def person(ref: str, name: str, role: StaffRole, **extra: Any) -> Staff:
            email = f"{name.lower().replace(' ', '.').replace(chr(39), '')}@{DOMAIN}"
            staff = Staff(
                organisation_id=org_id,
                external_ref=ref,
                name=name,
                email=email,
                teams_aad_object_id=demo_teams_id(email),
                role=role.value,
                start_date=extra.pop("start_date", today - timedelta(days=rng.randint(400, 3000))),
                **extra,
            )
            session.add(staff)
            return staff

        service_manager = person(
            "D001", "Morgan Price", StaffRole.SERVICE_MANAGER, grade="Grade 14"
        )
        await session.flush()
        staff_by_team: list[tuple[Team, Staff, list[Staff]]] = []
        number = 2
        for team_spec in TEAMS:
            team = Team(organisation_id=org.id, name=team_spec.name, service=team_spec.service)
            session.add(team)
            await session.flush()
            manager = person(
                f"D{number:03d}",
                team_spec.manager,
                StaffRole.TEAM_MANAGER,
                grade="Grade 12",
                team_id=team.id,
                line_manager_id=service_manager.id,
            )
            number += 1
            await session.flush()
            team.manager_id = manager.id
            members = []
            for spec in team_spec.members:
                extra: dict[str, Any] = {"team_id": team.id, "line_manager_id": manager.id}
                if spec.role is StaffRole.NQSW:
                    extra["asye_start"] = today - timedelta(days=spec.asye_days)
                    extra["start_date"] = extra["asye_start"]
                if spec.role is StaffRole.STUDENT:
                    extra["start_date"] = today - timedelta(days=75)
                    extra["leaving_date"] = today + timedelta(days=60)
                members.append(
                    person(
                        f"D{number:03d}",
                        spec.name,
                        spec.role,
                        grade=spec.grade,
                        fte=Decimal(spec.fte),
                        agency=spec.agency,
                        **extra,
                    )
                )
                number += 1
            await session.flush()
            staff_by_team.append((team, manager, members))

        cases: dict[int, list[Case]] = {}
        case_number = 1000
        for team, _manager, members in staff_by_team:
            mix = CASE_MIX[team.name]
            for member in members:
                assert member.id is not None
                target = _caseload_size(rng, StaffRole(member.role), member)
                for index in range(target + rng.randint(2, 6)):  # closed ones too
                    case_number += rng.randint(1, 7)
                    category = rng.choices(list(mix), weights=list(mix.values()))[0]
                    opened = today - timedelta(days=rng.randint(10, 700))
                    closed = None
                    if index >= target:
                        closed = today - timedelta(days=rng.randint(1, 120))
                        opened = min(opened, closed - timedelta(days=30))
                    case = Case(
                        organisation_id=org.id,
                        reference=f"C-{case_number}",
                        category=category.value,
                        children=rng.choice([1, 1, 2, 3]) if category is CaseCategory.CIN else 1,
                        facts=case_facts(rng, category, today),
                        opened=opened,
                        closed=closed,
                    )
                    session.add(case)
                    cases.setdefault(member.id, []).append(case)
            await session.flush()
            for member in members:
                assert member.id is not None
                for case in cases.get(member.id, []):
                    assert case.id is not None
                    session.add(
                        CaseAllocation(
                            case_id=case.id,
                            staff_id=member.id,
                            role=AllocationRole.LEAD.value,
                            start_date=case.opened,
                            end_date=case.closed,
                        )
                    )
            # Joint working: the NQSW co-works one of the senior practitioner's cases.
            seniors = [m for m in members if m.role == StaffRole.SENIOR_PRACTITIONER]
            nqsws = [m for m in members if m.role == StaffRole.NQSW]
            if seniors and nqsws and seniors[0].id and nqsws[0].id:
                shared = next(c for c in cases[seniors[0].id] if c.closed is None)
                assert shared.id is not None
                session.add(
                    CaseAllocation(
                        case_id=shared.id,
                        staff_id=nqsws[0].id,
                        role=AllocationRole.CO_WORKER.value,
                        start_date=shared.opened,
                    )
                )

        # Absences: leave across the six months, one long sickness, one maternity leave.
        everyone = [m for _, _, members in staff_by_team for m in members]
        for member in everyone:
            assert member.id is not None
            starts = {
                _weekday_on_or_after(today - timedelta(days=rng.randint(5, 180)))
                for _ in range(rng.randint(1, 3))
            }
            for start in sorted(starts):
                session.add(
                    Absence(
                        staff_id=member.id,
                        kind=AbsenceKind.ANNUAL_LEAVE.value,
                        start_date=start,
                        end_date=start + timedelta(days=rng.choice([0, 1, 4, 4, 11])),
                    )
                )
        long_sick = staff_by_team[0][2][2]
        maternity = staff_by_team[1][2][3]
        maternity_start = today - timedelta(days=100)
        assert long_sick.id is not None
        assert maternity.id is not None
        sick_start = _weekday_on_or_after(today - timedelta(days=75))
        session.add(
            Absence(
                staff_id=long_sick.id,
                kind=AbsenceKind.SICKNESS.value,
                start_date=sick_start,
                end_date=sick_start + timedelta(days=24),
                note="Phased return agreed",
            )
        )
        session.add(
            Absence(
                staff_id=maternity.id,
                kind=AbsenceKind.MATERNITY.value,
                start_date=maternity_start,
                end_date=today + timedelta(days=200),
            )
        )

        # Six months of supervision with realistic gaps, then the next bookings.
        sessions = records = 0
        headings = _case_headings(pack_id, session_type)
        for _team, manager, members in staff_by_team:
            for member in members:
                made = await _history(
                    rng,
                    session,
                    org.id,
                    manager,
                    member,
                    today,
                    session_type,
                    template,
                    cases.get(member.id or 0, []),
                    # Her pre-leave sessions are added below, with their own random numbers.
                    away_from=date.min if member is maternity else None,
                    headings=headings,
                )
                sessions += made[0]
                records += made[1]
            # Team managers are supervised by the service manager.
            made = await _history(
                rng,
                session,
                org.id,
                service_manager,
                manager,
                today,
                session_type,
                template,
                [],
                away_from=None,
                headings=headings,
            )
            sessions += made[0]
            records += made[1]

        # Manager decisions outside supervision, and one over-cap approval (policy_rules §10).
        for _team, manager, members in staff_by_team:
            for member in members[:3]:
                open_cases = [c for c in cases.get(member.id or 0, []) if c.closed is None]
                if not open_cases:
                    continue
                case = rng.choice(open_cases)
                decision, rationale = rng.choice(DECISIONS)
                assert case.id is not None
                assert manager.id is not None
                session.add(
                    ManagerDecision(
                        organisation_id=org.id,
                        case_id=case.id,
                        decided_by_id=manager.id,
                        worker_id=member.id,
                        decision=decision,
                        rationale=rationale,
                        decided_on=today - timedelta(days=rng.randint(1, 60)),
                        note_type="Managers Decision",
                    )
                )
        busiest = max(everyone, key=lambda m: len(cases.get(m.id or 0, [])))
        assert busiest.id is not None
        manager_of_busiest = next(mgr for _, mgr, ms in staff_by_team if busiest in ms)
        assert manager_of_busiest.id is not None
        session.add(
            OverCapApproval(
                staff_id=busiest.id,
                approver_id=service_manager.id or 0,
                recorded_by_id=manager_of_busiest.id,
                reason="Sibling group transferred in from Children in Care; vacancy in the team",
                start_date=today - timedelta(days=40),
                max_end_date=today + timedelta(days=50),
            )
        )
        # Added last, with a random stream of their own, so the data above stays as it was.
        later = random.Random(seed + 1)
        # Newly appointed, so nothing is overdue yet (their own supervisor is not a user here).
        director = person(
            "D000",
            "Jordan Ellis",
            StaffRole.ASSISTANT_DIRECTOR,
            grade="Director",
            start_date=today - timedelta(days=20),
        )
        await session.flush()
        service_manager.line_manager_id = director.id
        # The service manager is supervised by the assistant director (LAM 004:279-280).
        for supervisor, supervisee, away in (
            (director, service_manager, None),
            (staff_by_team[1][1], maternity, maternity_start),  # before her leave began
        ):
            made = await _history(
                later,
                session,
                org.id,
                supervisor,
                supervisee,
                today,
                session_type,
                template,
                cases.get(supervisee.id or 0, []),
                away_from=away,
                headings=headings,
            )
            sessions += made[0]
            records += made[1]

        # My Plan twice a year (DCC 000:81-83); ASYE reviews at 3, 6, 9 and 11 months (004:319).
        reviews = reviews or {}
        pairs = [(mgr, m) for _, mgr, members in staff_by_team for m in members]
        pairs += [(service_manager, mgr) for _, mgr, _ in staff_by_team]
        pairs.append((director, service_manager))
        for supervisor, reviewed in pairs:
            day = _weekday_on_or_after(today - timedelta(days=later.randint(20, 150)))
            if reviewed.start_date and day < reviewed.start_date:
                day = _weekday_on_or_after(reviewed.start_date + timedelta(days=10))
            if day < today:
                plan = reviews.get("my_plan", template)
                await _review(session, org.id, supervisor, reviewed, day, "my_plan", plan, later)
                sessions += 1
                records += 1
            if reviewed.role == StaffRole.NQSW and reviewed.asye_start:
                for months in (3, 6, 9, 11):
                    due = add_months(reviewed.asye_start, months)
                    if due >= today:
                        break
                    day = _weekday_on_or_after(due - timedelta(days=later.randint(0, 6)))
                    review = reviews.get("asye_review", template)
                    await _review(
                        session, org.id, supervisor, reviewed, day, "asye_review", review, later
                    )
                    sessions += 1
                    records += 1

        await session.commit()
        total_cases = sum(len(v) for v in cases.values())
        return DemoSummary(
            org.name,
            len(staff_by_team),
            len(everyone) + 2 + len(staff_by_team),
            total_cases,
            sessions,
            records,
        )


def _caseload_size(rng: random.Random, role: StaffRole, member: Staff) -> int:
    # CAP003 (003:54-77): social workers up to 22, NQSWs half rising to at most 18, students few.
    base = {
        StaffRole.SOCIAL_WORKER: rng.randint(17, 23),
        StaffRole.SENIOR_PRACTITIONER: rng.randint(14, 18),
        StaffRole.NQSW: rng.randint(8, 14),
        StaffRole.STUDENT: rng.randint(3, 5),
        StaffRole.CONSULTANT_SOCIAL_WORKER: rng.randint(5, 8),
    }.get(role, 0)
    return round(base * float(member.fte)) if base else 0


def _case_headings(pack_id: str, session_type: str) -> tuple[str, ...]:
    """The per-case headings the pack's record asks for (issue 28: a record read back shows each
    case's notes under the pack's own titles, in the reader's language, never a key of ours);
    none for a pack that is not built in (the notes keep the demo's own keys)."""
    if pack_id not in builtin_pack_ids():
        return ()
    plan = plan_for(builtin_pack(pack_id), SessionType(session_type))
    return tuple(heading.id for heading in plan.case_headings)


async def _history(
    rng: random.Random,
    session: AsyncSession,
    org_id: int,
    supervisor: Staff,
    supervisee: Staff,
    today: date,
    session_type: str,
    template: tuple[str, list[str]],
    cases: list[Case],
    *,
    away_from: date | None,
    headings: Sequence[str] = (),
) -> tuple[int, int]:
    """Sessions from six months ago to three weeks ahead: mostly held, some cancelled or missed."""
    assert supervisor.id is not None
    assert supervisee.id is not None
    made_sessions = made_records = 0
    step = 14 if supervisee.role == StaffRole.NQSW else 30
    day = max(today - timedelta(days=182), supervisee.start_date or today)
    day += timedelta(days=rng.randint(0, 10))
    while (day := _weekday_on_or_after(day)) <= today + timedelta(days=21):
        future = day >= today
        fate = "booked" if future else rng.choices(["held", "cancelled", "missed"], [82, 10, 8])[0]
        # On maternity leave nothing is due (POWYS 002:33). date.min marks the main pass for her,
        # which keeps her later bookings; her sessions before the leave come in a later pass.
        if away_from is not None and day >= away_from and not (future and away_from == date.min):
            fate = "missed"
        if fate == "missed":
            day += timedelta(days=step + rng.randint(-3, 5))
            continue
        planned = _at(day, rng.choice([9, 10, 11, 13, 14, 15]), rng.choice([0, 30]))
        venue = rng.choice(["Room 2, County Hall", "Microsoft Teams call", "Area office"])
        row = SupervisionSession(
            organisation_id=org_id,
            type=session_type,
            supervisor_id=supervisor.id,
            planned_start=planned,
            planned_end=planned + timedelta(minutes=90),
            venue=venue,
            virtual=venue.startswith("Microsoft"),
            status=SessionStatus.BOOKED.value,
            ical_uid=f"demo-{uuid.UUID(int=rng.getrandbits(128))}@{DOMAIN}",
            created_by_id=supervisor.id,
        )
        session.add(row)
        await session.flush()
        assert row.id is not None
        session.add(SessionAttendee(session_id=row.id, staff_id=supervisee.id))
        made_sessions += 1
        if fate == "cancelled":
            row.status = SessionStatus.CANCELLED.value
            # DCC 000:93: the reason is recorded and an early alternative date set.
            row.cancel_reason = rng.choice(
                [CancelReason.SICKNESS, CancelReason.ANNUAL_LEAVE, CancelReason.URGENT_WORK]
            ).value
            row.cancel_note = "Rearranged for the following week"
            day += timedelta(days=7)
            continue
        if fate == "held":
            row.status = SessionStatus.HELD.value
            await _record(
                rng, session, row, supervisor, supervisee, template, cases, today, step, headings
            )
            made_records += 1
        day += timedelta(days=step + rng.randint(-4, 6))
    return made_sessions, made_records


async def _record(
    rng: random.Random,
    session: AsyncSession,
    row: SupervisionSession,
    supervisor: Staff,
    supervisee: Staff,
    template: tuple[str, list[str]],
    cases: list[Case],
    today: date,
    step: int,
    headings: Sequence[str] = (),
) -> None:
    assert row.id is not None
    assert supervisor.id is not None
    assert supervisee.id is not None
    written = row.planned_end + timedelta(hours=rng.choice([2, 20, 26, 50, 70, 120]))
    recent = written > _at(today, 0) - timedelta(days=5)
    open_cases = [c for c in cases if c.closed is None]
    discussed = rng.sample(open_cases, k=min(3, len(open_cases)))
    next_day = _weekday_on_or_after(row.planned_start.astimezone(LONDON).date() + timedelta(step))
    record = SupervisionRecord(
        session_id=row.id,
        template_id=template[0],
        written_by_id=supervisor.id,
        written_at=written,
        sections=record_sections(rng, template[1], discussed),
        supervisor_signed_at=written,
        supervisee_signed_at=None if recent and rng.random() < 0.7 else written + timedelta(1),
        next_meeting_at=_at(next_day, 10),
    )
    session.add(record)
    await session.flush()
    assert record.id is not None
    for case in discussed:
        assert case.id is not None
        session.add(
            RecordCaseDiscussion(
                record_id=record.id, case_id=case.id, headings=case_discussion(rng, headings)
            )
        )
    if discussed and rng.random() < 0.6:
        decision, rationale = rng.choice(DECISIONS)
        session.add(
            RecordDecision(
                record_id=record.id,
                case_id=discussed[0].id,
                decision=decision,
                rationale=rationale,
            )
        )
    held_on = row.planned_start.astimezone(LONDON).date()
    for text in rng.sample(ACTIONS, k=rng.randint(1, 3)):
        due = held_on + timedelta(days=rng.randint(5, 25))
        session.add(
            RecordAction(
                record_id=record.id,
                description=text,
                owner_id=supervisee.id,
                due_date=due,
                review_date=due + timedelta(days=7),
                done_at=None if due > today else _at(due, 16),
            )
        )


async def _review(
    session: AsyncSession,
    org_id: int,
    supervisor: Staff,
    person: Staff,
    day: date,
    kind: str,
    template: tuple[str, list[str]],
    rng: random.Random,
) -> None:
    """A held and signed review (My Plan, ASYE review) with its record."""
    assert supervisor.id is not None
    assert person.id is not None
    start = _at(day, 14)
    row = SupervisionSession(
        organisation_id=org_id,
        type=kind,
        supervisor_id=supervisor.id,
        planned_start=start,
        planned_end=start + timedelta(minutes=90),
        venue="Area office",
        status=SessionStatus.HELD.value,
        ical_uid=f"demo-{uuid.UUID(int=rng.getrandbits(128))}@{DOMAIN}",
        created_by_id=supervisor.id,
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    session.add(SessionAttendee(session_id=row.id, staff_id=person.id))
    written = start + timedelta(hours=20)
    session.add(
        SupervisionRecord(
            session_id=row.id,
            template_id=template[0],
            sections=record_sections(rng, template[1], []),
            written_by_id=supervisor.id,
            written_at=written,
            supervisor_signed_at=written,
            supervisee_signed_at=written + timedelta(days=1),
        )
    )
