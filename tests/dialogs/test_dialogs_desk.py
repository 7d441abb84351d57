"""The team manager's desk (issue 26): team compliance equal to the digest's, who-can ranking by
a hand computation on the demo council, what-if for one person, nothing written, and who may ask."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

import dialogs.allocation
from dialogs.messages import AskForm, Card, Say
from policy.allocation import Restriction
from policy.packs import builtin_pack
from scheduling.digests import team_digests
from scheduling.obligations import Stats, refresh
from scoring.vocabulary import StaffRole
from storage.db import session_factory
from storage.models import (
    AuditEvent,
    Case,
    CaseAllocation,
    DialogState,
    Organisation,
    OutboxMessage,
    Staff,
    Team,
)
from storage.repositories.audit import verify_chain
from tests.dialogs.conftest import TODAY

# Derbyshire WMS (000:555), read off the scheme by hand: a CP child is 10 (column 2) + 6
# (column 3, the standard plan); a CIN family 10; a family in court 5 (000:500); outside a
# 15-mile radius 4 (000:520). Capacity by profile (000:442-446), pro rata by FTE.
ADDED = {
    "a new CP case": Decimal(16),
    "a CIN sibling group of 3, court, 20 miles away": Decimal(10 + 5 + 4),
    "a CLA sibling group of 2": Decimal(2 * 16),
}
CAPACITY = {"nqsw": Decimal(300), "grade 10": Decimal(350), "grade 11": Decimal(400)}
LINE = re.compile(r"^\d+\. (?P<name>[^:]+): (?P<before>[\d.]+) → (?P<after>[\d.]+) points")


def _card(replies: list[object]) -> Card:
    cards = [r for r in replies if isinstance(r, Card)]
    assert len(cards) == 1, replies
    return cards[0]


def _section(card: Card, heading: str) -> tuple[str, ...]:
    return next(s.lines for s in card.sections if s.heading.startswith(heading))


def _fact(card: Card, label: str) -> str:
    return next(f.value for f in card.facts if f.label == label)


async def _audits(database: AsyncEngine, subject_type: str) -> list[AuditEvent]:
    async with session_factory(database)() as session:
        rows = await session.exec(select(AuditEvent).where(AuditEvent.subject_type == subject_type))
        return list(rows.all())


async def test_team_figures_are_the_digests_for_the_same_day(database, chat_as) -> None:  # type: ignore[no-untyped-def]
    async with database.connect() as connection:
        org_id, pack_id = (
            await connection.execute(select(Organisation.id, Organisation.pack_id))
        ).one()
        team_id = (
            await connection.execute(select(Team.id).where(Team.name == "Safeguarding North"))
        ).scalar_one()
    pack = builtin_pack(pack_id)
    await refresh(database, org_id, pack, TODAY, Stats())
    digest, names = (await team_digests(database, org_id, pack, TODAY, TODAY))[team_id]

    manager = await chat_as("Priya Shah")
    card = _card(await manager.send("how's my team's compliance"))

    assert card.title == "Supervision compliance: Safeguarding North"
    figure = digest.month_to_date
    assert _fact(card, "This month so far") == (
        f"{figure.percent:.0f}% ({figure.supervised} of {figure.denominator})"
    )
    last = digest.last_month
    assert _fact(card, "Last month") == (
        f"{last.percent:.0f}% ({last.supervised} of {last.denominator})"
    )
    assert _fact(card, "Target").startswith(f"{digest.target:.0f}%")
    overdue = _section(card, "Overdue")
    assert len(digest.overdue) > 0  # the demo team has people overdue: the lists are compared
    assert [line.split(":")[0] for line in overdue] == [p.name for p in digest.overdue]
    assert [re.search(r"(\d+) days? overdue", line).group(1) for line in overdue] == [  # type: ignore[union-attr]
        str(p.item.overdue_days) for p in digest.overdue
    ]
    late = _section(card, "Records late or unsigned")
    assert len(late) == len(digest.late_records)
    for line, status in zip(late, digest.late_records, strict=True):
        assert names[status.supervisor_id] in line
    missed = _section(card, "Not supervised in")
    assert missed == (", ".join(names[i] for i in digest.missed_last_month),)
    # Over the band's capacity today, as the caseload score says (Tom Evans: 0.6 FTE of Grade
    # 10's 350, DCC 000:444); the digest lists count caps, which Derbyshire does not set.
    (tom,) = _section(card, "Caseloads over their band")
    assert tom.startswith("Tom Evans: ")
    assert "above the optimum bandwidth (210-240)" in tom
    groups = _section(card, "By staff group")
    assert [g.split(":")[0] for g in groups] == [g.label for g in digest.by_group]
    # A button per line to act on: book who is owed supervision, open a record owed a signature.
    assert card.actions
    assert all(
        a.value.startswith(("start:book:", "start:view:", "start:remind:")) for a in card.actions
    )
    assert {r.target_staff_id for r in await _audits(database, "supervision_compliance")} >= {
        p.item.staff_id for p in digest.overdue
    }


@pytest.mark.parametrize("shape", sorted(ADDED))
async def test_who_can_ranks_by_room_left_as_a_hand_computation(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
    shape: str,
) -> None:
    manager = await chat_as("Priya Shah")
    card = _card(await manager.send(f"who can take {shape}"))
    lines = _section(card, "Most room after taking it")
    shown = {m["name"]: m for line in lines if (m := LINE.match(line))}

    async with session_factory(database)() as session:
        team = (await session.exec(select(Team).where(Team.name == "Safeguarding North"))).one()
        members = (await session.exec(select(Staff).where(Staff.team_id == team.id))).all()
    expected: list[tuple[int, Decimal, str]] = []
    for person in members:
        if StaffRole(person.role).is_manager:
            continue
        before = Decimal(shown[person.name]["before"])
        after = before + ADDED[shape]
        assert Decimal(shown[person.name]["after"]) == after, person.name
        key = "nqsw" if StaffRole(person.role) is StaffRole.NQSW else (person.grade or "").lower()
        if key not in CAPACITY:  # a student, an agency worker: no band in the scheme
            expected.append((1, Decimal(0), person.name))
            continue
        room = CAPACITY[key] * person.fte - after
        expected.append((2 if room < 0 else 0, -room, person.name))
    order = [LINE.match(line)["name"] for line in lines]  # type: ignore[index]
    assert order == [name for *_, name in sorted(expected)]


async def test_what_if_for_one_person_shows_what_the_case_adds(chat_as) -> None:  # type: ignore[no-untyped-def]
    manager = await chat_as("Priya Shah")
    team = _card(await manager.send("who can take a new CP case"))
    sam = next(line for line in _section(team, "Most room") if "Sam Taylor" in line)
    before = LINE.match(sam)["before"]  # type: ignore[index]

    card = _card(await manager.send("what would Sam's score be with a new CP case"))
    assert card.title == "What if Sam Taylor took a CP case"
    assert _fact(card, "Now → with it") == f"{before} → {Decimal(before) + 16} points"
    assert _section(card, "What the new case adds: 16 points") == (
        "10 — CIC / CP child",
        "6 — CIC / CP plan",
    )
    assert "Nothing is allocated or saved" in card.subtitle


async def test_over_the_band_the_policy_s_approval_is_named_and_offered(chat_as) -> None:  # type: ignore[no-untyped-def]
    manager = await chat_as("Priya Shah")
    card = _card(await manager.send("what if Megan Price took a new CP case"))
    note = " ".join(_section(card, "Please note"))
    # CAP003 003:70-71 as Derbyshire's pack words it: the Operations Manager agrees it first.
    assert "Operations Manager's agreement before the case is allocated" in note
    (offer,) = card.actions
    assert offer.value == "start:overcap:Megan Price"
    form = next(r for r in await manager.choose(offer.value) if isinstance(r, AskForm))
    assert next(f.value for f in form.fields if f.name == "person") == "Megan Price"


async def test_everyone_over_capacity_needs_the_approval(chat_as) -> None:  # type: ignore[no-untyped-def]
    manager = await chat_as("Priya Shah")
    card = _card(await manager.send("who can take a CLA sibling group of 8"))
    note = " ".join(_section(card, "Please note"))
    assert "Everyone with a capacity under your scheme would go over it" in note
    assert any(a.value.startswith("start:overcap:") for a in card.actions)


async def test_asking_writes_nothing_but_the_audit(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    async def allocations() -> int:
        async with database.connect() as connection:
            query = select(func.count()).select_from(CaseAllocation)
            return int((await connection.execute(query)).scalar_one())

    held = await allocations()
    manager = await chat_as("Priya Shah")
    await manager.send("who can take a new CP case")
    await manager.send("what if Sam took a CIN case")
    assert await allocations() == held
    assert manager.last.flow is None
    async with session_factory(database)() as session:
        assert not (await session.exec(select(DialogState))).all()
    audited = await _audits(database, "allocation_what_if")
    sam = (await _staff(database, "Sam Taylor")).id
    assert sum(1 for a in audited if a.target_staff_id == sam) == 2  # who asked about whom
    assert {a.actor_id for a in audited} == {(await _staff(database, "Priya Shah")).id}
    async with session_factory(database)() as session:
        checked, problems = await verify_chain(session)  # a dozen reads appended at once
    assert checked >= len(audited)
    assert not problems


async def test_a_worker_is_told_who_can_answer(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    worker = await chat_as("Sam Taylor")
    for question in ("who can take a new CP case", "what if Tom took a CP case"):
        replies = await worker.send(question)
        assert not any(isinstance(r, Card) for r in replies), question
        said = " ".join(r.text for r in replies if isinstance(r, Say))
        assert "ask your team manager, Priya Shah" in said
    assert not await _audits(database, "allocation_what_if")


async def test_another_team_s_manager_sees_only_their_own(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    other = await chat_as("Daniel Hughes")
    refused = await other.send("what if Sam Taylor took a new CP case")
    assert not any(isinstance(r, Card) for r in refused)
    assert "Only Sam and their managers" in " ".join(r.text for r in refused if isinstance(r, Say))
    (card,) = [r for r in await other.send("team compliance") if isinstance(r, Card)]
    assert card.title == "Supervision compliance: Children in Care"
    ranked = _card(await other.send("who can take a new CLA case"))
    text = " ".join(line for s in ranked.sections for line in s.lines)
    assert "Sam Taylor" not in text
    assert "Grace Lee" in text
    sam = (await _staff(database, "Sam Taylor")).id
    for kind in ("allocation_what_if", "supervision_compliance"):
        assert all(a.target_staff_id != sam for a in await _audits(database, kind))


async def test_a_rule_that_stops_someone_is_shown_with_its_clause(
    chat_as,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The seam for issue 25: whatever policy.allocation.restriction says is shown, cited."""

    def nqsw_no_s47(pack, role, asye_start, shape, on, courses=None):  # type: ignore[no-untyped-def]
        if role is StaffRole.NQSW and shape.section_47:
            return Restriction("NQSWs must not lead S47 enquiries", "003:30")
        return None

    monkeypatch.setattr(dialogs.allocation, "restriction", nqsw_no_s47)
    manager = await chat_as("Priya Shah")
    card = _card(await manager.send("who can take an S47"))
    (stopped,) = _section(card, "Cannot take it")
    assert stopped.startswith("Aled Rhys: NQSWs must not lead S47 enquiries (")
    assert "003:30" not in stopped  # cited in the document's own name, not an internal id
    assert all("Aled Rhys" not in line for line in _section(card, "Most room"))


