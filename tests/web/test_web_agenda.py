"""The agenda for a booked supervision (issue 27) over the playground's HTTP API: the supervisee
and the supervisor see it; a manager's look at someone else's is audited; anyone else is
refused. Case references only, CP first, with the day of the last manager's decision."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from aiohttp.test_utils import TestServer
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.keys import CLOCK
from bot.web.timetravel import catch_up, deliver
from policy.packs import builtin_pack
from storage.db import session_factory
from storage.imports.base import ImportReport
from storage.imports.handover import tell_new_managers
from storage.models import (
    AuditEvent,
    Case,
    CaseAllocation,
    ManagerDecision,
    Organisation,
    OutboxMessage,
    RecordAction,
    SessionAttendee,
    SessionReflection,
    Staff,
    SupervisionRecord,
    SupervisionSession,
)
from storage.retention import Expired, erase
from storage.subject_access import person_export
from tests.web.test_web_api import API, form_values, get, ids, post, send
from tests.web.web_helpers import DEMO_DAY, DEMO_START


def _card(body: dict[str, Any]) -> dict[str, Any]:
    cards = [r for r in body["replies"] if r.get("title") == "Agenda for your supervision"]
    assert len(cards) == 1, body
    return cards[0]


def _section(card: dict[str, Any], heading: str) -> list[str]:
    found = [s["lines"] for s in card["sections"] if s["heading"].startswith(heading)]
    assert found, [s["heading"] for s in card["sections"]]
    return list(found[0])


async def _next_session(engine: AsyncEngine, supervisee: int) -> SupervisionSession:
    s, a = SupervisionSession, SessionAttendee
    async with session_factory(engine)() as session:
        rows = await session.exec(
            select(s)
            .join(a, col(a.session_id) == col(s.id))
            .where(a.staff_id == supervisee, s.status == "booked")
            .order_by(col(s.planned_start))
        )
        return next(iter(rows.all()))


async def _cases(engine: AsyncEngine, worker: int) -> list[Case]:
    async with session_factory(engine)() as session:
        rows = await session.exec(
            select(Case)
            .join(CaseAllocation, col(CaseAllocation.case_id) == col(Case.id))
            .where(CaseAllocation.staff_id == worker, col(CaseAllocation.end_date).is_(None))
        )
        return list(rows.all())


async def _audits(engine: AsyncEngine, actor: int) -> list[AuditEvent]:
    async with session_factory(engine)() as session:
        rows = await session.exec(
            select(AuditEvent).where(
                AuditEvent.actor_id == actor, AuditEvent.subject_type == "agenda"
            )
        )
        return list(rows.all())


async def test_the_supervisee_and_supervisor_see_the_agenda_and_others_are_audited(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    people = await ids(playground)
    grace, sam, morgan = people["Grace Lee"], people["Sam Taylor"], people["Morgan Price"]
    booked = await _next_session(web_engine, grace)
    cases = await _cases(web_engine, grace)
    names = {c.reference for c in cases}
    assert cases, "the demo gives Grace open cases"
    order = {"cp": 0, "cla": 1, "cin": 2}
    decided = min(cases, key=lambda c: (order.get(c.category, 3), c.reference))  # listed first
    async with session_factory(web_engine)() as session:
        session.add(
            ManagerDecision(
                organisation_id=decided.organisation_id,
                case_id=decided.id or 0,
                decided_by_id=booked.supervisor_id,
                worker_id=grace,
                decision="Stay with grandparents",
                rationale="Safe and settled",
                decided_on=date(2026, 11, 2),
                note_type="Managers Decision",
            )
        )
        await session.commit()

    mine = _card(await send(playground, grace, text="agenda"))
    assert mine["facts"][0]["label"] == "When"
    facts = {f["label"]: f["value"] for f in mine["facts"]}
    assert facts["Supervisee"] == "Grace Lee"
    assert "points" in facts["Caseload"]
    # Derbyshire reviews a worker's cases in the 1:1 (no per-child interval): all of them, CP
    # first, then CLA, then CIN; references only, each with its last decision where known.
    review = [line for line in _section(mine, "Cases to review") if line.startswith("C-")]
    refs = [line.split(" ")[0] for line in review]
    assert set(refs) <= names
    assert len(refs) == min(len(names), 20)
    ranks = [order.get(line.split("(")[1].split(")")[0].lower(), 3) for line in review]
    assert ranks == sorted(ranks)
    assert (
        f"{decided.reference} ({decided.category.upper()}): last manager's decision Mon 2 Nov 2026"
        in review
    )
    assert "Stay with grandparents" not in str(mine)  # the decision's text stays in the record
    assert _section(mine, "Actions from the last record")
    assert _section(mine, "Headings (")[0] == "Review plan of action from previous meeting"

    # The supervisor's own agenda is for their next session, whoever it is with.
    theirs = _card(await send(playground, booked.supervisor_id, text="agenda"))
    assert _section(theirs, "Cases to review")
    assert await _audits(web_engine, booked.supervisor_id) == []

    # A colleague is refused (and that is audited); the service manager's look is audited.
    refused = await send(playground, sam, text="agenda Grace Lee")
    assert "can see their agenda" in refused["replies"][0]["text"]
    assert [a.action for a in await _audits(web_engine, sam)] == ["refused"]
    seen = _card(await send(playground, morgan, text="agenda Grace Lee"))
    assert {f["label"]: f["value"] for f in seen["facts"]}["Supervisee"] == "Grace Lee"
    audits = await _audits(web_engine, morgan)
    assert [(a.action, a.subject_id, a.target_staff_id) for a in audits] == [
        ("read", str(booked.id), grace)
    ]


async def test_a_council_with_per_child_intervals_lists_the_children_due(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    # Lambeth 004:257-262: only the children due case supervision by the session, CP first.
    # The pack is switched before the app's first turn (the chat reads the organisations'
    # packs once every 30 s, issue 24).
    async with session_factory(web_engine)() as session:
        await (await session.connection()).execute(update(Organisation).values(pack_id="lambeth"))
        await session.commit()
    grace = (await ids(playground))["Grace Lee"]
    order = {"cp": 0, "cla": 1, "cin": 2}
    lambeth = _card(await send(playground, grace, text="agenda"))
    due = _section(lambeth, "Children due case supervision")
    assert due
    assert all(" (" in line for line in due)
    assert any("overdue since" in line or "due " in line for line in due)
    ranks = [order.get(line.split("(")[1].split(")")[0].lower(), 3) for line in due]
    assert ranks == sorted(ranks)


async def test_the_supervisee_reflects_before_and_the_agenda_shows_it(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    people = await ids(playground)
    grace, sam = people["Grace Lee"], people["Sam Taylor"]
    booked = await _next_session(web_engine, grace)
    before = _card(await send(playground, grace, text="agenda"))
    assert _section(before, "Grace's reflection") == ["Not answered (optional)."]
    # Only a supervisee of that booked session may answer from the button.
    refused = await send(playground, sam, choice=f"start:reflect:{booked.id}")
    assert "no booked supervision of yours" in refused["replies"][0]["text"]
    asked = await send(playground, grace, choice=f"start:reflect:{booked.id}")
    prompt = asked["replies"][0]["text"]
    assert "Do you have the knowledge and skills" in prompt  # Derbyshire 000:241-251
    too_long = await send(playground, grace, text="x" * 4001)
    assert "up to 4000" in too_long["replies"][0]["text"]
    assert too_long["flow"] is not None  # nothing lost: still waiting for the answer
    saved = await send(playground, grace, text="I am stuck on C-1528's core group reports.")
    assert "Saved" in saved["replies"][0]["text"]
    after = _card(await send(playground, grace, text="agenda"))
    assert _section(after, "Grace's reflection") == ["I am stuck on C-1528's core group reports."]
    supervisor = _card(await send(playground, booked.supervisor_id, text="agenda Grace Lee"))
    assert _section(supervisor, "Grace's reflection") == [
        "I am stuck on C-1528's core group reports."
    ]


async def test_a_day_before_the_session_both_inboxes_have_the_agenda(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    grace = (await ids(playground))["Grace Lee"]
    booked = await _next_session(web_engine, grace)
    # From the demo's Monday 23 November to the day before her session, a day at a time, as
    # "Forward 1 day" does (the demo books on working days).
    days = (booked.planned_start.date() - date(2026, 11, 23)).days - 1
    assert days >= 1
    for _ in range(days):
        status, _moved = await post(playground, f"{API}/clock", {"days": 1})
        assert status == 200
    _, mine = await get(playground, f"{API}/inbox/{grace}")
    titles = [r.get("title") for m in mine["messages"] for r in m["replies"]]
    assert "Agenda for your supervision" in titles
    assert "Before your supervision" in titles  # the reflection questions, to her only
    _, theirs = await get(playground, f"{API}/inbox/{booked.supervisor_id}")
    agendas = [
        r
        for m in theirs["messages"]
        for r in m["replies"]
        if r.get("title") == "Agenda for your supervision"
    ]
    assert any(
        {f["label"]: f["value"] for f in a["facts"]}["Supervisee"] == "Grace Lee" for a in agendas
    )
    assert "Before your supervision" not in [
        r.get("title") for m in theirs["messages"] for r in m["replies"]
    ]


async def test_a_supervisor_who_is_not_a_line_manager_sees_the_agenda_unaudited(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    people = await ids(playground)
    grace, sam = people["Grace Lee"], people["Sam Taylor"]
    booked = await _next_session(web_engine, grace)
    refused = await send(playground, sam, text="agenda Grace Lee")
    assert "can see their agenda" in refused["replies"][0]["text"]
    async with session_factory(
        web_engine
    )() as session:  # Sam supervises her, say as a practice educator
        await (await session.connection()).execute(
            update(SupervisionSession)
            .where(col(SupervisionSession.id) == booked.id)
            .values(supervisor_id=sam)
        )
        await session.commit()
    seen = _card(await send(playground, sam, text="agenda Grace Lee"))
    assert {f["label"]: f["value"] for f in seen["facts"]}["Supervisee"] == "Grace Lee"
    assert [a.action for a in await _audits(web_engine, sam)] == ["refused"]  # only the refusal


async def _book(server: TestServer, booker: int, person: str, when: str) -> dict[str, Any]:
    (form,) = (await send(server, booker, command={"name": "book"}))["replies"]
    values = form_values(form, person=person, when=when)
    checked = await send(server, booker, form={"form_id": "book", "values": values})
    assert checked["replies"][0]["type"] == "card", checked
    done = await send(server, booker, choice="confirm")
    assert done["replies"][0]["title"] == f"Booked: supervision with {person}", done
    return done


async def _latest_booking(engine: AsyncEngine, by: int) -> SupervisionSession:
    async with session_factory(engine)() as session:
        rows = await session.exec(
            select(SupervisionSession)
            .where(SupervisionSession.created_by_id == by)
            .order_by(col(SupervisionSession.id).desc())
        )
        return next(iter(rows.all()))


async def _keys(engine: AsyncEngine, prefix: str) -> list[str]:
    async with session_factory(engine)() as session:
        rows = await session.exec(
            select(OutboxMessage.idempotency_key).where(
                col(OutboxMessage.idempotency_key).startswith(prefix)
            )
        )
        return sorted(rows.all())


async def _inbox_agendas(server: TestServer, staff_id: int, when: str) -> list[dict[str, Any]]:
    """The agenda cards in someone's inbox for the session at `when` (its "When" fact)."""
    _, inbox = await get(server, f"{API}/inbox/{staff_id}")
    return [
        r
        for m in inbox["messages"]
        for r in m["replies"]
        if r.get("title") == "Agenda for your supervision"
        and {f["label"]: f["value"] for f in r["facts"]}["When"] == when
    ]


