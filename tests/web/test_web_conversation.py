"""Issue 22's conversation mechanics through the playground over real HTTP on loopback: back and
undo in a form, "change the date", a question in the middle of a form, dates read back before
anything is written. The demo clock starts on Monday 23 November 2026 at 10:00."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from test_web_api import API, form_values, get, ids, send
from web_helpers import demo_clock, playground_settings

from bot.app import create_app
from storage.db import session_factory
from storage.models import (
    AuditEvent,
    Case,
    CaseAllocation,
    ManagerDecision,
    SupervisionSession,
)


async def sessions(engine: AsyncEngine) -> list[SupervisionSession]:
    async with session_factory(engine)() as session:
        return list((await session.exec(select(SupervisionSession))).all())


def of_type(body: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in body["replies"] if r["type"] == kind]


def says(body: dict[str, Any]) -> list[str]:
    return [r["text"] for r in of_type(body, "say")]


def values_of(form: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in form["fields"]}


def checked_dates(card: dict[str, Any]) -> list[str]:
    return [i for s in card["sections"] if s["heading"] == "Check the date" for i in s["lines"]]


async def to_card(server: TestServer, staff: int, **answers: str) -> dict[str, Any]:
    (form,) = (await send(server, staff, command={"name": "book"}))["replies"]
    body = await send(
        server, staff, form={"form_id": "book", "values": form_values(form, **answers)}
    )
    (card,) = of_type(body, "card")
    return card


async def test_back_from_the_card_keeps_every_answer_and_writes_nothing(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    before = len(await sessions(web_engine))
    priya = (await ids(playground))["Priya Shah"]
    card = await to_card(
        playground, priya, person="Sam Taylor", when="a week on Friday half two", venue="Room 2"
    )
    # Read back before booking: Friday 4 December, 14:30
    assert checked_dates(card) == ["'a week on Friday half two' read as Fri 4 Dec 2026, 14:30"]
    body = await send(playground, priya, text="back")
    assert says(body)[0] == "Back a step in Book supervision: everything you entered is kept."
    (form,) = of_type(body, "form")
    kept = values_of(form)
    assert (kept["person"], kept["when"], kept["venue"]) == (
        "Sam Taylor",
        "a week on Friday half two",
        "Room 2",
    )
    assert body["flow"] == "book"
    body = await send(playground, priya, text="undo")  # nothing before the form
    assert says(body)[0].startswith("This is the first step of Book supervision")
    assert values_of(of_type(body, "form")[0])["venue"] == "Room 2"
    assert len(await sessions(web_engine)) == before
    # and the form still books from where it was
    body = await send(
        playground, priya, form={"form_id": "book", "values": values_of(of_type(body, "form")[0])}
    )
    assert of_type(body, "card")
    done = await send(playground, priya, choice="confirm")
    assert done["replies"][0]["title"] == "Booked: supervision with Sam Taylor"
    assert len(await sessions(web_engine)) == before + 1


async def test_change_the_date_from_the_card_reopens_the_form(playground: TestServer) -> None:
    priya = (await ids(playground))["Priya Shah"]
    await to_card(playground, priya, person="Sam Taylor", when="tomorrow 2pm", venue="Room 4")
    body = await send(playground, priya, text="can I change the date")
    assert says(body) == ["Change the date below; everything else is kept."]
    kept = values_of(of_type(body, "form")[0])
    assert (kept["person"], kept["when"], kept["venue"]) == ("Sam Taylor", "tomorrow 2pm", "Room 4")
    assert body["flow"] == "book"


async def test_next_tuesday_on_a_monday_is_read_back_as_next_weeks(playground: TestServer) -> None:
    """Issue 21 item 11: on Monday 23 November "next Tue" is Tuesday 1 December, and the card
    says so and how to say tomorrow instead."""
    priya = (await ids(playground))["Priya Shah"]
    card = await to_card(playground, priya, person="Sam Taylor", when="next Tue 10am")
    (said,) = checked_dates(card)
    assert said.startswith("'next Tue 10am' read as Tue 1 Dec 2026, 10:00")
    assert "the Tuesday of next week" in said
    assert "Tue 24/11" in said
    assert card["facts"][0]["value"].startswith("Tue 1 Dec 2026")


async def test_after_christmas_asks_which_date_and_keeps_it(playground: TestServer) -> None:
    priya = (await ids(playground))["Priya Shah"]
    (form,) = (await send(playground, priya, command={"name": "book"}))["replies"]
    values = form_values(form, person="Sam Taylor", when="after Christmas 10am")
    body = await send(playground, priya, form={"form_id": "book", "values": values})
    fields = {f["name"]: f for f in of_type(body, "form")[0]["fields"]}
    assert fields["when"]["value"] == "after Christmas 10am"
    assert "which date?" in fields["when"]["error"]
    assert "Tue 29 Dec 2026" in fields["when"]["error"]  # Boxing Day's holiday is the 28th


async def test_a_question_mid_form_is_answered_and_the_form_waits(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    before = len(await sessions(web_engine))
    priya = (await ids(playground))["Priya Shah"]
    (form,) = (await send(playground, priya, command={"name": "book"}))["replies"]
    values = form_values(form, person="Sam Taylor", when="", venue="Room 9")
    await send(playground, priya, form={"form_id": "book", "values": values})
    body = await send(playground, priya, text="what's my caseload score")
    (card,) = of_type(body, "card")
    assert card["title"].startswith("Your caseload")
    (offer,) = of_type(body, "choice")
    assert [o["value"] for o in offer["options"]] == ["form:carry_on", "form:cancel"]
    assert body["flow"] == "book"  # still waiting for the booking
    body = await send(playground, priya, choice="form:carry_on")
    assert says(body) == ["Carrying on where you were; nothing was lost."]
    kept = values_of(of_type(body, "form")[0])
    assert (kept["person"], kept["venue"]) == ("Sam Taylor", "Room 9")
    # typed "carry on" works the same, after asking what's due
    await send(playground, priya, text="when is my next supervision?")
    body = await send(playground, priya, text="carry on")
    assert values_of(of_type(body, "form")[0])["venue"] == "Room 9"
    assert len(await sessions(web_engine)) == before


async def test_back_with_no_form_open_writes_nothing(playground: TestServer) -> None:
    sam = (await ids(playground))["Sam Taylor"]
    body = await send(playground, sam, text="back")
    assert says(body)[0].startswith("There is no form open to go back in.")
    assert body["flow"] is None
    body = await send(playground, sam, text="undo")  # nothing saved to withdraw either
    assert says(body)[0].startswith("Nothing to undo: you have not saved a manager decision")
    assert body["flow"] is None


async def test_undo_after_saving_a_decision_withdraws_it_once(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    """Issue 22 item 1: the Undo under a saved decision (or "undo") withdraws it, kept and
    audited; a double click and a second "undo" withdraw nothing more."""
    people = await ids(playground)
    priya, sam = people["Priya Shah"], people["Sam Taylor"]
    async with session_factory(web_engine)() as session:
        reference = (
            await session.exec(
                select(Case.reference)
                .join(CaseAllocation, col(CaseAllocation.case_id) == Case.id)
                .where(CaseAllocation.staff_id == sam, col(Case.closed).is_(None))
            )
        ).first()
    await send(playground, priya, text=f"decision {reference} close the case because needs met")
    body = await send(playground, priya, choice="confirm")
    assert says(body)[0].startswith("Recorded: Managers Decision on")
    (offer,) = of_type(body, "choice")
    (undo,) = offer["options"]
    assert undo["label"] == "Undo"
    for _ in range(2):  # a double click
        body = await send(playground, priya, choice=undo["value"])
    async with session_factory(web_engine)() as session:
        saved = (
            await session.exec(select(ManagerDecision).order_by(col(ManagerDecision.id).desc()))
        ).first()
        withdrawn = (
            await session.exec(select(AuditEvent).where(AuditEvent.action == "withdraw"))
        ).all()
    assert saved is not None
    assert saved.withdrawn_by_id == priya
    assert saved.decision == "close the case"  # kept on file
    assert [(w.subject_type, w.subject_id) for w in withdrawn] == [
        ("manager_decision", str(saved.id))
    ]
    assert says(body)[0].startswith(f"Nothing more to undo: the Managers Decision on {reference}")
    body = await send(playground, priya, text="undo")
    assert says(body)[0].startswith("Nothing more to undo")
    # Sam, told of the decision, is told it is withdrawn: the case and the date, no content.
    _, inbox = await get(playground, f"{API}/inbox/{sam}")
    told = json.dumps(inbox)
    assert f"Priya Shah withdrew the Managers Decision on {reference}" in told
    assert "needs met" not in told.split("withdrew")[-1]


async def test_push_it_back_a_week_moves_from_the_booked_time(playground: TestServer) -> None:
    priya = (await ids(playground))["Priya Shah"]
    await to_card(playground, priya, person="Sam Taylor", when="Thu 2pm")
    await send(playground, priya, choice="confirm")  # booked: Thu 26 Nov 2026, 14:00
    body = await send(playground, priya, text="push my supervision with Sam back a week")
    (ask,) = of_type(body, "choice")
    assert "move it, or cancel it?" in ask["prompt"]
    body = await send(playground, priya, choice="rearrange")
    (form,) = of_type(body, "form")
    assert values_of(form)["when"] == "back a week"
    body = await send(
        playground,
        priya,
        form={"form_id": "rearrange", "values": form_values(form, reason="urgent_work")},
    )
    (card,) = of_type(body, "card")
    moves = {f["label"]: f["value"] for f in card["facts"]}["Moves to"]
    assert moves.startswith("Thu 3 Dec 2026, 14:00")
    assert checked_dates(card) == []  # written out in full: nothing left to read back


async def test_the_conversation_so_far_is_kept_for_a_reload(playground: TestServer) -> None:
    """Issue 21 item 11: a reload cleared the conversation; the page now asks for it again."""
    people = await ids(playground)
    priya, sam = people["Priya Shah"], people["Sam Taylor"]
    status, empty = await get(playground, f"{API}/transcript/{priya}")
    assert (status, empty) == (200, {"turns": []})
    await send(playground, priya, text="what's my caseload score")
    await send(playground, priya, command={"name": "book"})
    await send(playground, priya, choice="form:carry_on", echo="Carry on: Book supervision")
    _, kept = await get(playground, f"{API}/transcript/{priya}")
    said = [turn["you"] for turn in kept["turns"]]
    assert said == ["what's my caseload score", "/book", "Carry on: Book supervision"]
    assert kept["turns"][0]["replies"][0]["title"].startswith("Your caseload")
    assert kept["turns"][1]["replies"][0]["type"] == "form"
    _, other = await get(playground, f"{API}/transcript/{sam}")
    assert other == {"turns": []}  # each person's own conversation
    status, _ = await get(playground, f"{API}/transcript/99999999999")
    assert status == 404


async def test_a_question_at_the_card_to_confirm_then_carry_on_shows_the_card_again(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    before = len(await sessions(web_engine))
    priya = (await ids(playground))["Priya Shah"]
    await to_card(playground, priya, person="Sam Taylor", when="tomorrow half two")
    body = await send(playground, priya, text="when is my next supervision")
    assert of_type(body, "choice")[-1]["options"][0]["label"] == "Carry on: Book supervision"
    body = await send(playground, priya, choice="form:carry_on")
    (card,) = of_type(body, "card")
    assert card["title"] == "Book supervision: Priya Shah and Sam Taylor"
    assert checked_dates(card) == ["'tomorrow half two' read as Tue 24 Nov 2026, 14:30"]
    assert len(await sessions(web_engine)) == before  # nothing booked until Confirm
    body = await send(playground, priya, choice="confirm")
    assert body["replies"][0]["title"] == "Booked: supervision with Sam Taylor"
    assert len(await sessions(web_engine)) == before + 1


async def test_cancel_under_an_answered_question_cancels_the_form_only(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    """The offer's Cancel is not a flow's own "cancel" (rearrange's "Cancel it" cancels a
    supervision): it ends the form and saves nothing."""
    before = len(await sessions(web_engine))
    priya = (await ids(playground))["Priya Shah"]
    await to_card(playground, priya, person="Sam Taylor", when="Thu 2pm")
    await send(playground, priya, choice="confirm")
    await send(playground, priya, text="move my supervision with Sam")
    await send(playground, priya, choice="cancel")  # the flow's own: cancel the session...
    body = await send(playground, priya, text="what's my caseload score")  # ...asked mid-form
    assert body["flow"] == "rearrange"
    body = await send(playground, priya, choice="form:cancel")
    assert says(body) == ["Cancelled: Rearrange or cancel supervision. Nothing more was saved."]
    assert body["flow"] is None
    booked = await sessions(web_engine)
    assert len(booked) == before + 1
    assert booked[-1].status == "booked"


async def test_one_record_to_sign_is_shown_over_http(playground: TestServer) -> None:
    """Issue 21 item 11, through the playground: no "1 record to sign. Which one?"."""
    sam = (await ids(playground))["Sam Taylor"]
    body = await send(playground, sam, text="I need to sign my supervision record")
    assert says(body)[0] == "One record is waiting for your signature: here it is."
    assert not of_type(body, "choice")
    (card,) = of_type(body, "card")
    assert card["actions"][0]["value"] == "confirm"
    assert body["flow"] == "sign"


async def test_any_question_mid_form_is_answered_and_another_form_asks_first(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    """Issue 22 item 2: help, the score's breakdown, the agenda, next supervision and the team's
    compliance are answered mid-form with Carry on / Cancel, every answer kept; starting another
    conversation asks whether to leave the form, and carrying on loses nothing."""
    before = len(await sessions(web_engine))
    priya = (await ids(playground))["Priya Shah"]
    (form,) = (await send(playground, priya, command={"name": "book"}))["replies"]
    values = form_values(form, person="Sam Taylor", when="", venue="Room 9")
    await send(playground, priya, form={"form_id": "book", "values": values})
    asked = {
        "help": "Here is what I can do for you",
        "how's my team's compliance": "compliance",
        "what's on the agenda for my supervision with Sam": "",
        "who can take a new CP case": "",
    }
    for question, expected in asked.items():
        body = await send(playground, priya, text=question)
        assert body["flow"] == "book", question  # still waiting for the booking
        offer = of_type(body, "choice")[-1]
        assert [o["value"] for o in offer["options"]] == ["form:carry_on", "form:cancel"], question
        assert expected.lower() in json.dumps(body["replies"][:-1]).lower(), question
    # The score card's own button ("Show every point") is answered too, the form still waiting.
    body = await send(playground, priya, command={"name": "caseload"})
    point = next(a for a in of_type(body, "card")[0]["actions"] if "breakdown:" in a["value"])
    body = await send(playground, priya, choice=point["value"])
    assert of_type(body, "card")[0]["title"].startswith("Every point")
    assert body["flow"] == "book"

    # Another conversation: asked whether to leave the form first.
    body = await send(playground, priya, text="I need to record an absence for Sam next week")
    (ask,) = of_type(body, "choice")
    assert ask["prompt"].startswith("You are in the middle of book supervision. Leave it")
    assert [o["label"] for o in ask["options"]] == [
        "Carry on: Book supervision",
        "Leave it: Record an absence",
    ]
    assert body["flow"] == "book"
    body = await send(playground, priya, choice="form:carry_on")
    kept = values_of(of_type(body, "form")[0])
    assert (kept["person"], kept["venue"]) == ("Sam Taylor", "Room 9")
    # A command says the same; leaving starts the other conversation.
    body = await send(playground, priya, command={"name": "absence"})
    leave = of_type(body, "choice")[0]["options"][1]["value"]
    body = await send(playground, priya, choice=leave)
    assert body["flow"] == "absence"
    assert of_type(body, "form")[0]["form_id"] == "absence"
    assert len(await sessions(web_engine)) == before


async def test_the_conversation_is_kept_across_a_server_restart(web_demo_file: Path) -> None:
    """Issue 22 item 3: the transcript is in the database, not the server's memory: a new app
    on the same database (a restart) shows each person's conversation as it was."""

    def started() -> TestServer:
        app = create_app(
            playground_settings(web_demo_file), clock=demo_clock(), run_scheduler=False
        )
        return TestServer(app, host="127.0.0.1")

    async with started() as before:
        people = await ids(before)
        priya, sam = people["Priya Shah"], people["Sam Taylor"]
        await send(before, priya, text="what's my caseload score")
        await send(before, priya, command={"name": "book"})
        await send(before, sam, text="hello")
    async with started() as after:
        _, kept = await get(after, f"{API}/transcript/{priya}")
        assert [turn["you"] for turn in kept["turns"]] == ["what's my caseload score", "/book"]
        assert kept["turns"][0]["replies"][0]["title"].startswith("Your caseload")
        assert kept["turns"][1]["replies"][0]["type"] == "form"
        _, other = await get(after, f"{API}/transcript/{sam}")
        assert [turn["you"] for turn in other["turns"]] == ["hello"]
        # and the booking form is still open after the restart, as the conversation says
        body = await send(after, priya, text="carry on")
        assert body["flow"] == "book"
