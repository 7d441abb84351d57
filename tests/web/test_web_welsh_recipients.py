"""Issue 28 item 1: every message addressed to a person is in THAT person's language, over real
HTTP on loopback: a notice is written in the recipient's language, not the sender's, and a
reminder or escalation in the language its recipient chose, not the council's default."""

from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestServer
from test_web_api import API, form_values, get, ids, post, send
from welsh_check import assert_welsh


async def _book(server: TestServer, booker: int, other: str, when: str) -> None:
    (form,) = (await send(server, booker, command={"name": "book"}))["replies"]
    values = form_values(form, person=other, when=when)
    confirm = (await send(server, booker, form={"form_id": "book", "values": values}))["replies"]
    assert confirm[0]["type"] == "card", confirm
    done = await send(server, booker, choice="confirm")
    assert done["replies"][0]["type"] == "card", done


async def _notices(server: TestServer, staff_id: int) -> list[dict[str, Any]]:
    _, inbox = await get(server, f"{API}/inbox/{staff_id}")
    return [m["replies"][0] for m in inbox["messages"] if m["replies"]]


async def test_a_booking_notice_is_in_the_language_its_recipient_chose(powys: TestServer) -> None:
    """Powys offers Welsh; Sam chose English. Priya (in Welsh) books with Sam: Sam reads English."""
    people = await ids(powys)
    sam, priya = people["Sam Taylor"], people["Priya Shah"]
    (said,) = (await send(powys, sam, text="English"))["replies"]
    assert said["text"].startswith("I'll write to you in English")
    await _book(powys, priya, "Sam Taylor", "yfory 4pm")
    titles = [n.get("title") for n in await _notices(powys, sam)]
    assert "Supervision booked" in titles, titles
    assert "Goruchwyliaeth wedi'i threfnu" not in titles
    notice = next(n for n in await _notices(powys, sam) if n.get("title") == "Supervision booked")
    assert notice["subtitle"] == "Priya Shah booked supervision with you."
    assert {f["label"] for f in notice["facts"]} >= {"When"}, notice["facts"]


async def test_a_welsh_speaker_in_an_english_council_is_told_in_welsh(
    playground: TestServer,
) -> None:
    """The reverse: an English council, Sam chose Cymraeg, Priya (in English) books with Sam."""
    people = await ids(playground)
    sam, priya = people["Sam Taylor"], people["Priya Shah"]
    await send(playground, sam, text="Cymraeg")
    await _book(playground, priya, "Sam Taylor", "tomorrow 4pm")
    notices = await _notices(playground, sam)
    notice = next(n for n in notices if n.get("title") == "Goruchwyliaeth wedi'i threfnu")
    # (The agenda section quotes the English council's template by its own title.)
    assert_welsh([{k: v for k, v in notice.items() if k != "sections"}], set(people))
    assert notice["sections"][0]["heading"].startswith("Agenda (o ")
    # Priya's own reply stays English: only the notice follows its recipient.
    _, inbox = await get(playground, f"{API}/inbox/{priya}")
    assert all(
        m["replies"][0].get("title") != "Goruchwyliaeth wedi'i threfnu" for m in inbox["messages"]
    )


async def test_reminders_follow_each_persons_choice_not_the_council_default(
    playground: TestServer,
) -> None:
    """An English council: whoever chose Cymraeg is reminded in Welsh, everyone else in English."""
    people = await ids(playground)
    chose = set(sorted(people)[::2])  # half the council chooses Welsh
    for name in chose:
        (said,) = (await send(playground, people[name], text="Cymraeg"))["replies"]
        assert said["text"].startswith("Byddaf yn ysgrifennu atoch yn Gymraeg")
    status, _ = await post(playground, f"{API}/clock", {"days": 7})
    assert status == 200
    _, channels = await get(playground, f"{API}/channels")
    reminded = [p for p in channels["posts"] if p["kind"] in {"reminder", "escalation"}]
    assert reminded
    welsh = [p for p in reminded if p["to"] in chose]
    english = [p for p in reminded if p["to"] not in chose]
    assert welsh, [p["to"] for p in reminded]
    assert english, [p["to"] for p in reminded]
    welsh_titles = r"^(Yn ddyledus|Uwchgyfeirio|\d+ diwrnod yn hwyr)"
    for post_ in welsh:
        card = next(r for r in post_["replies"] if r["type"] == "card")
        # The English council's own words ("1:1 supervision") stay as its pack wrote them.
        assert re.match(welsh_titles, card["title"]), card["title"]
        assert {f["label"] for f in card["facts"]} <= {
            "Pwy",
            "Beth",
            "Achos",
            "Yn ddyledus",
            "Polisi",
        }
        assert_welsh([{"actions": card["actions"]}], set(people))
    for post_ in english:
        card = next(r for r in post_["replies"] if r["type"] == "card")
        assert not re.match(welsh_titles, card["title"]), card["title"]


