"""Issue 28: a person in Powys goes through the record-keeping conversations in the playground, over
real HTTP on loopback, and reads no English sentence (names and case references aside):
absences, informal supervision and its undo, over-cap allocations, personal elements, courses,
who can take a case and what-if, the agenda and reflection, actions, reminders' buttons and a
handover."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer
from sqlmodel import col, select
from test_web_api import API, form_values, get, ids, post, send
from web_helpers import DEMO_DAY
from welsh_check import replies_checker

from bot.keys import CLOCK, ENGINE
from bot.web.timetravel import deliver
from policy.packs import builtin_pack
from storage.db import session_factory
from storage.imports.base import ImportReport
from storage.imports.handover import tell_new_managers
from storage.models import (
    RecordAction,
    SessionAttendee,
    Staff,
    SupervisionSession,
)

PACK = builtin_pack("powys")


def _welsh(names: set[str]):  # type: ignore[no-untyped-def]
    return replies_checker(names, set(PACK.language.welsh))


def _buttons(reply: dict[str, Any]) -> dict[str, str]:
    return {o["label"]: o["value"] for o in reply.get("actions", []) or reply.get("options", [])}


async def test_absences_informal_supervision_and_undo_in_welsh(powys: TestServer) -> None:
    people = await ids(powys)
    sam, priya = people["Sam Taylor"], people["Priya Shah"]
    welsh = _welsh(set(people))

    # An absence: a mistake told in Welsh, then saved, listed and cancelled.
    (form,) = welsh(await send(powys, sam, text="absence"))
    assert form["title"] == "Cofnodi absenoldeb"
    values = form_values(form, kind="annual_leave", start="14/12/2026", end="10/12/2026")
    (again,) = welsh(await send(powys, sam, form={"form_id": "absence", "values": values}))
    errors = [f["error"] for f in again["fields"] if f["error"]]
    assert errors, again
    values = form_values(again, end="18/12/2026")
    saved = welsh(await send(powys, sam, form={"form_id": "absence", "values": values}))
    assert saved[0]["tone"] == "success", saved
    welsh(await send(powys, sam, text="absence"))
    (overlap,) = welsh(await send(powys, sam, form={"form_id": "absence", "values": values}))
    assert any(f["error"] for f in overlap["fields"])
    welsh(await send(powys, sam, text="cancel"))
    (listed,) = welsh(await send(powys, sam, text="absence cancel"))
    cancel = next(a for a in listed["actions"] if "Rhag 2026" in a["label"])
    (cancelled,) = welsh(await send(powys, sam, choice=cancel["value"]))
    assert cancelled["tone"] == "success"
    welsh(await send(powys, sam, choice=cancel["value"]))  # already gone
    welsh(await send(powys, sam, text="absence cancel"))  # nothing left to list
    welsh(await send(powys, sam, text="absence Priya Shah"))  # only her or her managers

    # Informal supervision: the form, a mistake, the card to check, saved; then undone.
    (form,) = welsh(await send(powys, priya, text="informal Sam Taylor"))
    values = form_values(form, when="tomorrow 11:30", discussed="Llwyth achosion C-1042.")
    (again,) = welsh(await send(powys, priya, form={"form_id": "informal", "values": values}))
    assert any(f["error"] for f in again["fields"])
    values = form_values(again, when="yesterday 11:30", decided="Adolygu ddydd Gwener.")
    (card,) = welsh(await send(powys, priya, form={"form_id": "informal", "values": values}))
    assert set(_buttons(card).values()) == {"confirm", "edit"}
    welsh(await send(powys, priya, text="maybe"))  # neither button
    saved = welsh(await send(powys, priya, choice="confirm"))
    assert saved[0]["tone"] == "success"
    (undo,) = [r for r in saved if r["type"] == "choice"]
    withdrawn = welsh(await send(powys, priya, choice=undo["options"][0]["value"]))
    assert withdrawn[0]["tone"] == "success"
    welsh(await send(powys, priya, text="undo"))  # nothing more to undo
    welsh(await send(powys, sam, text="undo"))  # nothing saved
    welsh(await send(powys, sam, text="informal"))


async def test_over_cap_elements_courses_and_allocation_in_welsh(powys: TestServer) -> None:
    people = await ids(powys)
    sam, priya = people["Sam Taylor"], people["Priya Shah"]
    welsh = _welsh(set(people))

    # Over-cap: the pack's approver in Welsh, a mistake, saved, and Sam is told.
    (form,) = welsh(await send(powys, priya, text="overcap Sam Taylor"))
    assert "Rheolwr Gweithrediadau" in form["intro"]
    values = form_values(
        form, approver="Priya Shah", reason="Grŵp o frodyr a chwiorydd.", max_end="1/11/2026"
    )
    (again,) = welsh(await send(powys, priya, form={"form_id": "overcap", "values": values}))
    assert any(f["error"] for f in again["fields"])
    values = form_values(again, max_end="31/1/2027")
    saved = welsh(await send(powys, priya, form={"form_id": "overcap", "values": values}))
    assert saved[0].get("tone") == "success", saved
    welsh(await send(powys, sam, text="overcap"))  # nobody reports to Sam
    _, inbox = await get(powys, f"{API}/inbox/{sam}")
    welsh([r for m in inbox["messages"] for r in m["replies"]])

    # Personal elements: Powys counts cases, so there is nothing to add.
    welsh(await send(powys, priya, text="element Sam Taylor"))

    # A course: the pack's course in Welsh, saved.
    (form,) = welsh(await send(powys, priya, text="course Sam Taylor"))
    values = form_values(form, completed="1/1/2030")
    (again,) = welsh(await send(powys, priya, form={"form_id": "course", "values": values}))
    assert any(f["error"] for f in again["fields"])
    values = form_values(again, completed="20/11/2026")
    saved = welsh(await send(powys, priya, form={"form_id": "course", "values": values}))
    assert saved[0]["tone"] == "success"
    welsh(await send(powys, sam, text="course"))

    # Who can take a case, and what if Sam did.
    (card,) = welsh(await send(powys, priya, text="whocan a CP case sibling group of 3 court"))
    assert card["sections"]
    (card,) = welsh(await send(powys, priya, text="whocan"))
    buttons = card["actions"]
    form_button = next(b["value"] for b in buttons if b["value"].endswith("(form)"))
    (form,) = welsh(await send(powys, priya, choice=form_button))
    values = form_values(form, children="40")
    (again,) = welsh(await send(powys, priya, form={"form_id": "whocan", "values": values}))
    assert any(f["error"] for f in again["fields"])
    values = form_values(again, children="2", s47="true")
    welsh(await send(powys, priya, form={"form_id": "whocan", "values": values}))
    welsh(await send(powys, priya, choice=buttons[0]["value"]))  # a worker's details
    welsh(await send(powys, priya, text="whatif Sam Taylor CLA 20 miles"))
    # Only managers ask: told in Welsh (who to ask instead is dialogs.desk's, in its own slice).
    welsh(await send(powys, sam, text="whocan a CP case"))  # their own room, for a worker
    (said,) = (await send(powys, sam, text="whatif Priya Shah CP"))["replies"]
    assert said["text"].startswith("Dim ond Priya a'u rheolwyr all weld eu sgôr")


async def test_the_agenda_reflection_actions_and_reminders_in_welsh(powys: TestServer) -> None:
    people = await ids(powys)
    sam, priya = people["Sam Taylor"], people["Priya Shah"]
    async with session_factory(powys.app[ENGINE])() as session:
        # What people wrote (an action's words) is theirs, in whichever language they wrote it.
        written = set((await session.exec(select(RecordAction.description))).all())
    welsh = _welsh(set(people) | written)

    # Booked two days ahead: the agenda so far comes with the booking and its notice.
    (form,) = (await send(powys, priya, command={"name": "book"}))["replies"]
    values = form_values(form, person="Sam Taylor", when="Wednesday 2pm")
    await send(powys, priya, form={"form_id": "book", "values": values})
    done = await send(powys, priya, choice="confirm")
    welsh([r for r in done["replies"] if r["type"] != "attachment"])
    _, inbox = await get(powys, f"{API}/inbox/{sam}")
    (notice,) = [
        m["replies"]
        for m in inbox["messages"]
        if m["replies"][0].get("title") == "Goruchwyliaeth wedi'i threfnu"
    ]
    assert len(notice) > 1  # the agenda so far comes with it
    welsh(notice)
    agenda = welsh(await send(powys, sam, text="agenda"))
    assert agenda[0]["title"] == "Agenda ar gyfer eich goruchwyliaeth"
    welsh(await send(powys, priya, text="agenda Sam Taylor"))
    welsh(await send(powys, sam, text="agenda Priya Shah"))
    # Powys's pack asks no reflection questions: the button says so.
    welsh(await send(powys, sam, choice="start:reflect:1"))
    # The day before, the agenda comes from the scheduler, in each reader's language.
    status, _ = await post(powys, f"{API}/clock", {"days": 1})
    assert status == 200
    _, inbox = await get(powys, f"{API}/inbox/{sam}")
    cards = [r for m in inbox["messages"] for r in m["replies"]]
    assert any(c.get("title") == "Agenda ar gyfer eich goruchwyliaeth" for c in cards)
    welsh(cards)

    # Actions from supervision, closed in a tap.
    listed = welsh(await send(powys, sam, choice="start:action"))
    action_cards = [r for r in listed if r["type"] == "card"]
    if action_cards:
        first = action_cards[0]["actions"]
        welsh(await send(powys, sam, choice=first[1]["value"]))  # not yet
        welsh(await send(powys, sam, choice=first[0]["value"]))  # done
        welsh(await send(powys, sam, choice=first[0]["value"]))  # a double click
        welsh(await send(powys, priya, choice=first[2]["value"]))  # not hers
    welsh(await send(powys, sam, choice="start:action:finish:abc"))

    # A reminder's buttons: snooze, and a supervision held.
    welsh(await send(powys, sam, choice="start:snooze:supervision:7"))
    welsh(await send(powys, sam, choice="start:snooze:nonsense"))
    welsh(await send(powys, priya, choice="start:held"))


async def test_a_handover_in_welsh(powys: TestServer) -> None:
    people = await ids(powys)
    welsh = _welsh(set(people))
    grace, morgan, sam = people["Grace Lee"], people["Morgan Price"], people["Sam Taylor"]
    async with session_factory(powys.app[ENGINE])() as session:
        person = await session.get(Staff, sam)
        assert person is not None
        old = person.line_manager_id
        assert old is not None
        person.line_manager_id = morgan
        session.add(person)
        report = ImportReport("staff", manager_changes=[(sam, old, morgan)])
        await tell_new_managers(session, PACK, report, DEMO_DAY, powys.app[CLOCK]())
        await session.commit()
    await deliver(powys.app)
    _, inbox = await get(powys, f"{API}/inbox/{morgan}")
    replies = [r for m in inbox["messages"] for r in m["replies"]]
    assert any(r.get("title") == "Trosglwyddo: Sam Taylor" for r in replies), replies
    welsh(replies)
    _, theirs = await get(powys, f"{API}/inbox/{old}")
    asks = [r for m in theirs["messages"] for r in m["replies"] if r.get("actions")]
    welsh(asks)
    button = next(
        a["value"] for r in asks for a in r["actions"] if a["value"].startswith("start:handover")
    )
    welsh(await send(powys, grace, choice=button))  # only the previous line manager
    welsh(await send(powys, old, choice=button))
    welsh(await send(powys, old, choice=button))  # already confirmed
    _, inbox = await get(powys, f"{API}/inbox/{morgan}")
    welsh([r for m in inbox["messages"] for r in m["replies"]])


async def test_the_day_before_agenda_is_in_each_readers_language(powys: TestServer) -> None:
    # Sam has chosen English; Priya has Powys's Welsh. The scheduler's agenda goes to each in
    # their own language, not the council's default for both.
    people = await ids(powys)
    sam, priya = people["Sam Taylor"], people["Priya Shah"]
    await send(powys, sam, text="English")
    (form,) = (await send(powys, priya, command={"name": "book"}))["replies"]
    values = form_values(form, person="Sam Taylor", when="Wednesday 2pm")
    await send(powys, priya, form={"form_id": "book", "values": values})
    await send(powys, priya, choice="confirm")
    status, _ = await post(powys, f"{API}/clock", {"days": 1})
    assert status == 200

    async def titles(who: int) -> set[str]:
        _, inbox = await get(powys, f"{API}/inbox/{who}")
        return {r.get("title", "") for m in inbox["messages"] for r in m["replies"]}

    assert "Agenda for your supervision" in await titles(sam)
    assert "Agenda ar gyfer eich goruchwyliaeth" not in await titles(sam)
    assert "Agenda ar gyfer eich goruchwyliaeth" in await titles(priya)


async def test_a_reflection_before_supervision_in_welsh(playground: TestServer) -> None:
    # Powys's pack asks no reflection questions; Derbyshire's does (000:241-251). A Derbyshire
    # supervisee who chose Cymraeg answers them: everything the product says is Welsh, the
    # questions as the council wrote them (its pack gives no Welsh for them).
    people = await ids(playground)
    grace = people["Grace Lee"]
    welsh = _welsh(set(people))
    await send(playground, grace, text="Cymraeg")
    s, a = SupervisionSession, SessionAttendee
    async with session_factory(playground.app[ENGINE])() as session:
        booked = (
            await session.exec(
                select(s)
                .join(a, col(a.session_id) == col(s.id))
                .where(a.staff_id == grace, s.status == "booked")
                .order_by(col(s.planned_start))
            )
        ).first()
    assert booked is not None
    (asked,) = (await send(playground, grace, choice=f"start:reflect:{booked.id}"))["replies"]
    lines = asked["text"].split("\n")
    assert lines[0].startswith("Cyn eich goruchwyliaeth ar ")
    welsh([{**asked, "text": "\n".join(x for x in lines if not x.startswith("• "))}])
    welsh(await send(playground, grace, text="x" * 4001))  # too long: nothing lost
    saved = welsh(await send(playground, grace, text="Rwy'n poeni am C-1528."))
    share = saved[1]["actions"][0]["value"]
    welsh(await send(playground, grace, choice=share))
    after = welsh(await send(playground, grace, choice=share))  # a second click changes nothing
    assert after[0]["text"] == "Caiff eich goruchwyliwr ei gopïo i'r cofnod."
