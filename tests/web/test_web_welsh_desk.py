"""Issue 28: the team manager's desk in Welsh, in the playground over real HTTP on loopback: a
Powys manager's team compliance, its Remind and Open record buttons, the reminder the worker
gets, reading a record (and a senior manager's reason for reading one), and a worker asking for
what is not theirs; then the ASYE plan and a missed month for someone who chose Cymraeg in an
English council. No English sentence (names, teams, case references and what people wrote
aside)."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer
from test_web_api import API, get, ids, send
from welsh_check import FRAGMENTS, assert_welsh, texts

from dialogs.catalogs import read
from policy.asye import NO_PROGRAMME
from policy.packs import builtin_pack


def cards(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in body["replies"] if r["type"] == "card"]


def said(body: dict[str, Any]) -> str:
    return " ".join(r["text"] for r in body["replies"] if r["type"] == "say")


async def names_of(server: TestServer) -> set[str]:
    """People's and teams' names: never translated."""
    _, listed = await get(server, f"{API}/people")
    return {p["name"] for p in listed["people"]} | {
        p["team"] for p in listed["people"] if p["team"]
    }


def assert_record_welsh(card: dict[str, Any], names: set[str]) -> None:
    """A record card's own words are Welsh; what its writer wrote (the section lines) is as
    written, so the lines are only held to having no sentence of the product's English."""
    assert_welsh(
        [{**card, "sections": [{"heading": s["heading"]} for s in card["sections"]]}], names
    )
    for line in texts([s["lines"] for s in card["sections"]]):
        for fragment in FRAGMENTS:
            assert fragment not in line, f"English {fragment!r} in {line!r}"


async def test_a_powys_manager_s_desk_is_in_welsh(powys: TestServer) -> None:
    people = await ids(powys)
    priya, sam = people["Priya Shah"], people["Sam Taylor"]
    names = await names_of(powys)

    body = await send(powys, priya, text="team compliance")
    (card,) = cards(body)
    assert_welsh([card], names)
    assert card["title"] == "Cydymffurfiaeth goruchwylio: Safeguarding North"
    headings = [s["heading"] for s in card["sections"]]
    assert "Fesul grŵp staff" in headings
    assert "Yn hwyr" in headings
    groups = card["sections"][headings.index("Fesul grŵp staff")]["lines"]
    assert groups[0].startswith("Gweithwyr cymdeithasol cymwysedig: ")  # the pack's Welsh
    labels = [a["label"] for a in card["actions"]]
    assert any(label.startswith("Atgoffa ") for label in labels), labels
    assert any(label.startswith("Agor cofnod ") for label in labels), labels

    # Remind: the manager is told in Welsh, the worker's reminder is in Welsh, once a day.
    remind = next(a for a in card["actions"] if a["label"].startswith("Atgoffa "))
    person = int(remind["value"].rsplit(":", 1)[1])
    body = await send(powys, priya, choice=remind["value"])
    assert_welsh(body["replies"], names)
    assert said(body).startswith("Anfonwyd nodyn atgoffa preifat at ")
    assert body["notified"] == 1
    _, inbox = await get(powys, f"{API}/inbox/{person}")
    (message,) = inbox["messages"]
    (reminder,) = message["replies"]
    shown = {**reminder, "facts": [f for f in reminder["facts"] if f["label"] != "Polisi"]}
    assert_welsh([shown], names)
    assert reminder["title"] == "Nodyn atgoffa: gwaith goruchwylio sy'n hwyr"
    again = await send(powys, priya, choice=remind["value"])
    assert_welsh(again["replies"], names)
    assert again["notified"] == 0
    assert said(again).startswith("Mae nodyn atgoffa eisoes wedi'i anfon at ")
    for argument, answer in (
        ("", "Pwy ddylwn i ei atgoffa?"),
        ("me", "Rydw i'n eich atgoffa fy hun"),
        ("Priya Shah", "Chi yw hynny"),
    ):
        body = await send(powys, priya, command={"name": "remind", "argument": argument})
        assert_welsh(body["replies"], names)
        assert said(body).startswith(answer), argument

    # Open record: the record's own words in Welsh (what was written stays as written).
    opened = next(a for a in card["actions"] if a["label"].startswith("Agor cofnod "))
    (record,) = cards(await send(powys, priya, choice=opened["value"]))
    assert_record_welsh(record, names)
    assert record["subtitle"] == "Cofnod staff cyfrinachol"
    # Each case's notes under the pack's own heading, in its Welsh (never a key of ours).
    cases = [s for s in record["sections"] if s["heading"].startswith("Achos ")]
    assert cases
    assert all(line.startswith("Trafodaethau achos: ") for s in cases for line in s["lines"])
    assert [f["label"] for f in record["facts"]][:2] == ["Goruchwyliwr", "Y sawl a oruchwylir"]

    # A worker asking for the desk, or for a record that is not theirs, is told in Welsh.
    for text, answer in (
        ("team compliance", "Mae cydymffurfiaeth tîm ar gyfer ei reolwyr: gofynnwch i eich"),
        ("view abc", "Pa gofnod?"),
        ("view 999", "Does dim cofnod 999 y gallwch ei weld."),
    ):
        body = await send(powys, sam, text=text)
        assert not cards(body), text
        assert_welsh(body["replies"], names)
        assert said(body).startswith(answer), text
    body = await send(powys, sam, command={"name": "remind", "argument": "Priya Shah"})
    assert_welsh(body["replies"], names)
    assert said(body).startswith("Rheolwr tîm rhywun sy'n eu hatgoffa")


