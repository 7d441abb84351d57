"""Transcript: "what's my caseload score" for a worker, a manager's views, and refusals."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from dialogs.messages import Card, Say
from dialogs.scores import counted_children
from dialogs.views import CaseView
from scoring.vocabulary import AllocationRole, CaseCategory
from storage.db import session_factory
from storage.models import AuditEvent, Staff
from storage.repositories.facts import SqlFacts
from storage.repositories.people import SqlCases
from tests.dialogs.conftest import TODAY


def card(replies: list) -> Card:  # type: ignore[type-arg]
    cards = [r for r in replies if isinstance(r, Card)]
    assert cards, replies
    return cards[0]


@pytest.mark.parametrize(
    "question", ["what's my caseload score", "whats my casload scroe?", "how many points am I on"]
)
async def test_worker_gets_score_band_and_breakdown(chat_as, question: str) -> None:  # type: ignore[no-untyped-def]
    worker = await chat_as("Sam Taylor")
    reply = card(await worker.send(question))
    assert reply.title.startswith("Your caseload: ")
    facts = {f.label: f.value for f in reply.facts}
    assert re.fullmatch(r"\d+(\.\d+)? points", facts["Score"])
    assert "Band" in facts
    assert facts["Capacity used"].endswith("%")
    # Derbyshire weighs cases in points and sets no count cap (000:554 "no maximum").
    assert re.fullmatch(
        r"\d+ \(your council sets no count cap for this role\)", facts["Cases (children)"]
    )
    headings = [s.heading for s in reply.sections]
    assert headings[:1] == ["Biggest contributors"]
    assert "Changes coming" in headings
    contributors = reply.sections[0].lines
    assert contributors
    assert all(line.startswith("C-") for line in contributors)
    detail = card(await worker.choose(reply.actions[0].value))
    assert detail.title == "Every point: Sam Taylor"
    total = sum(float(s.heading.rsplit(": ", 1)[1]) for s in detail.sections)
    assert f"{total:g}" == facts["Score"].split()[0]  # the breakdown adds up to the score
    # every point names the council's document and section, never a line of our extract
    lines = [line for s in detail.sections for line in s.lines]
    assert all("[Derbyshire Workload Management Scheme" in line for line in lines), lines
    assert not any(re.search(r"\d{3}:\d", line) for line in lines)


async def test_manager_sees_a_team_member_and_it_is_audited(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    manager = await chat_as("Priya Shah")
    reply = card(await manager.command("caseload", "Sam Taylor"))
    assert reply.title.startswith("Caseload: Sam Taylor")
    async with session_factory(database)() as session:
        events = (await session.exec(select(AuditEvent))).all()
    assert events[-1].action == "read"
    assert events[-1].subject_type == "caseload_score"


async def test_manager_team_view(chat_as) -> None:  # type: ignore[no-untyped-def]
    manager = await chat_as("Priya Shah")
    reply = card(await manager.send("caseload team"))
    assert reply.title == "Caseloads: Safeguarding North"
    lines = reply.sections[0].lines
    assert any(line.startswith("Sam Taylor: ") for line in lines)
    assert not any(line.startswith("Priya Shah") for line in lines)


async def test_colleague_cannot_see_another_workers_score(chat_as) -> None:  # type: ignore[no-untyped-def]
    worker = await chat_as("Tom Evans")
    replies = await worker.command("caseload", "Sam Taylor")
    assert isinstance(replies[0], Say)
    assert replies[0].text == "Only Sam and their managers can see their score."
    other_team_manager = await chat_as("Daniel Hughes")
    replies = await other_team_manager.command("caseload", "Sam Taylor")
    assert "Only Sam" in replies[0].text  # type: ignore[union-attr]


async def test_unknown_person_and_breakdown_of_someone_not_shown(chat_as) -> None:  # type: ignore[no-untyped-def]
    manager = await chat_as("Priya Shah")
    replies = await manager.command("caseload", "Nobody Atall")
    assert "Nobody called 'Nobody Atall' works here" in replies[0].text  # type: ignore[union-attr]
    sams_button = card(await manager.command("caseload", "Sam Taylor")).actions[0].value
    assert card(await manager.choose(sams_button)).title == "Every point: Sam Taylor"
    # The button says whose score it is, so access is checked again when it is clicked.
    colleague = await chat_as("Tom Evans")
    replies = await colleague.choose(sams_button)
    assert replies[0].text == "Only Sam and their managers can see their score."  # type: ignore[union-attr]
    replies = await colleague.choose("start:caseload:breakdown:99999999999")
    assert replies[0].text == "That person is no longer here."  # type: ignore[union-attr]


async def test_a_new_question_after_a_score_is_understood(chat_as) -> None:  # type: ignore[no-untyped-def]
    worker = await chat_as("Sam Taylor")
    await worker.send("what's my caseload score")
    replies = await worker.send("record my annual leave")
    assert replies[0].title == "Record an absence"  # type: ignore[union-attr]


async def test_the_chat_counts_cases_as_the_digest_does(database: AsyncEngine) -> None:
    """The score's case count (open cases, lead only, each child) and the policy inputs the
    digests read agree for every member of staff, so the two never show different counts."""
    async with session_factory(database)() as session:
        staff = (await session.exec(select(Staff))).all()
        organisations = {s.organisation_id for s in staff}
        digest_counts: dict[int, int] = {}
        for organisation_id in organisations:
            inputs = await SqlFacts(session).for_organisation(organisation_id, TODAY)
            digest_counts.update(inputs.caseload_counts)
        chat_counts = {
            s.id: counted_children(await SqlCases(session).open_cases(s.id or 0, TODAY))
            for s in staff
        }
    assert sum(chat_counts.values()) > 100  # the demo council has a few hundred cases
    assert {k: v for k, v in chat_counts.items() if v} == digest_counts


def test_counted_children_counts_each_child_of_a_lead_case_only() -> None:
    def case(children: int, role: AllocationRole) -> CaseView:
        return CaseView(1, "C-1", CaseCategory.CIN, children, TODAY, None, {}, role)

    cases = [case(3, AllocationRole.LEAD), case(1, AllocationRole.LEAD)]
    cases.append(case(2, AllocationRole.CO_WORKER))
    assert counted_children(cases) == 4  # CAP003 003:24: siblings count each child


def test_students_and_nqsws_in_the_database_get_the_share_and_the_ramp() -> None:
    # CAP003 003:36: a student holds at most half the team's social workers' caseload; 003:54:
    # an NQSW starts at half the team's and rises to 90% over the ASYE (month 6: 70%).
    from datetime import date
    from decimal import Decimal

    from dialogs.flows.caseload import summary_card
    from dialogs.scores import score_person
    from dialogs.views import StaffView
    from policy.packs import builtin_pack
    from scoring.caps import team_caseload
    from scoring.vocabulary import StaffRole

    pack = builtin_pack("lambeth")
    policy = pack.count_caps()
    assert policy is not None
    team = team_caseload(policy, [(StaffRole.SOCIAL_WORKER, 20), (StaffRole.SOCIAL_WORKER, 20)])
    assert team == 20
    on = date(2024, 11, 20)
    student = StaffView(1, 1, "Ana Student", "a@example.org", StaffRole.STUDENT, team_id=1)
    result = score_person(student, (), (), 11, pack, None, on, team=team)
    assert result.cap == 10
    facts = {f.label: f.value for f in summary_card(result, own=True).facts}
    assert facts["Cases (children)"].startswith("11 of 10 — over the cap")
    assert "team caseload 20: at most 10" in facts["Your council's guide"]
    nqsw = StaffView(
        2, 1, "Nia New", "n@example.org", StaffRole.NQSW, team_id=1, asye_start=date(2024, 5, 20)
    )
    result = score_person(nqsw, (), (), 12, pack, None, on, team=Decimal(20))
    assert result.cap == 18  # 003:56
    assert "month 6 of the ASYE: about 14.0 children" in (result.guide or "")


async def test_a_student_asking_under_lambeth_gets_half_the_team_social_workers_caseload(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    # CAP003 003:36 (Lambeth's caps preset): a student's caseload "should not exceed half of
    # the caseload of social workers within their host team": the chat reads the team's counts.
    import math

    from storage.models import Organisation

    async with session_factory(database)() as session:
        chloe = (await session.exec(select(Staff).where(Staff.name == "Chloe Martin"))).one()
        organisation = await session.get(Organisation, chloe.organisation_id)
        assert organisation is not None
        organisation.pack_id = "lambeth"
        session.add(organisation)
        await session.commit()
        team = (await session.exec(select(Staff).where(Staff.team_id == chloe.team_id))).all()
        social_workers = {"social_worker", "senior_practitioner", "advanced_practitioner"}
        counts = [
            counted_children(await SqlCases(session).open_cases(s.id or 0, TODAY))
            for s in team
            if s.role in social_workers
        ]
    held = [n for n in counts if n > 0]
    share = math.floor(sum(held) / len(held) / 2)
    reply = card(await (await chat_as("Chloe Martin")).send("what's my caseload"))
    facts = {f.label: f.value for f in reply.facts}
    assert re.fullmatch(rf"\d+ of {share}( — .*)?", facts["Cases (children)"]), facts
    assert f": at most {share})" in facts["Your council's guide"]