async def test_a_session_booked_for_tomorrow_before_the_run_has_its_agenda_once(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    # Issue 27 item 1: booked on the demo Monday at 10:00 for Tuesday. The booking sends the
    # day-before agenda at once (to both, with the reflection prompt); the day's scheduler run
    # afterwards finds it sent under the same keys and sends nothing more for it.
    people = await ids(playground)
    priya, sam = people["Priya Shah"], people["Sam Taylor"]
    done = await _book(playground, priya, "Sam Taylor", "tomorrow 2pm")
    assert "agenda comes to you both" in done["replies"][0]["subtitle"]
    booked = await _latest_booking(web_engine, priya)
    day = booked.planned_start.date().isoformat()
    keys = [
        f"agenda:{booked.id}:{sam}:{priya}:{day}:web",
        f"agenda:{booked.id}:{sam}:{sam}:{day}:web",
    ]
    assert await _keys(web_engine, f"agenda:{booked.id}:") == sorted(keys)
    assert await _keys(web_engine, f"reflect:{booked.id}:") == [
        f"reflect:{booked.id}:{sam}:{day}:web"
    ]
    when = await send(playground, sam, text="agenda")
    shown = {f["label"]: f["value"] for f in _card(when)["facts"]}["When"]
    await catch_up(playground.app)  # the day's run, after the booking
    mine = await _inbox_agendas(playground, sam, shown)
    theirs = await _inbox_agendas(playground, priya, shown)
    assert len(mine) == 1
    assert len(theirs) == 1
    # Only the supervisor's copy has the button to write the record up from it (item 3).
    assert theirs[0]["actions"] == [
        {"value": f"start:record:agenda:{booked.id}", "label": "Write up from this agenda"}
    ]
    assert mine[0]["actions"] == []
    assert "Stay with" not in str(mine)
    assert await _keys(web_engine, f"agenda:{booked.id}:") == sorted(keys)


async def test_a_session_booked_after_the_run_for_tomorrow_or_today_still_gets_one(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    people = await ids(playground)
    priya, sam = people["Priya Shah"], people["Sam Taylor"]
    status, _ = await post(playground, f"{API}/clock", {"days": 1})  # Tuesday: the run is done
    assert status == 200
    booked = []
    for when in ("tomorrow 3pm", "today 4pm"):
        await _book(playground, priya, "Sam Taylor", when)
        session = await _latest_booking(web_engine, priya)
        booked.append(session)
        day = session.planned_start.date().isoformat()
        assert await _keys(web_engine, f"agenda:{session.id}:") == sorted(
            f"agenda:{session.id}:{sam}:{reader}:{day}:web" for reader in (priya, sam)
        ), when
    # Wednesday's run (for Thursday's sessions) sends nothing more for either.
    status, _ = await post(playground, f"{API}/clock", {"days": 1})
    assert status == 200
    for session in booked:
        assert len(await _keys(web_engine, f"agenda:{session.id}:")) == 2
        assert len(await _keys(web_engine, f"reflect:{session.id}:")) == 1


async def test_booking_days_ahead_shows_both_the_agenda_so_far(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    # Issue 27 item 2: the person booking sees it with the confirmation; the other person has
    # it with the booking notice; the day-before agenda comes later, from the scheduler.
    people = await ids(playground)
    priya, sam = people["Priya Shah"], people["Sam Taylor"]
    done = await _book(playground, priya, "Sam Taylor", "Thu 11am")
    agendas = [r for r in done["replies"] if r.get("title") == "Agenda for your supervision"]
    assert len(agendas) == 1
    booked = await _latest_booking(web_engine, priya)
    assert agendas[0]["actions"] == [
        {"value": f"start:record:agenda:{booked.id}", "label": "Write up from this agenda"}
    ]
    assert {f["label"]: f["value"] for f in agendas[0]["facts"]}["Supervisee"] == "Sam Taylor"
    assert await _keys(web_engine, f"agenda:{booked.id}:") == []
    _, inbox = await get(playground, f"{API}/inbox/{sam}")
    (notice,) = inbox["messages"]
    titles = [r.get("title") for r in notice["replies"]]
    assert titles[0] == "Supervision booked"
    assert "Agenda for your supervision" in titles
    _, mine = await get(playground, f"{API}/inbox/{priya}")
    assert mine["messages"] == []  # hers was in the reply


async def _to_the_past(engine: AsyncEngine, session_id: int) -> None:
    """The session began an hour ago (the demo clock moves by days, the record waits for the
    session to have started)."""
    start = DEMO_START - timedelta(hours=2)
    async with session_factory(engine)() as session:
        await (await session.connection()).execute(
            update(SupervisionSession)
            .where(col(SupervisionSession.id) == session_id)
            .values(planned_start=start, planned_end=start + timedelta(hours=1))
        )
        await session.commit()


async def _records(engine: AsyncEngine) -> int:
    async with session_factory(engine)() as session:
        return len((await session.exec(select(SupervisionRecord.id))).all())


def _fields(reply: dict[str, Any]) -> dict[str, str]:
    assert reply["type"] == "form", reply
    return {f["name"]: f["value"] for f in reply["fields"]}


async def _reflect(server: TestServer, who: int, session_id: int, text: str, answer: str) -> str:
    await send(server, who, choice=f"start:reflect:{session_id}")
    saved = await send(server, who, text=text)
    assert saved["flow"] is None  # saved: no question left hanging, typing goes on as ever
    assert saved["replies"][1]["actions"] == [
        {"value": f"start:reflect:share:{session_id}", "label": "Yes, copy it"},
        {"value": f"start:reflect:keep:{session_id}", "label": "No, the agenda only"},
    ]
    said = await send(server, who, choice=f"start:reflect:{answer}:{session_id}")
    return str(said["replies"][0]["text"])


async def test_the_record_starts_from_the_agenda_with_the_reflection_agreed(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    # Issue 27 items 3 and 4 (Derbyshire's template: "Review plan of action from previous
    # meeting", "Issues Raised by Supervisee" and the cases discussed).
    grace = (await ids(playground))["Grace Lee"]
    booked = await _next_session(web_engine, grace)
    said = await _reflect(playground, grace, booked.id or 0, "Core groups for C-1528.", "share")
    assert said == "Your supervisor may copy it into the record."
    async with session_factory(web_engine)() as session:
        audits = (
            await session.exec(select(AuditEvent).where(AuditEvent.subject_type == "reflection"))
        ).all()
    assert [(a.actor_id, a.subject_id, a.detail) for a in audits] == [
        (grace, str(booked.id), {"event": "copy to record agreed"})
    ]
    agenda = _card(await send(playground, booked.supervisor_id, text="agenda Grace Lee"))
    listed = [line.split(" ")[0] for line in _section(agenda, "Cases to review")]
    await _to_the_past(web_engine, booked.id or 0)
    # The supervisee cannot start it: only the supervisor writes the record.
    refused = await send(playground, grace, choice=f"start:record:agenda:{booked.id}")
    assert "only its supervisor writes the record" in refused["replies"][0]["text"]
    before = await _records(web_engine)
    started = await send(
        playground, booked.supervisor_id, choice=f"start:record:agenda:{booked.id}"
    )
    (form,) = started["replies"]
    assert form["intro"].startswith(
        "Started from the agenda: Review plan of action from previous meeting; Issues Raised by "
        "Supervisee; the cases discussed (C-"
    )
    assert "nothing is saved until you confirm" in form["intro"]
    first = _fields(form)
    actions = first["previous_actions"].split("\n")
    assert actions
    assert all(": open, due " in a or a.endswith((": done", ": no longer needed")) for a in actions)
    assert first["issues_discussed"] == ""  # nothing on the agenda for it
    values = first | {"issues_discussed": "Workload", "objectives_review": "On track"}
    second = await send(
        playground, booked.supervisor_id, form={"form_id": form["form_id"], "values": values}
    )
    assert _fields(second["replies"][0])["supervisee_issues"] == "Core groups for C-1528."
    assert await _records(web_engine) == before  # a draft in the flow: nothing written
    # The cases the agenda listed are picked for the record, references only.
    values = _fields(second["replies"][0]) | {"development_needs": "None", "aob": "None"}
    cases = await send(
        playground,
        booked.supervisor_id,
        form={"form_id": second["replies"][0]["form_id"], "values": values},
    )
    picked = _fields(cases["replies"][0])["cases"].split(",")
    assert picked
    assert set(picked) == {r for r in listed if r.startswith("C-")}
    # Each child's case note begins with what the agenda said of them (DCC's case update).
    first_case = await send(
        playground,
        booked.supervisor_id,
        form={"form_id": cases["replies"][0]["form_id"], "values": _fields(cases["replies"][0])},
    )
    form = next(r for r in first_case["replies"] if r.get("type") == "form")
    assert form["title"].startswith("Case 1 of ")
    update = _fields(form)["case_update"]
    assert update.startswith("From the agenda: ")
    assert "manager's decision" in update
    assert await _records(web_engine) == before


async def test_without_the_supervisees_yes_the_reflection_stays_off_the_record(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    grace = (await ids(playground))["Grace Lee"]
    booked = await _next_session(web_engine, grace)
    said = await _reflect(playground, grace, booked.id or 0, "Private thoughts.", "keep")
    assert said == "It stays on the agenda only: it is not copied into the record."
    await _to_the_past(web_engine, booked.id or 0)
    started = await send(
        playground, booked.supervisor_id, choice=f"start:record:agenda:{booked.id}"
    )
    (form,) = started["replies"]
    assert "Issues Raised by Supervisee" not in form["intro"]
    values = _fields(form) | {"issues_discussed": "Workload", "objectives_review": "On track"}
    second = await send(
        playground, booked.supervisor_id, form={"form_id": form["form_id"], "values": values}
    )
    assert _fields(second["replies"][0])["supervisee_issues"] == ""
    assert "Private thoughts." not in str(second)
    # The answer and the no are in Grace's subject access export, and go with her erasure.
    async with session_factory(web_engine)() as session:
        export = await person_export(session, grace)
    (kept,) = export["reflections_before_supervision"]
    assert (kept["text"], kept["to_record"]) == ("Private thoughts.", False)
    assert kept["to_record_at"]
    async with session_factory(web_engine)() as session:
        gone = Expired(grace, "Grace Lee", DEMO_DAY, DEMO_DAY, False, 0, 0, 0)
        assert await erase(session, [gone]) == 1
        await session.commit()
    async with session_factory(web_engine)() as session:
        left = (
            await session.exec(select(SessionReflection).where(SessionReflection.staff_id == grace))
        ).all()
    assert left == []


async def test_a_change_of_line_manager_hands_over_and_the_old_manager_confirms(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    # Issue 27: the staff import records Sam's move to Morgan (issue 25 item 5 builds this);
    # Morgan gets the handover summary, the old manager a button to confirm it.
    people = await ids(playground)
    grace, morgan, sam = people["Grace Lee"], people["Morgan Price"], people["Sam Taylor"]
    async with session_factory(web_engine)() as session:
        person = await session.get(Staff, sam)
        assert person is not None
        old = person.line_manager_id
        assert old is not None
        assert old != morgan
        person.line_manager_id = morgan
        session.add(person)
        report = ImportReport("staff", manager_changes=[(sam, old, morgan)])
        await tell_new_managers(
            session, builtin_pack("derbyshire"), report, DEMO_DAY, playground.app[CLOCK]()
        )
        await session.commit()
    assert report.notes[0].startswith("Sam Taylor: supervision records pass to the new line")
    await deliver(playground.app)
    _, inbox = await get(playground, f"{API}/inbox/{morgan}")
    replies = [r for m in inbox["messages"] for r in m["replies"]]
    assert "their supervision records pass to you" in replies[0]["text"]  # DCC 000:105
    (card,) = [r for r in replies if r.get("title") == "Handover: Sam Taylor"]
    facts = {f["label"]: f["value"] for f in card["facts"]}
    assert facts["From"] != "no line manager recorded"
    async with session_factory(web_engine)() as session:
        still_open = (
            await session.exec(
                select(RecordAction.id)
                .join(SupervisionRecord, col(SupervisionRecord.id) == RecordAction.record_id)
                .join(
                    SessionAttendee, col(SessionAttendee.session_id) == SupervisionRecord.session_id
                )
                .where(
                    SessionAttendee.staff_id == sam,
                    col(RecordAction.done_at).is_(None),
                    col(SupervisionRecord.supervisor_signed_at).is_not(None),
                )
            )
        ).all()
    assert still_open, "the demo leaves Sam open actions"
    assert facts["Actions from their records"].startswith(f"{len(still_open)} open")
    assert "; the next due " in facts["Actions from their records"]
    assert "written by" in facts["Last supervision record"]
    # Derbyshire has no interval per child: the 1:1 reviews all his cases (000:153).
    assert card["sections"][0]["heading"] == "Cases to review"
    assert card["sections"][0]["lines"][0].endswith("lists them once one is booked.")
    async with session_factory(web_engine)() as session:
        texts = (
            await session.exec(
                select(RecordAction.description)
                .join(SupervisionRecord, col(SupervisionRecord.id) == RecordAction.record_id)
                .join(
                    SessionAttendee, col(SessionAttendee.session_id) == SupervisionRecord.session_id
                )
                .where(SessionAttendee.staff_id == sam)
            )
        ).all()
    assert texts, "the demo gives Sam records with actions"
    assert not any(text in str(card) for text in texts)  # dates and counts, not the record
    # The old manager is asked to confirm; nobody else may.
    _, theirs = await get(playground, f"{API}/inbox/{old}")
    (ask,) = [
        r
        for m in theirs["messages"]
        for r in m["replies"]
        if r.get("title") == "Confirm the handover of Sam Taylor"
    ]
    button = ask["actions"][0]["value"]
    assert button == f"start:handover:{sam}:{morgan}"
    refused = await send(playground, grace, choice=button)
    assert "only the previous line manager" in refused["replies"][0]["text"]
    done = await send(playground, old, choice=button)
    assert done["replies"][0]["text"].startswith("Confirmed: Sam Taylor's handover to Morgan Price")
    again = await send(playground, old, choice=button)
    assert again["replies"][0]["text"].startswith("Already confirmed")
    _, inbox = await get(playground, f"{API}/inbox/{morgan}")
    said = [r.get("text", "") for m in inbox["messages"] for r in m["replies"]]
    assert sum("confirmed the handover of Sam Taylor to you" in t for t in said) == 1
    async with session_factory(web_engine)() as session:
        events = (
            await session.exec(
                select(AuditEvent)
                .where(AuditEvent.subject_type == "handover")
                .order_by(col(AuditEvent.id))
            )
        ).all()
    assert [(e.actor_id, e.detail["event"]) for e in events] == [
        (None, "line manager changed"),
        (old, "confirmed"),
    ]


async def test_each_case_on_the_agenda_has_its_next_key_date_where_the_import_gave_one(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    # Issue 27: each child "with ... its next key date (review conference, CLA review, court)
    # where the import has it", named as the council's weighting scheme names it (Derbyshire's
    # WMS: `conference`, 000:516); a date already past is not a next one.
    grace = (await ids(playground))["Grace Lee"]
    first, second, *_ = sorted(await _cases(web_engine, grace), key=lambda c: c.reference)
    coming, gone = DEMO_DAY + timedelta(days=10), DEMO_DAY - timedelta(days=3)
    async with session_factory(web_engine)() as session:
        for case, facts in ((first, {"conference": coming.isoformat()}),
                            (second, {"conference": gone.isoformat()})):  # fmt: skip
            row = await session.get(Case, case.id)
            assert row is not None
            row.facts = {**row.facts, **facts}
            session.add(row)
        await session.commit()
    lines = _section(_card(await send(playground, grace, text="agenda")), "Cases to review")
    (mine,) = [line for line in lines if line.startswith(f"{first.reference} (")]
    assert mine.endswith(
        f"; next key date: child protection conference date, {coming:%a} {coming.day} "
        f"{coming:%b %Y}"
    )
    (theirs,) = [line for line in lines if line.startswith(f"{second.reference} (")]
    assert "next key date" not in theirs


async def test_the_agenda_says_how_the_caseload_score_changed_since_the_last_record(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    # Issue 27: "the worker's caseload score and band and its change since last time": against
    # the score on the day of their last recorded supervision (the allocation history, each case
    # as recorded now). A case handed on today lowers today's score by exactly its weight.
    grace = (await ids(playground))["Grace Lee"]

    def points(text: str) -> Decimal:
        return Decimal(text.split(" points")[0].replace(",", ""))

    def caseload(card: dict[str, Any]) -> str:
        return {f["label"]: f["value"] for f in card["facts"]}["Caseload"]

    before = caseload(_card(await send(playground, grace, text="agenda")))
    assert " since " in before, before  # the demo has recorded supervision for Grace
    assert "(no change since " in before or "(up " in before or "(down " in before
    async with session_factory(web_engine)() as session:
        allocation = (
            await session.exec(
                select(CaseAllocation).where(
                    CaseAllocation.staff_id == grace, col(CaseAllocation.end_date).is_(None)
                )
            )
        ).first()
        assert allocation is not None
        allocation.end_date = DEMO_DAY  # handed on today: no longer held
        session.add(allocation)
        await session.commit()
    after = caseload(_card(await send(playground, grace, text="agenda")))
    dropped = points(before) - points(after)
    assert dropped > 0
    then = points(before) - _change(before)
    assert _change(after) == points(after) - then


def _change(text: str) -> Decimal:
    """The signed change an agenda's caseload line states: "(up 12 since ...)" is +12."""
    inside = text.split("(")[-1]
    if inside.startswith("no change"):
        return Decimal(0)
    way, amount = inside.split(" ")[:2]
    return Decimal(amount.replace(",", "")) * (1 if way == "up" else -1)