async def _staff(database: AsyncEngine, name: str) -> Staff:
    async with session_factory(database)() as session:
        return (await session.exec(select(Staff).where(col(Staff.name) == name))).one()


async def test_how_is_my_team_doing_leads_on_to_the_desk(chat_as) -> None:  # type: ignore[no-untyped-def]
    manager = await chat_as("Priya Shah")
    team = _card(await manager.send("how is my team doing"))
    assert team.title == "Caseloads: Safeguarding North"
    buttons = {a.label: a.value for a in team.actions}
    compliance = _card(await manager.choose(buttons["Team compliance"]))
    assert compliance.title == "Supervision compliance: Safeguarding North"
    ranked = _card(await manager.choose(buttons["Who can take a case"]))
    assert ranked.title.startswith("Who can take a CIN case")
    note = " ".join(_section(ranked, "Please note"))
    assert "No case type was given: scored as a CIN case" in note
    kinds = [a.label for a in ranked.actions if a.value.startswith("start:whocan:")]
    assert kinds == ["CP", "CLA", "CIN", "Describe the case"]


async def test_who_could_take_an_existing_case_leaves_out_its_worker(
    database: AsyncEngine,
    chat_as,  # type: ignore[no-untyped-def]
) -> None:
    sam = await _staff(database, "Sam Taylor")
    async with session_factory(database)() as session:
        reference = (
            await session.exec(
                select(Case.reference)
                .join(CaseAllocation, col(CaseAllocation.case_id) == Case.id)
                .where(CaseAllocation.staff_id == sam.id, col(CaseAllocation.end_date).is_(None))
                .limit(1)
            )
        ).one()
    manager = await chat_as("Priya Shah")
    card = _card(await manager.send(f"who could take {reference}"))
    assert card.title == f"Who can take {reference}: Safeguarding North"
    ranked = _section(card, "Most room")
    assert ranked
    assert all("Sam Taylor" not in line for line in ranked)
    refused = await manager.send("who could take C-99999")
    assert "There is no case C-99999 here" in " ".join(
        r.text for r in refused if isinstance(r, Say)
    )