async def test_a_powys_person_who_chose_english_is_reminded_in_english(powys: TestServer) -> None:
    people = await ids(powys)
    chose = set(sorted(people)[::2])  # half the council chooses English
    for name in chose:
        await send(powys, people[name], text="English")
    status, _ = await post(powys, f"{API}/clock", {"days": 7})
    assert status == 200
    _, channels = await get(powys, f"{API}/channels")
    reminded = [p for p in channels["posts"] if p["kind"] in {"reminder", "escalation"}]
    english = [p for p in reminded if p["to"] in chose]
    assert english, [p["to"] for p in reminded]
    for post_ in english:
        card = next(r for r in post_["replies"] if r["type"] == "card")
        assert card["title"].startswith(("Due", "Overdue", "Escalation")), card["title"]
        assert {f["label"] for f in card["facts"]} <= {"Who", "What", "Case", "Due", "Policy"}
    others = [p for p in reminded if p["to"] not in chose]
    assert others, [p["to"] for p in reminded]
    for post_ in others:  # everyone else still in Powys's default, Welsh
        card = next(r for r in post_["replies"] if r["type"] == "card")
        assert re.match(r"^(Yn ddyledus|Uwchgyfeirio|\d+ diwrnod yn hwyr)", card["title"])


async def test_a_bilingual_digest_puts_welsh_charts_under_the_welsh_card(powys: TestServer) -> None:
    """Issue 28 item 2: Powys posts Welsh then English; each card's charts are in its language
    (their alt text, which is what a screen reader reads, and the title drawn in them)."""
    status, _ = await post(powys, f"{API}/clock", {"days": 7})
    assert status == 200
    _, channels = await get(powys, f"{API}/channels")
    digests = [p for p in channels["posts"] if p["kind"] == "digest"]
    assert digests
    people = await ids(powys)
    for post_ in digests:
        kinds = [r["type"] for r in post_["replies"]]
        assert kinds[0] == "card", kinds
        assert kinds.count("card") == 2, kinds
        second = kinds.index("card", 1)
        welsh_charts = post_["replies"][1:second]
        english_charts = post_["replies"][second + 1 :]
        assert welsh_charts, kinds
        assert len(welsh_charts) == len(english_charts), kinds
        for chart in welsh_charts:
            assert chart["description"].startswith(("Siart linell", "Siart far")), chart
            assert_welsh([{"text": chart["description"]}], set(people))
        for chart in english_charts:
            assert chart["description"].startswith(("Line chart", "Bar chart")), chart


async def test_the_playground_pages_words_follow_the_person(powys: TestServer) -> None:
    """Issue 28 item 3 (the browser test drives the page: tests/web/test_web_browser.py): the
    page's own words come in the language of the person it acts as, and a send that changes
    that language says so, for the page to follow."""
    people = await ids(powys)
    sam = people["Sam Taylor"]
    status, body = await get(powys, f"{API}/words/{sam}")
    assert status == 200
    assert body["language"] == "cy"  # Powys offers Welsh
    assert body["words"]["send"] == "Anfon"
    assert body["words"]["conversation_as"] == "Sgwrs fel {name}"
    assert any(f["title"] == "Sgôr llwyth achosion" for f in body["flows"]), body["flows"]
    assert_welsh([{"text": w} for w in body["words"].values()], {"Slack", "Microsoft Teams"})
    # The dates and roles the page shows come in its language too.
    _, clock_cy = await get(powys, f"{API}/clock?language=cy")
    _, clock_en = await get(powys, f"{API}/clock")
    assert clock_cy["label"] != clock_en["label"]
    _, listed = await get(powys, f"{API}/people?language=cy")
    assert listed["people"][0]["persona"] == "Gweithiwr cymdeithasol"
    said = await send(powys, sam, text="English")
    assert said["language"] == "en"
    _, body = await get(powys, f"{API}/words/{sam}")
    assert body["words"]["send"] == "Send"
    assert any(f["title"] == "Caseload score" for f in body["flows"])
