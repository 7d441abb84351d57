"""Hostile requests to Slack's endpoints on loopback: each a 4xx, one short line, no traceback.

The signature is checked on the raw bytes before anything parses them, so what a stranger sends
(not JSON, not UTF-8, a timestamp that is not a number) is a 401; a body Slack signed but that is
not what it claims is a 400. Each refusal logs at most one line per reason in the window.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import time
from collections.abc import Awaitable, Callable

import pytest

from tests.slack.conftest import SECRET, SlackHarness

EVENTS = "/slack/events"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
OAUTH = {"slack_bot_token": None, "slack_client_id": "111.222", "slack_client_secret": "shh"}


def signature_of(raw: bytes, stamp: str) -> str:
    """Slack's v0 scheme, on the exact bytes sent (the harness's helper signs text only)."""
    base = b"v0:" + stamp.encode() + b":" + raw
    return "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()


def signed_bytes(raw: bytes, content_type: str) -> dict[str, str]:
    stamp = str(int(time.time()))
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature_of(raw, stamp),
    }


async def post(
    slack: SlackHarness, raw: bytes | io.BytesIO, headers: dict[str, str]
) -> tuple[int, str]:
    async with slack.http.post(slack.server.make_url(EVENTS), data=raw, headers=headers) as r:
        return r.status, await r.text()


def assert_quiet(caplog: pytest.LogCaptureFixture) -> None:
    """Nothing the caller controls may reach the log as an error or a traceback."""
    loud = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert loud == [], [r.getMessage() for r in loud]
    assert "Traceback" not in caplog.text


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.guard"]


NOT_JSON = b"{bad"
BROKEN_FORM = b"payload=%7Bbroken"
NOT_UTF8 = b'{"type": "event_callback", "text": "\xff\xfe"}'


@pytest.mark.parametrize(
    ("raw", "content_type", "headers"),
    [
        (NOT_JSON, JSON, {}),
        (BROKEN_FORM, FORM, {}),
        (NOT_UTF8, JSON, {}),
        (NOT_JSON, JSON, {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"}),
        (NOT_JSON, JSON, {"X-Slack-Request-Timestamp": "1e3", "X-Slack-Signature": "v0=00"}),
        (BROKEN_FORM, FORM, {"X-Slack-Request-Timestamp": "-5", "X-Slack-Signature": "v0=a"}),
        (NOT_UTF8, JSON, {"X-Slack-Request-Timestamp": "99999999999999999999"}),
        (NOT_JSON, JSON, {"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=" + "0" * 64}),
    ],
    ids=[
        "not-json",
        "broken-payload",
        "not-utf8",
        "timestamp-abc",
        "timestamp-1e3",
        "timestamp-negative",
        "timestamp-huge-no-signature",
        "stale",
    ],
)
async def test_unauthenticated_bodies_are_401_before_anything_parses_them(
    slack: SlackHarness,
    caplog: pytest.LogCaptureFixture,
    raw: bytes,
    content_type: str,
    headers: dict[str, str],
) -> None:
    caplog.set_level(logging.INFO)

    status, text = await post(slack, raw, {"Content-Type": content_type} | headers)

    assert status == 401
    assert "Traceback" not in text
    assert_quiet(caplog)
    assert len(refusals(caplog)) == 1
    assert slack.fake.calls == []


async def test_a_forged_signature_over_unreadable_bytes_is_401(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    headers = signed_bytes(NOT_UTF8, JSON) | {"X-Slack-Signature": signature_of(b"other", "1")}

    status, _ = await post(slack, NOT_UTF8, headers)

    assert status == 401
    assert_quiet(caplog)


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (NOT_JSON, JSON),
        (BROKEN_FORM, FORM),
        (NOT_UTF8, JSON),
        (b"[1, 2, 3]", JSON),
        (b"[" * 100_000 + b"]" * 100_000, JSON),
        (b"payload=" + b"%5B" * 100_000, FORM),
    ],
    ids=["not-json", "broken-payload", "not-utf8", "a-list", "nested-100000", "form-nested"],
)
async def test_a_signed_body_that_is_not_a_slack_payload_is_400(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, raw: bytes, content_type: str
) -> None:
    status, text = await post(slack, raw, signed_bytes(raw, content_type))

    assert status == 400
    assert "not a Slack payload" in text
    assert_quiet(caplog)
    assert refusals(caplog) == ["refused: POST /slack/events: signed body unreadable"]


async def test_a_refusal_logs_one_line_per_reason_within_the_window(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(6):
        status, _ = await post(slack, NOT_JSON, {"Content-Type": JSON})
        assert status == 401
    stamp = {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=1"}
    for _ in range(3):
        status, _ = await post(slack, NOT_JSON, {"Content-Type": JSON} | stamp)
        assert status == 401

    assert refusals(caplog) == [
        "refused: POST /slack/events: unsigned request",
        "refused: POST /slack/events: malformed signature headers",
    ]
    assert_quiet(caplog)


async def test_a_wrong_content_type_is_415_and_an_oversized_body_413_unread(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    raw = b'{"type": "event_callback"}'
    status, text = await post(slack, raw, signed_bytes(raw, "text/plain"))
    assert status == 415
    assert "application/json" in text

    big = io.BytesIO(b"x" * (2 * 1024 * 1024 + 1))
    status, text = await post(slack, big, {"Content-Type": JSON})
    assert status == 413

    assert_quiet(caplog)
    assert len(refusals(caplog)) == 2
    assert slack.fake.calls == []


async def test_slacks_certificate_check_is_answered_without_a_signature(
    slack: SlackHarness,
) -> None:
    status, text = await post(slack, b"ssl_check=1&token=abc", {"Content-Type": FORM})

    assert (status, text) == (200, "")
    assert slack.fake.calls == []


async def test_a_properly_signed_event_still_gets_through(slack: SlackHarness) -> None:
    """The check on the raw bytes is Slack's own scheme: a real signed event is answered."""
    sam = slack.as_user("USAM")

    assert (await sam.say("what's my caseload score")).status == 200
    await slack.fake.wait_for("chat.postMessage")


