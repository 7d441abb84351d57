"""Issue 24: what each Teams turn costs beyond the answer itself, over real HTTP on loopback.

The SDK's own client factory built two HTTP sessions per activity (a new TCP connection to the
connector for every reply) and an OAuth user-token client this bot never uses, which logged
"App ID is not provided" at WARNING on every anonymous turn.
"""

from __future__ import annotations

import logging

import pytest

from bot.teams.http import CLIENTS
from tests.teams.conftest import SAM, TeamsBot, personal_message

SAM_CHAT = "a:chat-sam"


async def test_turns_build_no_user_token_client_and_log_no_warning(
    teams_bot: TeamsBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    for words in ("caseload", "help", "caseload"):
        response = await teams_bot.post(personal_message(teams_bot, SAM, words))
        assert response.status in (200, 202)
    await teams_bot.connector.wait_for(lambda: len(teams_bot.connector.sent(SAM_CHAT)) >= 3)

    assert teams_bot.app[CLIENTS].user_token_clients_built == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [w for w in warnings if "App ID" in w], warnings


async def test_replies_reuse_one_connection_to_the_connector(teams_bot: TeamsBot) -> None:
    for words in ("caseload", "help", "caseload", "help"):
        await teams_bot.post(personal_message(teams_bot, SAM, words))
    connector = teams_bot.connector
    await connector.wait_for(lambda: len(connector.sent(SAM_CHAT)) >= 4)

    # One after another, each reply finds the previous turn's connection open (keep-alive).
    assert len(connector.ports) >= 4
    assert len(set(connector.ports)) == 1, connector.ports


async def test_connector_clients_are_built_without_reading_package_metadata(
    teams_bot: TeamsBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 24 item 3: the SDK's ConnectorClient read its package's installed metadata for its
    User-Agent each time one was built, once a turn; ours does once a process."""
    from microsoft_agents.hosting.core.connector.client import connector_client

    looked_up: list[str] = []
    original = connector_client.get_product_info

    def counting() -> str:
        looked_up.append("product info")
        return original()

    monkeypatch.setattr(connector_client, "get_product_info", counting)
    for words in ("caseload", "help", "caseload"):
        await teams_bot.post(personal_message(teams_bot, SAM, words))
    await teams_bot.connector.wait_for(lambda: len(teams_bot.connector.sent(SAM_CHAT)) >= 3)
    assert looked_up == []


async def test_a_pooled_connector_client_is_set_up_as_the_sdks() -> None:
    from aiohttp import ClientSession
    from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

    from bot.teams.clients import PooledConnectorClient

    url = "https://smba.trafficmanager.net/uk/"
    async with ClientSession(base_url=url) as ours, ClientSession(base_url=url) as sdks:
        pooled = PooledConnectorClient(url, "token-1", session=ours)
        sdk = TeamsConnectorClient(url, "token-1", session=sdks)
        assert dict(pooled.client.headers) == dict(sdk.client.headers)
        assert sorted(vars(pooled)) == sorted(vars(sdk))
        assert {k: type(v) for k, v in vars(pooled).items()} == {
            k: type(v) for k, v in vars(sdk).items()
        }
        assert pooled.base_uri == sdk.base_uri