def test_over_since_walks_back_the_allocation_history_by_hand() -> None:
    """Issue 26 item 2, pure: points per case by hand (10 a case), capacity 30; over on a day is
    more than 30. A: 1 Jan on; B: 1 Feb to 1 Mar; C: 1 Feb on (case closed 1 Apr); D: 10 May on;
    E: 20 Jun on. Held: Jan 10, Feb 30, Mar 20, Apr 10, 10 May 20, 20 Jun 30 -> never over; then
    F on 1 Jul (40) and G 1 Aug (50): over since 1 Jul, however many changes since; F ending
    on 25 Jul instead (30 held, at the capacity) makes it over since 1 Aug."""
    from datetime import date as day

    from dialogs.allocation import over_since
    from dialogs.views import CaseView, HeldCase
    from scoring.vocabulary import CaseCategory

    def case(n: int) -> CaseView:
        return CaseView(n, f"C-{n}", CaseCategory.CIN, 1, day(2026, 1, 1), None)

    held = [
        HeldCase(case(1), day(2026, 1, 1)),
        HeldCase(case(2), day(2026, 2, 1), day(2026, 3, 1)),
        HeldCase(case(3), day(2026, 2, 1), day(2026, 4, 1)),
        HeldCase(case(4), day(2026, 5, 10)),
        HeldCase(case(5), day(2026, 6, 20)),
    ]

    def over(cases: list[CaseView], on: day) -> bool:
        return 10 * len(cases) > 30

    assert over_since(held, over, day(2026, 11, 23)) is None
    held += [HeldCase(case(6), day(2026, 7, 1)), HeldCase(case(7), day(2026, 8, 1))]
    assert over_since(held, over, day(2026, 11, 23)) == day(2026, 7, 1)
    assert over_since(held, over, day(2026, 7, 15)) == day(2026, 7, 1)
    # Back at the capacity ends the stretch: F ends on 25 Jul (30 held), G starts 1 Aug (40).
    held[5] = HeldCase(case(6), day(2026, 7, 1), day(2026, 7, 25))
    assert over_since(held, over, day(2026, 7, 20)) == day(2026, 7, 1)
    assert over_since(held, over, day(2026, 7, 28)) is None
    assert over_since(held, over, day(2026, 11, 23)) == day(2026, 8, 1)


