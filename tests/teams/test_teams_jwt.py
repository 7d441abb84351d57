"""Bot Framework token checks, on, offline: the test issues its own RSA signing key and only the
SDK's key lookup (hard-wired to Microsoft's JWKS host) and outbound token fetch are patched."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt import PyJWK
from jwt.algorithms import RSAAlgorithm
from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import JwtTokenValidator
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from tests.teams.conftest import (
    SAM,
    TENANT,
    FakeConnector,
    TeamsBot,
    fixed_clock,
    personal_message,
    settings,
)

APP_ID = "11111111-2222-3333-4444-555555555555"
ISSUER = "https://api.botframework.com"


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def keys_served(monkeypatch: pytest.MonkeyPatch, signing_key: rsa.RSAPrivateKey) -> list[str]:
    """Serve the test's public key where the SDK would fetch Microsoft's; record the lookups."""
    public = json.loads(RSAAlgorithm.to_jwk(signing_key.public_key()))
    lookups: list[str] = []

    async def signing_key_for(self: object, jwks_uri: str, header: dict[str, Any]) -> PyJWK:
        lookups.append(jwks_uri)
        if header["kid"] != "test-key":
            raise jwt.PyJWKClientError("unknown key id")
        return PyJWK(public | {"kid": "test-key"})

    async def outbound_token(self: object, *args: object, **kwargs: object) -> str:
        return "outbound-token"

    manager = type(JwtTokenValidator._jwk_client_manager)
    monkeypatch.setattr(manager, "get_signing_key", signing_key_for)
    monkeypatch.setattr(MsalAuth, "get_access_token", outbound_token)
    return lookups


def token(key: rsa.RSAPrivateKey, service_url: str, **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": ISSUER,
        "aud": APP_ID,
        "nbf": now - 5,
        "iat": now - 5,
        "exp": now + 600,
        "serviceurl": service_url,
    } | claims
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": "test-key"})


@pytest.fixture
async def secured_bot(
    database: AsyncEngine, connector: FakeConnector, keys_served: list[str]
) -> AsyncIterator[TeamsBot]:
    secured = settings(
        teams_allow_anonymous=False,
        teams_app_id=APP_ID,
        teams_app_password="client-secret",
        teams_tenant_id=TENANT,
    )
    app = create_app(secured, database, fixed_clock(), run_scheduler=False)
    async with TestServer(app, host="127.0.0.1") as server:
        yield TeamsBot(server, app, connector)


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


async def test_a_valid_token_is_accepted_and_the_reply_carries_the_bots_own_token(
    secured_bot: TeamsBot, signing_key: rsa.RSAPrivateKey, keys_served: list[str]
) -> None:
    connector = secured_bot.connector
    good = token(signing_key, connector.url)

    response = await secured_bot.post(personal_message(secured_bot, SAM, "help"), bearer(good))

    assert response.status in (200, 202)
    replies = await connector.wait_for(lambda: connector.sent())
    assert replies[-1].auth == "Bearer outbound-token"
    assert keys_served
    assert keys_served[0].startswith("https://login.botframework.com/")


async def test_a_missing_token_is_401(secured_bot: TeamsBot) -> None:
    response = await secured_bot.post(personal_message(secured_bot, SAM, "help"))

    assert response.status == 401
    assert "Traceback" not in response.text
    assert secured_bot.connector.calls == []


@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer not-a-jwt", "Bearer a b", "bearer " + "x" * 20],
)
async def test_a_malformed_authorization_header_is_401(secured_bot: TeamsBot, header: str) -> None:
    response = await secured_bot.post(
        personal_message(secured_bot, SAM, "help"), {"Authorization": header}
    )

    assert response.status == 401


async def test_an_expired_token_is_401(
    secured_bot: TeamsBot, signing_key: rsa.RSAPrivateKey
) -> None:
    an_hour_ago = int(time.time()) - 3600  # well past the SDK's five minutes of clock leeway
    expired = token(signing_key, secured_bot.connector.url, nbf=an_hour_ago - 600, exp=an_hour_ago)

    response = await secured_bot.post(personal_message(secured_bot, SAM, "help"), bearer(expired))

    assert response.status == 401
    assert secured_bot.connector.calls == []


async def test_a_token_for_another_bot_is_401(
    secured_bot: TeamsBot, signing_key: rsa.RSAPrivateKey
) -> None:
    other = token(
        signing_key, secured_bot.connector.url, aud="99999999-0000-0000-0000-000000000000"
    )

    response = await secured_bot.post(personal_message(secured_bot, SAM, "help"), bearer(other))

    assert response.status == 401


async def test_a_token_from_an_unknown_issuer_is_401(
    secured_bot: TeamsBot, signing_key: rsa.RSAPrivateKey
) -> None:
    forged = token(signing_key, secured_bot.connector.url, iss="https://issuer.example.org")

    response = await secured_bot.post(personal_message(secured_bot, SAM, "help"), bearer(forged))

    assert response.status == 401


async def test_a_token_signed_with_another_key_is_401(secured_bot: TeamsBot) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = token(stranger, secured_bot.connector.url)

    response = await secured_bot.post(personal_message(secured_bot, SAM, "help"), bearer(forged))

    assert response.status == 401


async def test_a_token_without_a_key_id_is_401_not_500(
    secured_bot: TeamsBot, signing_key: rsa.RSAPrivateKey
) -> None:
    now = int(time.time())
    no_kid = jwt.encode(
        {"iss": ISSUER, "aud": APP_ID, "nbf": now - 5, "exp": now + 600}, signing_key, "RS256"
    )

    response = await secured_bot.post(personal_message(secured_bot, SAM, "help"), bearer(no_kid))

    assert response.status == 401


async def test_other_routes_need_no_bot_framework_token(secured_bot: TeamsBot) -> None:
    import aiohttp

    async with (
        aiohttp.ClientSession() as client,
        client.get(secured_bot.server.make_url("/healthz")) as response,
    ):
        assert response.status == 200


async def test_production_refuses_activities_pointing_outside_microsoft(
    database: AsyncEngine,
    connector: FakeConnector,
    keys_served: list[str],
    signing_key: rsa.RSAPrivateKey,
) -> None:
    """The outbound host validator: a loopback serviceUrl is never called in production."""
    production = settings(
        environment="production",
        teams_allow_anonymous=False,
        teams_app_id=APP_ID,
        teams_app_password="client-secret",
        teams_tenant_id=TENANT,
        record_encryption_key="a-test-key",
    )
    app = create_app(production, database, fixed_clock(), run_scheduler=False)
    async with TestServer(app, host="127.0.0.1") as server:
        bot = TeamsBot(server, app, connector)
        good = token(signing_key, connector.url)
        response = await bot.post(personal_message(bot, SAM, "help"), bearer(good))

    assert response.status == 401
    assert "Service URL is not allowed" in response.text
    assert connector.calls == []