async def test_a_header_over_8_kb_is_400_with_one_line_and_nothing_of_it_logged(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="aiohttp")
    huge = {"Content-Type": JSON, "X-Padding": "MARKER" + "A" * 9000}

    for _ in range(3):
        status, _ = await post(slack, NOT_JSON, huge)
        assert status == 400

    assert_quiet(caplog)
    assert "MARKER" not in caplog.text
    assert refusals(caplog) == ["refused: malformed HTTP request (LineTooLong)"]


# ---- The OAuth redirect ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"state": "<script>alert(1)</script>", "code": "c"},
        {"state": "s" * 500, "code": "c"},
        {"state": "abc", "code": "x'; DROP TABLE slack_installation; --"},
        {"state": "abc\x00", "code": "c"},
    ],
    ids=["state-markup", "state-too-long", "code-sql", "state-nul"],
)
async def test_a_malformed_oauth_redirect_gets_a_clear_400_page(
    make_harness: Callable[..., Awaitable[SlackHarness]],
    caplog: pytest.LogCaptureFixture,
    query: dict[str, str],
) -> None:
    slack = await make_harness(**OAUTH)
    url = slack.server.make_url("/slack/oauth_redirect").with_query(query)

    async with slack.http.get(url) as page:
        status, text = page.status, await page.text()

    assert status == 400
    assert "This installation link is not valid" in text
    assert "/slack/install" in text
    assert "<script>" not in text
    assert_quiet(caplog)
    assert len(refusals(caplog)) == 1
    assert slack.fake.of("oauth.v2.access") == []


@pytest.mark.parametrize(
    "query",
    [{}, {"code": "c"}, {"state": "unknown-state", "code": "c"}, {"error": "access_denied"}],
    ids=["nothing", "no-state", "unknown-state", "slack-error"],
)
async def test_an_oauth_redirect_missing_its_state_is_refused_with_a_page(
    make_harness: Callable[..., Awaitable[SlackHarness]],
    caplog: pytest.LogCaptureFixture,
    query: dict[str, str],
) -> None:
    slack = await make_harness(**OAUTH)
    url = slack.server.make_url("/slack/oauth_redirect").with_query(query)

    async with slack.http.get(url, headers={"Cookie": "slack-app-oauth-state=unknown-state"}) as r:
        status, text = r.status, await r.text()

    assert status in (200, 400, 401)  # Bolt's own pages: 200 only for Slack's `error`
    assert "Oops, Something Went Wrong!" in text
    assert_quiet(caplog)
    assert slack.fake.of("oauth.v2.access") == []


async def test_an_install_page_ignores_a_body_that_is_not_utf8(
    make_harness: Callable[..., Awaitable[SlackHarness]], caplog: pytest.LogCaptureFixture
) -> None:
    slack = await make_harness(**OAUTH)
    for path in ("/slack/install", "/slack/oauth_redirect"):
        url = slack.server.make_url(path)
        async with slack.http.get(url, data=b"\xff\xfe", headers={"Content-Type": FORM}) as r:
            assert r.status < 500
    assert_quiet(caplog)