async def _hand_history(database: AsyncEngine, name: str, base: int) -> None:
    """`name` holds, by hand: `base` CIN cases of one child from 5 Jan 2026; one more 4 May to
    1 Jun; one more from 3 Aug whose case closed on 1 Sep; one more from 14 Sep. Each stretch
    over `base` before 14 Sep ended back at `base`."""
    from datetime import date as day

    person = await _staff(database, name)
    async with session_factory(database)() as session:
        for row in (
            await session.exec(select(CaseAllocation).where(CaseAllocation.staff_id == person.id))
        ).all():
            await session.delete(row)
        org = (await session.exec(select(Organisation))).first()
        assert org is not None
        assert org.id is not None

        async def held(
            n: int, start: day, end: day | None = None, closed: day | None = None
        ) -> None:
            case = Case(
                organisation_id=org.id,  # type: ignore[union-attr]
                reference=f"C-9{n:03d}",
                category="cin",
                facts={"travel": "within_15_miles"},
                opened=start,
                closed=closed,
            )
            session.add(case)
            await session.flush()
            assert case.id is not None
            assert person.id is not None
            session.add(
                CaseAllocation(case_id=case.id, staff_id=person.id, start_date=start, end_date=end)
            )

        for n in range(base):
            await held(n, day(2026, 1, 5))
        await held(base, day(2026, 5, 4), end=day(2026, 6, 1))
        await held(base + 1, day(2026, 8, 3), closed=day(2026, 9, 1))
        await held(base + 2, day(2026, 9, 14))
        await session.commit()