async def test_a_senior_manager_gives_a_reason_in_welsh_and_the_worker_is_told(
    powys: TestServer,
) -> None:
    people = await ids(powys)
    morgan, sam = people["Morgan Price"], people["Sam Taylor"]
    names = await names_of(powys)
    (form,) = (await send(powys, morgan, text="view 1"))["replies"]
    assert_welsh([form], names)
    assert form["title"] == "Rheswm dros ddarllen cofnod 1"
    (again,) = (
        await send(powys, morgan, form={"form_id": "view_reason", "values": {"reason": ""}})
    )["replies"]
    assert_welsh([again], names)
    assert again["fields"][0]["error"]
    body = await send(
        powys, morgan, form={"form_id": "view_reason", "values": {"reason": "Archwiliad"}}
    )
    (record,) = cards(body)
    assert_record_welsh(record, names)
    _, inbox = await get(powys, f"{API}/inbox/{sam}")
    (told,) = inbox["messages"]
    assert_welsh(told["replies"], names)
    assert told["replies"][0]["text"].startswith("Darllenodd Morgan Price eich cofnod goruchwylio")


async def test_powys_says_in_welsh_that_it_sets_no_asye(powys: TestServer) -> None:
    # Powys sets no early-career programme (002:57-63): its own words, in its Welsh. The
    # document cited is named by its own title, as published (in English).
    people = await ids(powys)
    pack = builtin_pack("powys")
    assert pack.early_career is not None
    for person in ("Aled Rhys", "Priya Shah"):
        (reply,) = (await send(powys, people[person], text="asye"))["replies"]
        text = reply["text"].split(" (")[0]
        assert_welsh([{"text": text}], set())
        assert text == pack.language.welsh[pack.early_career.value]
    # A pack with no words of its own for it: the product's sentence, which the catalog holds.
    assert NO_PROGRAMME in {m.id for m in read("cy")}


async def test_an_nqsw_who_chose_cymraeg_reads_their_asye_plan_in_welsh(
    playground: TestServer,
) -> None:
    # Derbyshire's (English) council: Aled chose Welsh; the plan's own words are Welsh, the
    # pack's programme and steps are as the pack writes them (it gives no Welsh).
    people = await ids(playground)
    aled, priya = people["Aled Rhys"], people["Priya Shah"]
    pack = builtin_pack("derbyshire")
    assert pack.asye is not None
    labels = pack.asye.labels
    words = {*(await names_of(playground)), *labels.model_dump().values()}
    words = {w for w in words if isinstance(w, str)}
    for who in (aled, priya):
        await send(playground, who, text="Cymraeg")
    (card,) = cards(await send(playground, aled, text="asye"))
    card = {**card, "subtitle": card["subtitle"].split(" (")[0]}  # the policy's own title
    assert_welsh([card], words)
    assert card["title"] == f"Eich cynllun {labels.programme}"
    (card,) = cards(await send(playground, priya, text="asye"))
    assert card["title"] == f"Cynllun {labels.programme}: Aled Rhys"


async def test_a_missed_month_is_recorded_in_welsh(playground: TestServer) -> None:
    # DCC 000:176: the reason and follow-up for a month without supervision. Derbyshire's own
    # words (its follow-up label and help) are as it writes them; the form's own are Welsh.
    people = await ids(playground)
    priya, sam, grace = people["Priya Shah"], people["Sam Taylor"], people["Grace Lee"]
    pack = builtin_pack("derbyshire")
    missed = pack.compliance.missed_reason
    assert missed is not None
    words = await names_of(playground)
    for who in (priya, grace):
        await send(playground, who, text="Cymraeg")
    refused = await send(playground, grace, choice=f"start:missed:{sam}:2026-10")
    assert_welsh(refused["replies"], words)
    assert said(refused).startswith("Defnyddiwch y botymau a gynigir ar ôl cadw cofnod")
    (form,) = (await send(playground, priya, choice=f"start:missed:{sam}:2026-10"))["replies"]
    assert form["title"] == "Dim goruchwyliaeth i Sam Taylor ym mis Hydref 2026"

    def own(reply: dict[str, Any]) -> dict[str, Any]:
        fields = [f for f in reply["fields"] if f["name"] != "follow_up"]
        return {**reply, "intro": reply["intro"].split(" (")[0], "fields": fields}

    assert_welsh([own(form)], words)
    values = {f["name"]: f["value"] for f in form["fields"]}
    values |= {"reason": "other", "note": "", "follow_up": ""}
    body = await send(playground, priya, form={"form_id": "record_missed_month", "values": values})
    (again,) = body["replies"]
    errors = {f["name"]: f["error"] for f in again["fields"] if f["error"]}
    assert set(errors) == {"note", "follow_up"}
    assert_welsh([{"text": e} for e in errors.values()], {missed.follow_up.lower()})
    values |= {"note": "Absenoldeb a llys", "follow_up": "Wythnosol ym mis Rhagfyr"}
    done = await send(playground, priya, form={"form_id": "record_missed_month", "values": values})
    assert_welsh(done["replies"], words)
    assert said(done) == "Wedi'i gofnodi ar ffeil goruchwylio Sam Taylor ar gyfer Hydref 2026."
    again = await send(playground, priya, choice=f"start:missed:{sam}:2026-10")
    assert_welsh(again["replies"], words)
    assert said(again).startswith("Does dim angen rheswm i Sam Taylor ar gyfer Hydref 2026:")
