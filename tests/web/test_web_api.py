"""The playground's JSON API over real HTTP on loopback, on a copy of the demo council."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.app import CLOCK, SCHEDULER
from bot.web.timetravel import deliver
from dialogs.messages import Attachment
from dialogs.serialise import to_dict
from storage.db import session_factory
from storage.models import AuditEvent
from storage.outbox import enqueue

API = "/playground/api"


async def get(server: TestServer, path: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as client, client.get(server.make_url(path)) as response:
        return response.status, await response.json()


async def post(server: TestServer, path: str, body: Any) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as client,
        client.post(server.make_url(path), json=body) as response,
    ):
        return response.status, await response.json()


async def ids(server: TestServer) -> dict[str, int]:
    _, body = await get(server, f"{API}/people")
    return {person["name"]: person["id"] for person in body["people"]}


async def send(server: TestServer, staff_id: int, **payload: Any) -> dict[str, Any]:
    status, body = await post(server, f"{API}/send", {"staff_id": staff_id, **payload})
    assert status == 200, body
    return body  # type: ignore[no-any-return]


def form_values(reply: dict[str, Any], **answers: str) -> dict[str, str]:
    return {f["name"]: f["value"] for f in reply["fields"]} | answers


async def test_people_lists_the_demo_personas_first(playground: TestServer) -> None:
    status, body = await get(playground, f"{API}/people")
    assert status == 200
    people = body["people"]
    assert [(p["name"], p["role_label"]) for p in people[:4]] == [
        ("Sam Taylor", "Social worker"),
        ("Aled Rhys", "NQSW"),
        ("Priya Shah", "Team manager"),
        ("Morgan Price", "Service manager"),
    ]
    assert all(p["persona"] for p in people[:4])
    assert not any(p["persona"] for p in people[4:])
    assert len(people) > 20
    assert people[0]["team"] == "Safeguarding North"


async def test_the_menu_lists_every_flow_with_its_usage(playground: TestServer) -> None:
    _, body = await get(playground, f"{API}/flows")
    names = [flow["name"] for flow in body["flows"]]
    assert {"caseload", "book", "record"} <= set(names)
    assert all(flow["usage"] and flow["summary"] for flow in body["flows"])


async def test_asking_for_a_caseload_score_answers_with_its_card(playground: TestServer) -> None:
    sam = (await ids(playground))["Sam Taylor"]
    body = await send(playground, sam, text="what's my caseload score")
    cards = [r for r in body["replies"] if r["type"] == "card"]
    assert cards, body
    assert re.search(r"\d+ points", cards[0]["title"])
    assert {"label", "value"} <= set(cards[0]["facts"][0])


async def test_a_form_comes_back_with_errors_and_what_was_typed(playground: TestServer) -> None:
    priya = (await ids(playground))["Priya Shah"]
    (form,) = (await send(playground, priya, command={"name": "book"}))["replies"]
    assert form["type"] == "form"
    values = form_values(form, person="Sam Taylor", when="yesterday 9am")
    body = await send(playground, priya, form={"form_id": form["form_id"], "values": values})
    (again,) = body["replies"]
    fields = {f["name"]: f for f in again["fields"]}
    assert fields["when"]["value"] == "yesterday 9am"
    assert "passed" in fields["when"]["error"]
    assert fields["person"]["error"] == ""
    assert body["flow"] == "book"


async def test_booking_tells_the_supervisee_in_their_inbox(playground: TestServer) -> None:
    people = await ids(playground)
    priya, sam = people["Priya Shah"], people["Sam Taylor"]
    (form,) = (await send(playground, priya, command={"name": "book"}))["replies"]
    values = form_values(form, person="Sam Taylor", when="tomorrow 9am", venue="Room 2")
    await send(playground, priya, form={"form_id": "book", "values": values})
    done = await send(playground, priya, choice="confirm")
    assert done["replies"][0]["title"] == "Booked: supervision with Sam Taylor"
    # Tomorrow: the booking notice, then the day-before agenda to both and the reflection
    # questions to Sam, which the day's agenda run has passed (issue 27).
    assert done["notified"] == 4
    _, inbox = await get(playground, f"{API}/inbox/{sam}")
    assert all(m["status"] == "posted" and m["kind"] == "notice" for m in inbox["messages"])
    titles = [m["replies"][0]["title"] for m in inbox["messages"]]
    assert sorted(titles) == [
        "Agenda for your supervision",
        "Before your supervision",
        "Supervision booked",
    ]
    _, mine = await get(playground, f"{API}/inbox/{priya}")
    assert [m["replies"][0]["title"] for m in mine["messages"]] == ["Agenda for your supervision"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"staff_id": 3}, "exactly one of"),
        ({"staff_id": 3, "text": "hi", "choice": "x"}, "exactly one of"),
        ({"staff_id": "3", "text": "hi"}, "staff_id"),
        ({"staff_id": True, "text": "hi"}, "staff_id"),
        ({"staff_id": 3, "text": "   "}, "empty"),
        ({"staff_id": 3, "command": "book"}, "command"),
        ({"staff_id": 3, "form": {"form_id": "book", "values": {"when": 9}}}, "field when"),
        ([1, 2], "JSON object"),
    ],
)
async def test_malformed_messages_are_refused_with_a_reason(
    playground: TestServer, body: Any, reason: str
) -> None:
    status, answer = await post(playground, f"{API}/send", body)
    assert status == 400
    assert reason in answer["error"]


async def test_only_json_is_accepted_and_strangers_are_not_found(playground: TestServer) -> None:
    async with (
        aiohttp.ClientSession() as client,
        client.post(playground.make_url(f"{API}/send"), data={"staff_id": "3"}) as response,
    ):
        assert response.status == 415
        assert "application/json" in (await response.json())["error"]
    status, answer = await post(playground, f"{API}/send", {"staff_id": 99999, "text": "hi"})
    assert status == 404
    assert "staff" in answer["error"]


async def test_a_week_forward_posts_each_teams_digest(playground: TestServer) -> None:
    _, before = await get(playground, f"{API}/clock")
    assert before["label"] == "Mon 23 Nov 2026, 10:00"
    status, refused = await post(playground, f"{API}/clock", {"days": 3})
    assert status == 400
    assert "1 or 7" in refused["error"]
    status, moved = await post(playground, f"{API}/clock", {"days": 7})
    assert status == 200
    assert moved["label"] == "Mon 30 Nov 2026, 10:00"
    assert moved["planned"] > 0
    assert moved["delivered"] >= moved["planned"]
    _, channels = await get(playground, f"{API}/channels")
    digests = [p for p in channels["posts"] if p["kind"] == "digest"]
    this_week = [p for p in digests if p["due_label"] == "Mon 30 Nov 2026, 09:00"]
    assert {p["to"] for p in this_week} == {
        "Safeguarding North channel",
        "Children in Care channel",
        "Assessment and Intervention channel",
    }
    assert all(p["status"] == "posted" and p["replies"][0]["type"] == "card" for p in this_week)
    assert any(p["kind"] in {"reminder", "escalation"} for p in channels["posts"])
    dues = [p["due_at"] for p in channels["posts"]]
    assert dues == sorted(dues, reverse=True)


async def test_a_day_forward_only_moves_a_day(playground: TestServer) -> None:
    status, moved = await post(playground, f"{API}/clock", {"days": 1})
    assert status == 200
    assert moved["label"] == "Tue 24 Nov 2026, 10:00"


async def test_files_download_with_their_type_and_name(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    sam = (await ids(playground))["Sam Taylor"]
    files = (
        Attachment("supervision.ics", "text/calendar", b"BEGIN:VCALENDAR\r\n", "Calendar invite"),
        Attachment("caseload chart.png", "image/png", b"\x89PNG\r\n\x1a\n", "Caseload by week"),
        Attachment("Cofnod goruchwylio ŵ.pdf", "application/pdf", b"%PDF-1.7", ""),
        Attachment("page.html", "text/html", b"<script>alert(1)</script>", ""),
    )
    now = playground.app[CLOCK]()
    async with session_factory(web_engine)() as session:
        await enqueue(
            session,
            key="test-files",
            platform="web",
            target=f"staff:{sam}",
            kind="notice",
            payload={"replies": [to_dict(f) for f in files]},
            due_at=now - timedelta(seconds=1),
        )
        await session.commit()
    await deliver(playground.app)
    _, inbox = await get(playground, f"{API}/inbox/{sam}")
    shown = inbox["messages"][0]["replies"]
    assert all("content" not in reply for reply in shown)
    expected = [
        ("text/calendar", 'attachment; filename="supervision.ics"'),
        ("image/png", 'inline; filename="caseload chart.png"'),
        ("application/pdf", 'attachment; filename="Cofnod goruchwylio _.pdf"'),
        ("application/octet-stream", 'attachment; filename="page.html"'),
    ]
    async with aiohttp.ClientSession() as client:
        for reply, original, (media_type, disposition) in zip(shown, files, expected, strict=True):
            async with client.get(playground.make_url(reply["url"])) as response:
                assert response.status == 200
                assert response.content_type == media_type
                assert response.headers["Content-Disposition"].startswith(disposition)
                assert response.headers["X-Content-Type-Options"] == "nosniff"
                assert await response.read() == original.content
        welsh = shown[2]["url"]
        async with client.get(playground.make_url(welsh)) as response:
            assert (
                "filename*=UTF-8''Cofnod%20goruchwylio%20%C5%B5.pdf"
                in (response.headers["Content-Disposition"])
            )
        async with client.get(playground.make_url(f"{API}/attachments/{'0' * 40}")) as response:
            assert response.status == 404


async def test_a_failing_scheduler_is_reported_not_hidden(
    playground: TestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken() -> int:
        raise RuntimeError("database went away")

    monkeypatch.setattr(playground.app[SCHEDULER], "tick", broken)
    status, answer = await post(playground, f"{API}/clock", {"days": 1})
    assert status == 500
    assert answer["error"].startswith("the clock moved to Tue 24 Nov 2026, 10:00")
    assert "database went away" not in answer["error"]


async def test_audit_events_are_dated_by_the_demo_clock(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    """Issue 21 item 5: audit rows took the machine's time while everything else the demo's."""
    people = await ids(playground)
    await post(playground, f"{API}/clock", {"days": 1})
    await send(playground, people["Priya Shah"], text="what's the caseload score of Sam Taylor")
    now = playground.app[CLOCK]()
    async with session_factory(web_engine)() as session:
        last = (
            await session.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(1))
        ).one()
    assert (last.subject_type, last.target_staff_id) == ("caseload_score", people["Sam Taylor"])
    assert abs(last.occurred_at - now) < timedelta(minutes=1), (last.occurred_at, now)
