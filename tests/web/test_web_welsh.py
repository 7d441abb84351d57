"""Issue 28: a person in Powys goes through the conversations in the playground, over real HTTP on
loopback, and reads no English sentence (names and case references aside); "English" switches,
"Cymraeg" switches back, and the choice is remembered."""

from __future__ import annotations

import re

import aiohttp
from aiohttp.test_utils import TestServer
from icalendar import Calendar
from sqlmodel import select
from test_web_api import API, form_values, get, ids, post, send
from welsh_check import assert_welsh, replies_checker

from bot.keys import ENGINE
from policy.packs import builtin_pack
from storage.db import session_factory
from storage.models import RecordAction


async def test_a_powys_worker_goes_through_the_conversations_in_welsh(powys: TestServer) -> None:
    people = await ids(powys)
    sam, priya = people["Sam Taylor"], people["Priya Shah"]
    async with session_factory(powys.app[ENGINE])() as session:
        # What people wrote (an action on the agenda) is theirs, in whichever language they wrote.
        written = set((await session.exec(select(RecordAction.description))).all())
    names = set(people) | written
    pack = builtin_pack("powys")
    welsh = replies_checker(names, set(pack.language.welsh))

    # Powys offers Welsh: nobody has to ask for it.
    (help_reply,) = welsh(await send(powys, sam, text="help"))
    assert help_reply["text"].startswith("Dyma beth y gallaf ei wneud i chi")
    (card,) = welsh(await send(powys, sam, text="what's my caseload score"))
    assert card["title"] == "Eich llwyth achosion"
    due = welsh(await send(powys, sam, text="when is my next supervision"))
    assert due[0]["title"] == "Beth sy'n ddyledus"
    assert any(f["label"] == "Goruchwyliaeth nesaf" for f in due[0]["facts"])
    welsh(await send(powys, sam, text="hello"))
    (thanks,) = welsh(await send(powys, sam, text="thanks"))
    assert thanks["text"] == "Croeso."
    welsh(await send(powys, sam, text="purple elephants dancing"))
    (nothing,) = welsh(await send(powys, sam, text="cancel"))
    assert nothing["text"] == "Does dim i'w ganslo."

    # Asked in Welsh (tests/dialogs/test_dialogs_corpus.py scores the Welsh held-out set).
    (card,) = welsh(await send(powys, sam, text="beth yw sgôr fy llwyth achosion"))
    assert card["title"] == "Eich llwyth achosion"
    due = welsh(await send(powys, sam, text="pryd mae fy ngoruchwyliaeth nesaf"))
    assert due[0]["title"] == "Beth sy'n ddyledus"
    (thanks,) = welsh(await send(powys, sam, text="diolch yn fawr"))
    assert thanks["text"] == "Croeso."
    (help_reply,) = welsh(await send(powys, sam, text="cymorth"))
    assert help_reply["text"].startswith("Dyma beth y gallaf ei wneud i chi")

    # A manager books, makes a mistake, is told in Welsh, and books.
    (form,) = welsh(await send(powys, priya, command={"name": "book"}))
    assert form["title"] == "Trefnu goruchwyliaeth"
    values = form_values(form, person="Sam Taylor", when="yesterday 9am")
    (again,) = welsh(await send(powys, priya, form={"form_id": "book", "values": values}))
    fields = {f["name"]: f for f in again["fields"]}
    assert fields["when"]["error"].startswith("Dyddiad ac amser: mae'r amser hwnnw")
    assert fields["when"]["value"] == "yesterday 9am"  # nothing typed is lost
    values = form_values(again, when="yfory 4pm", venue="Ystafell 2")
    confirm = welsh(await send(powys, priya, form={"form_id": "book", "values": values}))
    assert confirm[0]["title"] == "Trefnu goruchwyliaeth: Priya Shah a Sam Taylor", [
        f["error"] for f in confirm[0]["fields"]
    ]
    done = await send(powys, priya, choice="confirm")
    welsh([r for r in done["replies"] if r["type"] != "attachment"])
    assert done["replies"][0]["title"] == "Wedi'i threfnu: goruchwyliaeth gyda Sam Taylor"
    # The invitation both of them get: Welsh first, then English (a bilingual council).
    (ics,) = [r for r in done["replies"] if r["type"] == "attachment"]
    assert ics["description"].startswith("Gwahoddiad calendr ar gyfer yr oruchwyliaeth ar Dydd")
    async with (
        aiohttp.ClientSession() as client,
        client.get(powys.make_url(ics["url"])) as response,
    ):
        event = Calendar.from_ical(await response.read()).walk("VEVENT")[0]
    assert str(event["summary"]) == "Goruchwyliaeth: Sam Taylor / Supervision: Sam Taylor"
    assert str(event["description"]).startswith("Wedi'i threfnu gyda'r Cynorthwyydd Goruchwylio.")
    assert str(event["location"]) == "Ystafell 2"
    _, inbox = await get(powys, f"{API}/inbox/{sam}")
    (notice,) = [
        m
        for m in inbox["messages"]
        if m["replies"][0].get("title") == "Goruchwyliaeth wedi'i threfnu"
    ]
    # The booking notice, and the agenda that comes with it (issue 27): booked for tomorrow,
    # the day-before agenda is sent at once, apart from the notice.
    welsh(notice["replies"])
    agendas = [
        m["replies"]
        for m in inbox["messages"]
        if m["replies"][0].get("title") == "Agenda ar gyfer eich goruchwyliaeth"
    ]
    assert agendas
    for agenda in agendas:
        welsh(agenda)

    # Moving or cancelling it is asked in Welsh too.
    asked = welsh(await send(powys, priya, command={"name": "rearrange", "argument": "Sam Taylor"}))
    assert asked[-1]["type"] in {"choice", "form"}


