"""The hostile-input layer (bot.guard): quiet, rate-limited refusals, and real errors still loud."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.guard import Refusals
from bot.settings import Settings


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.guard"]


def test_one_line_per_reason_per_window_then_a_count_of_those_kept_quiet(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    refusals = Refusals(window=60, clock=clock)

    for _ in range(3):
        refusals.refuse("POST /x: unsigned request")
    refusals.refuse("POST /x: bad signature")
    clock.now += 59
    refusals.refuse("POST /x: unsigned request")
    assert lines(caplog) == [
        "refused: POST /x: unsigned request",
        "refused: POST /x: bad signature",
    ]

    clock.now += 1
    refusals.refuse("POST /x: unsigned request")
    refusals.refuse("POST /x: unsigned request")

    assert lines(caplog)[2:] == [
        "refused: POST /x: unsigned request (and 3 more since the last such line)"
    ]
    assert all(r.levelno == logging.WARNING and not r.exc_info for r in caplog.records)


@pytest.fixture
async def server(engine: AsyncEngine) -> AsyncIterator[TestServer]:
    """The real app (with Teams' /api/messages, a guarded route) and one route with a bug."""
    settings = Settings(_env_file=None, teams_allow_anonymous=True)  # type: ignore[call-arg]
    app = create_app(settings, engine, run_scheduler=False)

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("a bug of ours")

    app.router.add_get("/broken", broken)
    async with TestServer(app, host="127.0.0.1") as test_server:
        yield test_server


async def test_a_bug_in_a_handler_is_still_an_error_with_its_traceback(
    server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    async with aiohttp.ClientSession() as client, client.get(server.make_url("/broken")) as r:
        assert r.status == 500

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors
    assert errors[0].exc_info is not None
    assert "a bug of ours" in caplog.text


async def raw_exchange(server: TestServer, request: bytes) -> bytes:
    """Bytes no HTTP client library would send, answered by the app's own server."""
    assert server.port is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), timeout=10)
    finally:
        writer.close()
        await writer.wait_closed()


def status_of(answer: bytes) -> int:
    version, status, _ = answer.split(b" ", 2)
    assert version in (b"HTTP/1.0", b"HTTP/1.1")
    return int(status)


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
        b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http at all\r\n\r\n",
    ],
    ids=["header-without-colon", "request-line-over-8k", "length-not-a-number", "tls-hello"],
)
async def test_a_request_the_http_parser_refuses_is_400_and_one_quiet_line(
    server: TestServer, caplog: pytest.LogCaptureFixture, request_bytes: bytes
) -> None:
    caplog.set_level(logging.DEBUG, logger="aiohttp")

    answer = await raw_exchange(server, request_bytes)

    assert status_of(answer) == 400
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []
    assert "Traceback" not in caplog.text
    (line,) = lines(caplog)
    assert line.startswith("refused: malformed HTTP request (")


async def test_a_body_that_breaks_its_chunked_framing_is_400_and_one_quiet_line(
    server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    answer = await raw_exchange(
        server,
        b"POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    )

    assert status_of(answer) == 400
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []
    assert len(lines(caplog)) == 1


async def test_a_body_that_does_not_decompress_is_400_on_a_guarded_route(
    server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    async with (
        aiohttp.ClientSession() as client,
        client.post(
            server.make_url("/api/messages"),
            data=b"this is not gzip",
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        ) as response,
    ):
        assert response.status == 400
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR] == []
    assert lines(caplog) == ["refused: POST /api/messages: malformed body (ContentEncodingError)"]