async def test_over_the_band_since_a_hand_computed_day(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    """Issue 26 item 2 on the demo council: Tom Evans (0.6 FTE, Grade 11: 240 points, DCC
    000:442-446), each CIN family 10 points (000:555): 24 families is 240, at the capacity and
    not over; 250 with one more. Over since 14 Sep 2026 (_hand_history)."""
    await _hand_history(database, "Tom Evans", 24)
    manager = await chat_as("Priya Shah")
    card = _card(await manager.send("how's my team's compliance"))
    (line,) = [x for x in _section(card, "Caseloads over their band") if x.startswith("Tom Evans")]
    assert line.startswith("Tom Evans: 250 points, ")
    assert line.endswith(", over since Mon 14 Sep 2026")


async def test_over_the_cap_since_a_hand_computed_day(database: AsyncEngine, clock) -> None:  # type: ignore[no-untyped-def]
    """Issue 26 item 2 for a council that counts cases: the same council under Lambeth's pack
    (CAP003's cap of 22 for a social worker, 003:68-71, not pro rata): 22 is at the cap, 23
    over; over since 14 Sep 2026 as the digest dates it (policy.caps.over_cap_since)."""
    from dialogs.engine import Engine
    from dialogs.registry import flows, understanding
    from storage.unit_of_work import unit_of_work_factory
    from tests.dialogs.conftest import Chat

    await _hand_history(database, "Tom Evans", 22)
    packs = {"derbyshire": builtin_pack("lambeth")}
    engine = Engine(
        flows=flows(),
        understanding=understanding(),
        unit_of_work=unit_of_work_factory(database, packs),
        clock=clock,
    )
    manager = Chat(engine, (await _staff(database, "Priya Shah")).id or 0, clock)
    card = _card(await manager.send("how's my team's compliance"))
    (line,) = [x for x in _section(card, "Caseloads over the cap") if x.startswith("Tom Evans")]
    assert line.startswith("Tom Evans: 23 of 22, over since Mon 14 Sep 2026")


async def _nudges(database: AsyncEngine) -> list[OutboxMessage]:
    async with session_factory(database)() as session:
        rows = await session.exec(
            select(OutboxMessage).where(col(OutboxMessage.idempotency_key).like("nudge:%"))
        )
        return list(rows.all())


async def test_remind_sends_one_private_reminder_a_day(
    database: AsyncEngine, chat_as, clock
) -> None:  # type: ignore[no-untyped-def]
    """Issue 26 item 1: a Remind button on team compliance for each person overdue; one tap
    sends them a private reminder of what they owe, in the pack's words, with no record
    content; a second tap (a double click) sends nothing more and says so; audited."""
    manager = await chat_as("Priya Shah")
    card = _card(await manager.send("how's my team's compliance"))
    sam = await _staff(database, "Sam Taylor")
    remind = {a.label: a.value for a in card.actions if a.value.startswith("start:remind:")}
    assert remind["Remind Sam"] == f"start:remind:{sam.id}"
    assert "Remind Priya" not in remind  # not herself
    owed = [line for line in _section(card, "Overdue") if line.startswith("Sam Taylor: ")]

    said = " ".join(
        r.text for r in await manager.choose(remind["Remind Sam"]) if isinstance(r, Say)
    )
    assert said.startswith(f"Sent Sam a private reminder of {len(owed)} overdue item")
    (note,) = manager.last.notifications
    assert note.staff_id == sam.id
    (sent,) = note.messages
    assert isinstance(sent, Card)
    assert _fact(sent, "From") == "Priya Shah, your manager"
    assert "Supervision Policy" in _fact(sent, "Policy")  # cited by the document's name
    # What they owe as the compliance card says it (the pack's descriptions), and nothing else:
    # no record's content, nobody else's name.
    lines = _section(sent, "Overdue")
    assert [line.split(":")[0] for line in lines] == [
        line.removeprefix("Sam Taylor: ").split(",")[0] for line in owed
    ]
    assert len(await _nudges(database)) == 1

    again = await manager.choose(remind["Remind Sam"])  # the double click
    assert "already been sent a reminder today" in " ".join(
        r.text for r in again if isinstance(r, Say)
    )
    assert manager.last.notifications == ()
    assert len(await _nudges(database)) == 1
    (event,) = await _audits(database, "supervision_reminder")
    assert (event.action, event.actor_id, event.target_staff_id) == (
        "remind",
        (await _staff(database, "Priya Shah")).id,
        sam.id,
    )

    clock.advance(days=1)  # a new day: one more may go, as a command this time
    sent = await manager.command("remind", "Sam Taylor")
    said = " ".join(r.text for r in sent if isinstance(r, Say))
    assert said.startswith("Sent Sam a private reminder")
    assert len(await _nudges(database)) == 2


async def test_remind_is_for_the_person_s_own_team_manager(database: AsyncEngine, chat_as) -> None:  # type: ignore[no-untyped-def]
    sam = await _staff(database, "Sam Taylor")
    other = await chat_as("Daniel Hughes")  # manages Children in Care, not Sam's team
    refused = await other.choose(f"start:remind:{sam.id}")
    assert "not in a team you manage" in " ".join(r.text for r in refused if isinstance(r, Say))
    assert other.last.notifications == ()
    (event,) = await _audits(database, "supervision_reminder")
    assert (event.action, event.target_staff_id) == ("refused", sam.id)

    worker = await chat_as("Tom Evans")
    told = await worker.choose(f"start:remind:{sam.id}")
    assert "ask your team manager, Priya Shah" in " ".join(
        r.text for r in told if isinstance(r, Say)
    )
    assert worker.last.notifications == ()
    assert await _nudges(database) == []


async def test_who_can_take_a_case_described_in_a_form(chat_as) -> None:  # type: ignore[no-untyped-def]
    """Issue 26: "or a form": the case ticked rather than typed ranks as the same words typed;
    a bad answer is shown beside its field with everything else kept."""
    manager = await chat_as("Priya Shah")
    typed = _card(await manager.send("who can take a CIN sibling group of 3, court, 20 miles away"))
    await manager.choose("start:whocan:(form)")
    form = manager.form()
    assert [f.name for f in form.fields] == ["kind", "children", "court", "s47", "miles", "case"]
    wrong = await manager.submit(kind="cin", children="30", court="true", miles="20")
    again = next(r for r in wrong if isinstance(r, AskForm))
    errors = {f.name: f.error for f in again.fields if f.error}
    assert errors == {"children": "Children: from 1 to 12."}
    assert {f.name: f.value for f in again.fields}["miles"] == "20"  # kept
    unknown = await manager.submit(children="3", case="C-99999")
    errors = {f.name: f.error for f in manager.form().fields if f.error}
    assert "There is no case C-99999 here" in errors["case"], unknown
    card = _card(await manager.submit(children="3", case=""))
    assert card.title == typed.title
    assert _section(card, "Most room") == _section(typed, "Most room")
    assert manager.last.flow is None  # answered: nothing waits, nothing is saved


async def test_who_sees_several_teams_is_the_pack_s_to_say(database: AsyncEngine, clock) -> None:  # type: ignore[no-untyped-def]
    """Issue 26: "the team's managers (and those the pack allows, e.g. a service manager for
    several teams)": by default a service manager sees the teams of the managers under them;
    a pack that allows no one beyond the team's manager tells them who to ask."""
    from dialogs.engine import Engine
    from dialogs.registry import flows, understanding
    from policy.packs import builtin_pack_ids
    from policy.packs.schema import TeamDesk
    from storage.unit_of_work import unit_of_work_factory
    from tests.dialogs.conftest import Chat

    morgan = (await _staff(database, "Morgan Price")).id
    assert morgan is not None

    def chat(only_managers: bool) -> Chat:
        packs = {pack_id: builtin_pack(pack_id) for pack_id in builtin_pack_ids()}
        if only_managers:
            closed = TeamDesk(across_teams=(), basis="product")
            packs = {k: p.model_copy(update={"team_desk": closed}) for k, p in packs.items()}
        engine = Engine(
            flows=flows(),
            understanding=understanding(),
            unit_of_work=unit_of_work_factory(database, packs),
            clock=clock,
        )
        return Chat(engine, morgan, clock)

    titles = [r.title for r in await chat(False).send("team compliance") if isinstance(r, Card)]
    assert "Supervision compliance: Safeguarding North" in titles
    refused = await chat(True).send("team compliance")
    assert not any(isinstance(r, Card) for r in refused)
    assert "A team's compliance is for its managers" in " ".join(
        r.text for r in refused if isinstance(r, Say)
    )
