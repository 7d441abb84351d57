"""The playground API against hostile and repeated requests, over real HTTP on loopback.

Wrong types, numbers no database holds, JSON nested 100,000 deep: a 400 naming the field, never a
500 or a traceback. A message sent again with the same client message id (the page's retry) is
handled once, as a Slack retry is: the second answer says so and nothing is written twice.
"""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from storage.db import session_factory
from storage.models import OutboxMessage, ProcessedInbound, SupervisionSession

API = "/playground/api"
SEND = f"{API}/send"


async def post_raw(
    server: TestServer,
    path: str,
    data: bytes | io.BytesIO | AsyncIterator[bytes],
    content_type: str,
) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as client,
        client.post(server.make_url(path), data=data, headers={"Content-Type": content_type}) as r,
    ):
        return r.status, await r.json(content_type=None)


async def post(server: TestServer, path: str, body: Any) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as client,
        client.post(server.make_url(path), json=body) as response,
    ):
        return response.status, await response.json()


async def staff_ids(server: TestServer) -> dict[str, int]:
    async with aiohttp.ClientSession() as client, client.get(server.make_url(f"{API}/people")) as r:
        body = await r.json()
    return {person["name"]: person["id"] for person in body["people"]}


def assert_quiet(caplog: pytest.LogCaptureFixture) -> None:
    loud = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert loud == [], [r.getMessage() for r in loud]
    assert "Traceback" not in caplog.text


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.guard"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"staff_id": 10**20, "text": "hi"}, "staff_id"),
        ({"staff_id": 2**31, "text": "hi"}, "staff_id"),
        ({"staff_id": -1, "text": "hi"}, "staff_id"),
        ({"staff_id": 1.5, "text": "hi"}, "staff_id"),
        ({"staff_id": None, "text": "hi"}, "staff_id"),
        ({"staff_id": [3], "text": "hi"}, "staff_id"),
        ({"staff_id": 3, "text": 42}, "text"),
        ({"staff_id": 3, "text": "a\ud800b"}, "text"),
        ({"staff_id": 3, "text": "a\x00b"}, "text"),
        ({"staff_id": 3, "choice": {"x": 1}}, "choice"),
        ({"staff_id": 3, "command": {"name": ["book"]}}, "command name"),
        ({"staff_id": 3, "command": {"name": "book", "argument": 7}}, "command argument"),
        ({"staff_id": 3, "form": []}, "form"),
        ({"staff_id": 3, "form": {"form_id": 1, "values": {}}}, "form_id"),
        ({"staff_id": 3, "form": {"form_id": "book", "values": []}}, "form values"),
        ({"staff_id": 3, "form": {"form_id": "book", "values": {"when": "\ud800"}}}, "field when"),
        ({"staff_id": 3, "text": "hi", "message_id": "short"}, "message_id"),
        ({"staff_id": 3, "text": "hi", "message_id": "../../etc/passwd-123"}, "message_id"),
        ({"staff_id": 3, "text": "hi", "message_id": "x" * 65}, "message_id"),
        ({"staff_id": 3, "text": "hi", "message_id": 12345678}, "message_id"),
    ],
)
async def test_a_wrong_value_is_a_400_naming_the_field(
    playground: TestServer, caplog: pytest.LogCaptureFixture, body: dict[str, Any], field: str
) -> None:
    status, answer = await post(playground, SEND, body)

    assert status == 400
    assert answer["error"].startswith(field)
    assert_quiet(caplog)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"staff_id": 3, "text": ' + b"[" * 100_000, "nested too deeply"),
        (b"{bad", "not valid JSON"),
        (b'{"staff_id": 3, "text": "\xff"}', "not UTF-8"),
        (b'"just a string"', "JSON object"),
        (b"", "not valid JSON"),
    ],
    ids=["nested", "nested-unclosed", "not-json", "not-utf8", "a-string", "empty"],
)
async def test_a_body_that_is_not_a_json_object_is_a_400_saying_why(
    playground: TestServer, caplog: pytest.LogCaptureFixture, data: bytes, reason: str
) -> None:
    status, answer = await post_raw(playground, SEND, data, "application/json")

    assert status == 400
    assert reason in answer["error"]
    assert_quiet(caplog)
    assert refusals(caplog) == [f"refused: POST {SEND}: not a playground message"]


