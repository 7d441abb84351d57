"""Installing into several workspaces over OAuth, with installations in our own tables."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie

import pytest
from sqlmodel import select

from bot.slack.http import SLACK
from bot.slack.identity import slack_user_by_email
from bot.slack.runtime import web_client
from storage.db import session_factory
from storage.models import SlackInstallation, SlackOAuthState
from tests.slack.conftest import SlackHarness, signed

OAUTH = {"slack_bot_token": None, "slack_client_id": "111.222", "slack_client_secret": "shh"}


# slack_sdk 3.47 sends oauth.v2.access credentials with aiohttp.BasicAuth, which aiohttp 3.14
# deprecates; it still works, and the fix belongs upstream.
@pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")
async def test_a_second_workspace_installs_and_is_served_with_its_own_token(
    make_harness: Callable[..., Awaitable[SlackHarness]],
) -> None:
    slack = await make_harness(**OAUTH)
    async with slack.http.get(slack.server.make_url("/slack/install")) as page:
        assert page.status == 200
        html = await page.text()
        cookie = SimpleCookie(page.headers["Set-Cookie"])
    state = re.search(r"state=([\w-]+)", html)
    assert state is not None
    assert "client_id=111.222" in html
    assert "users%3Aread.email" in html or "users:read.email" in html

    redirect = slack.server.make_url("/slack/oauth_redirect").with_query(
        code="code-1", state=state.group(1)
    )
    cookies = "; ".join(f"{k}={v.value}" for k, v in cookie.items())
    async with slack.http.get(redirect, headers={"Cookie": cookies}) as done:
        assert done.status == 200
    assert slack.fake.of("oauth.v2.access")[0].payload["code"] == "code-1"
    async with session_factory(slack.database)() as session:
        (installed,) = (await session.exec(select(SlackInstallation))).all()
        assert (await session.exec(select(SlackOAuthState))).all() == []  # used up
    assert (installed.team_id, installed.user_id) == ("T2", "UADMIN2")

    # A replayed redirect is refused: the state was one-time.
    async with slack.http.get(redirect, headers={"Cookie": cookies}) as again:
        assert again.status != 200

    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T2",
            "api_app_id": "A1",
            "event_id": "Ev-T2",
            "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": "USAM", "tab": "home"},
        }
    )
    url = slack.server.make_url("/slack/events")
    async with slack.http.post(url, data=body, headers=signed(body, "application/json")) as r:
        assert r.status == 200
    published = await slack.fake.wait_for("views.publish")
    assert published[0].token == "Bearer xoxb-t2"

    runtime = slack.server.app[SLACK]
    assert runtime.installations is not None
    assert await runtime.installations.installer("T2") == "UADMIN2"
    assert (await runtime.client_for("T2")).token == "xoxb-t2"


async def test_install_routes_say_so_in_single_workspace_mode(slack: SlackHarness) -> None:
    async with slack.http.get(slack.server.make_url("/slack/install")) as page:
        assert page.status == 404


async def test_people_can_be_found_by_email_before_they_speak(slack: SlackHarness) -> None:
    settings = slack.server.app[SLACK].settings
    client = web_client(settings, "xoxb-test", interactive=False)
    assert await slack_user_by_email(client, "priya.shah@demoshire.example") == "UPRIYA"
    assert await slack_user_by_email(client, "nobody@demoshire.example") is None


async def test_socket_mode_serves_the_same_listeners_without_a_public_url(
    make_harness: Callable[..., Awaitable[SlackHarness]],
) -> None:
    slack = await make_harness(slack_socket_mode=True, slack_app_token="xapp-test")
    opened = await slack.fake.wait_for("apps.connections.open")
    assert opened[0].token == "Bearer xapp-test"
    await slack.fake.until(lambda: bool(slack.fake.sockets), "a Socket Mode connection")
    envelope = {
        "envelope_id": "env-1",
        "type": "events_api",
        "accepts_response_payload": False,
        "payload": {
            "type": "event_callback",
            "team_id": "T1",
            "api_app_id": "A1",
            "event_id": "Ev-socket",
            "event_time": int(time.time()),
            "event": {
                "type": "message",
                "channel_type": "im",
                "channel": "DUSAM",
                "user": "USAM",
                "text": "what's due",
                "ts": "1.1",
            },
        },
    }
    await slack.fake.sockets[0].send_json(envelope)
    acked = await slack.fake.wait_for("socket.ack")
    assert acked[0].payload["envelope_id"] == "env-1"
    posted = await slack.fake.wait_for("chat.postMessage")
    assert "What's due" in json.dumps(posted[0].payload["blocks"])


@pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")
async def test_an_installed_workspace_is_authorised_without_an_auth_test_per_request(
    make_harness: Callable[..., Awaitable[SlackHarness]],
) -> None:
    """Bolt's installation-store authorisation calls auth.test on every request unless its cache
    is on: one Slack round trip per message. The installation is still looked up each time, so
    an uninstalled workspace stops being served (issue 24's 20-workspace benchmark)."""
    slack = await make_harness(**OAUTH)
    async with slack.http.get(slack.server.make_url("/slack/install")) as page:
        html = await page.text()
        cookie = SimpleCookie(page.headers["Set-Cookie"])
    state = re.search(r"state=([\w-]+)", html)
    assert state is not None
    redirect = slack.server.make_url("/slack/oauth_redirect").with_query(
        code="code-1", state=state.group(1)
    )
    cookies = "; ".join(f"{k}={v.value}" for k, v in cookie.items())
    async with slack.http.get(redirect, headers={"Cookie": cookies}) as done:
        assert done.status == 200
    checked_at_install = len(slack.fake.of("auth.test"))

    for number in range(3):
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": "T2",
                "api_app_id": "A1",
                "event_id": f"Ev-T2-{number}",
                "event_time": int(time.time()),
                "event": {"type": "app_home_opened", "user": "USAM", "tab": "home"},
            }
        )
        url = slack.server.make_url("/slack/events")
        async with slack.http.post(url, data=body, headers=signed(body, "application/json")) as r:
            assert r.status == 200
        await slack.fake.wait_for("views.publish", count=number + 1)

    assert len(slack.fake.of("auth.test")) - checked_at_install == 1