async def test_english_is_one_word_away_and_remembered(powys: TestServer) -> None:
    sam = (await ids(powys))["Sam Taylor"]
    (said,) = (await send(powys, sam, text="English"))["replies"]
    assert said["text"].startswith("I'll write to you in English")
    (card,) = (await send(powys, sam, text="what's my caseload score"))["replies"]
    assert card["title"] == "Your caseload"
    (said,) = (await send(powys, sam, text="Cymraeg"))["replies"]
    assert said["text"].startswith("Byddaf yn ysgrifennu atoch yn Gymraeg")
    (card,) = (await send(powys, sam, text="what's my caseload score"))["replies"]
    assert card["title"] == "Eich llwyth achosion"


async def test_an_english_council_is_still_answered_in_english(playground: TestServer) -> None:
    sam = (await ids(playground))["Sam Taylor"]
    (reply,) = (await send(playground, sam, text="thanks"))["replies"]
    assert reply["text"] == "You're welcome."


async def test_the_weekly_digest_is_posted_in_welsh_then_english(powys: TestServer) -> None:
    status, _ = await post(powys, f"{API}/clock", {"days": 7})
    assert status == 200
    _, channels = await get(powys, f"{API}/channels")
    digests = [p for p in channels["posts"] if p["kind"] == "digest"]
    assert digests
    _, people = await get(powys, f"{API}/people")
    teams = {p["team"] for p in people["people"] if p["team"]}
    for post_ in digests:
        cards = [r for r in post_["replies"] if r["type"] == "card"]
        welsh_card, english_card = cards  # both languages, Welsh first
        assert welsh_card["title"].startswith("Crynodeb goruchwylio wythnosol: ")
        assert english_card["title"].startswith("Weekly supervision digest: ")
        assert_welsh([welsh_card], {*(await ids(powys)), *teams})  # names of people and teams
        headings = [s["heading"] for s in welsh_card["sections"]]
        assert "Fesul grŵp staff" in headings  # Powys reports its staff groups (002:13)
        groups = next(s for s in welsh_card["sections"] if s["heading"] == "Fesul grŵp staff")
        assert groups["lines"][0].startswith("Gweithwyr cymdeithasol")
    # Reminders and escalations in the council's language (Powys: Welsh).
    reminders = [p for p in channels["posts"] if p["kind"] in {"reminder", "escalation"}]
    assert reminders
    for reminder in reminders:
        cards = [r for r in reminder["replies"] if r["type"] == "card"]
        # The policy cited is named by its document's own title, as published (in English).
        shown = [{**c, "facts": [f for f in c["facts"] if f["label"] != "Polisi"]} for c in cards]
        assert_welsh(shown, {*(await ids(powys)), *teams})
        assert re.match(r"Yn ddyledus|Uwchgyfeirio|\d+ diwrnod yn hwyr", cards[0]["title"])


async def test_a_supervisor_writes_up_a_supervision_in_welsh(powys: TestServer) -> None:
    people = await ids(powys)
    priya = people["Priya Shah"]
    names = set(people)
    # A supervision held: booked for later today in Welsh, then the demo clock a day on.
    (form,) = (await send(powys, priya, command={"name": "book"}))["replies"]
    values = form_values(form, person="Sam Taylor", when="heddiw 4pm")
    await send(powys, priya, form={"form_id": "book", "values": values})
    await send(powys, priya, choice="confirm")
    status, _ = await post(powys, f"{API}/clock", {"days": 1})
    assert status == 200
    asked = (await send(powys, priya, text="cofnodi goruchwyliaeth"))["replies"]
    assert_welsh(asked, names)
    (which,) = asked
    assert which.get("prompt") == "Pa oruchwyliaeth ydych chi'n ei chofnodi?", which
    replies = (await send(powys, priya, choice=which["options"][0]["value"]))["replies"]
    assert_welsh(replies, names)
    form = replies[-1]
    assert form["title"] == "Cofnod goruchwyliaeth achos ffurfiol 1:1"  # the pack's own Welsh
    assert form["step"].startswith("Cam 1 o ")
    labels = [f["label"] for f in form["fields"]]
    assert "Adolygu cynllun gweithredu'r cyfarfod blaenorol" in labels
    # Nothing filled in: every required section says so, in Welsh, and nothing is lost.
    again = (await send(powys, priya, form={"form_id": form["form_id"], "values": {}}))["replies"]
    assert_welsh(again, names)
    errors = [f["error"] for f in again[-1]["fields"] if f["error"]]
    assert errors
    assert all(e.startswith("Mae angen ") for e in errors)