async def test_refusals_log_one_line_per_reason_within_the_window(
    playground: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(5):
        assert (await post(playground, SEND, {"staff_id": 10**20, "text": "hi"}))[0] == 400
    for _ in range(3):
        assert (await post_raw(playground, SEND, b"{}", "text/plain"))[0] == 415

    assert refusals(caplog) == [
        f"refused: POST {SEND}: not a playground message",
        f"refused: POST {SEND}: content type not accepted",
    ]
    assert_quiet(caplog)


async def test_a_body_over_a_megabyte_is_413_whether_or_not_its_length_is_declared(
    playground: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    big = b'{"staff_id": 3, "text": "' + b"x" * (1024 * 1024) + b'"}'

    async def chunked() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 64 * 1024):
            yield big[start : start + 64 * 1024]

    declared = await post_raw(playground, SEND, io.BytesIO(big), "application/json")
    undeclared = await post_raw(playground, SEND, chunked(), "application/json")

    assert declared[0] == undeclared[0] == 413
    assert "over 1048576 bytes" in declared[1]["error"]
    assert_quiet(caplog)


@pytest.mark.parametrize("staff_id", ["1" * 20, "1" * 5000, "0", "2147483648"])
async def test_an_inbox_of_an_impossible_id_is_404_not_500(
    playground: TestServer, caplog: pytest.LogCaptureFixture, staff_id: str
) -> None:
    url = playground.make_url(f"{API}/inbox/{staff_id}")
    async with aiohttp.ClientSession() as client, client.get(url) as response:
        assert response.status == 404
        assert "staff" in (await response.json())["error"]
    assert_quiet(caplog)


@pytest.mark.parametrize("days", [[1], {"n": 1}, "7", 1.5, None])
async def test_the_clock_refuses_a_step_of_the_wrong_type(
    playground: TestServer, caplog: pytest.LogCaptureFixture, days: Any
) -> None:
    status, answer = await post(playground, f"{API}/clock", {"days": days})

    assert status == 400
    assert "days" in answer["error"]
    assert_quiet(caplog)
    assert refusals(caplog) == [f"refused: POST {API}/clock: not a playground message"]


# ---- A client message id: the page's retry is the same message ---------------------------------


async def count(engine: AsyncEngine, model: Any) -> int:
    async with session_factory(engine)() as session:
        return int((await session.exec(select(func.count()).select_from(model))).one())


async def test_a_retried_confirmation_books_once_and_says_it_was_already_received(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    priya = (await staff_ids(playground))["Priya Shah"]
    status, started = await post(playground, SEND, {"staff_id": priya, "command": {"name": "book"}})
    assert status == 200
    form = started["replies"][0]
    values = {f["name"]: f["value"] for f in form["fields"]} | {
        "person": "Sam Taylor",
        "when": "tomorrow 9am",
        "venue": "Room 2",
    }
    filled = {"staff_id": priya, "form": {"form_id": form["form_id"], "values": values}}
    assert (await post(playground, SEND, filled | {"message_id": "fill-0001"}))[0] == 200
    sessions = await count(web_engine, SupervisionSession)
    outbox = await count(web_engine, OutboxMessage)
    confirm = {"staff_id": priya, "choice": "confirm", "message_id": "confirm-0001"}

    first = await post(playground, SEND, confirm)
    retry = await post(playground, SEND, confirm)

    assert first[0] == retry[0] == 200
    assert first[1]["replies"][0]["title"] == "Booked: supervision with Sam Taylor"
    assert first[1]["duplicate"] is False
    assert retry[1]["duplicate"] is True
    assert retry[1]["notified"] == 0
    assert "Already received" in retry[1]["replies"][0]["text"]
    assert await count(web_engine, SupervisionSession) == sessions + 1
    # Sam is told once; booked for tomorrow, the day-before agenda goes to both and the
    # reflection questions to Sam, each once too (issue 27).
    assert await count(web_engine, OutboxMessage) == outbox + 4


async def test_the_same_client_id_from_two_people_is_two_messages(
    playground: TestServer, web_engine: AsyncEngine
) -> None:
    people = await staff_ids(playground)
    before = await count(web_engine, ProcessedInbound)

    for name in ("Sam Taylor", "Priya Shah"):
        body = {"staff_id": people[name], "text": "help", "message_id": "same-id-0001"}
        status, answer = await post(playground, SEND, body)
        assert status == 200
        assert answer["duplicate"] is False

    assert await count(web_engine, ProcessedInbound) == before + 2
