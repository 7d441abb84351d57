"""Bot Framework token checks, on, offline: the test issues its own RSA signing key, serves it from
a fake key endpoint on loopback (in place of Microsoft's JWKS host, which the SDK routes to) that
counts its requests, and patches only the outbound token fetch."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from microsoft_agents.authentication.msal import MsalAuth
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.teams.http import SIGNING_KEYS
from bot.teams.keys import SigningKeys, fetch_json
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


@dataclass
class FakeKeyEndpoint:
    """Microsoft's key set endpoint on loopback: the keys it serves and every request it got."""

    keys: list[dict[str, Any]]
    url: str = ""
    failing: bool = False
    requests: int = 0
    asked_for: list[str] = field(default_factory=list)  # the addresses the validator routed to

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/keys", self._keys)
        return app

    async def _keys(self, request: web.Request) -> web.Response:
        self.requests += 1
        if self.failing:
            return web.Response(status=503, text="unavailable")
        return web.json_response({"keys": self.keys})

    async def fetch(self, address: str) -> Any:
        self.asked_for.append(address)
        return await fetch_json(self.url)


@dataclass
class FakeClock:
    now: float = 1_000.0

    def __call__(self) -> float:
        return self.now


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return jwk | {"kid": kid, "use": "sig"}


@pytest.fixture
async def key_endpoint(
    monkeypatch: pytest.MonkeyPatch, signing_key: rsa.RSAPrivateKey
) -> AsyncIterator[FakeKeyEndpoint]:
    async def outbound_token(self: object, *args: object, **kwargs: object) -> str:
        return "outbound-token"

    monkeypatch.setattr(MsalAuth, "get_access_token", outbound_token)
    endpoint = FakeKeyEndpoint(keys=[public_jwk(signing_key, "test-key")])
    async with TestServer(endpoint.app(), host="127.0.0.1") as server:
        endpoint.url = str(server.make_url("/keys"))
        yield endpoint


@pytest.fixture
def key_clock() -> FakeClock:
    return FakeClock()


def served_keys(app: web.Application, endpoint: FakeKeyEndpoint, clock: FakeClock) -> None:
    """Point the app's key cache at the fake endpoint (before its server starts)."""
    app[SIGNING_KEYS] = SigningKeys(endpoint.fetch, clock=clock)


def token(key: rsa.RSAPrivateKey, service_url: str, kid: str = "test-key", **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": ISSUER,
        "aud": APP_ID,
        "nbf": now - 5,
        "iat": now - 5,
        "exp": now + 600,
        "serviceurl": service_url,
    } | claims
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": kid})


@pytest.fixture
async def secured_bot(
    database: AsyncEngine,
    connector: FakeConnector,
    key_endpoint: FakeKeyEndpoint,
    key_clock: FakeClock,
) -> AsyncIterator[TeamsBot]:
    secured = settings(
        teams_allow_anonymous=False,
        teams_app_id=APP_ID,
        teams_app_password="client-secret",
        teams_tenant_id=TENANT,
    )
    app = create_app(secured, database, fixed_clock(), run_scheduler=False)
    served_keys(app, key_endpoint, key_clock)
    async with TestServer(app, host="127.0.0.1") as server:
        yield TeamsBot(server, app, connector)


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


async def test_a_valid_token_is_accepted_and_the_reply_carries_the_bots_own_token(
    secured_bot: TeamsBot, signing_key: rsa.RSAPrivateKey, key_endpoint: FakeKeyEndpoint
) -> None:
    connector = secured_bot.connector
    good = token(signing_key, connector.url)

    response = await secured_bot.post(personal_message(secured_bot, SAM, "help"), bearer(good))

    assert response.status in (200, 202)
    replies = await connector.wait_for(lambda: connector.sent())
    assert replies[-1].auth == "Bearer outbound-token"
    assert key_endpoint.requests == 1
    assert key_endpoint.asked_for == ["https://login.botframework.com/v1/.well-known/keys"]


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
    key_endpoint: FakeKeyEndpoint,
    key_clock: FakeClock,
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
    served_keys(app, key_endpoint, key_clock)
    async with TestServer(app, host="127.0.0.1") as server:
        bot = TeamsBot(server, app, connector)
        good = token(signing_key, connector.url)
        response = await bot.post(personal_message(bot, SAM, "help"), bearer(good))

    assert response.status == 401
    assert "Service URL is not allowed" in response.text
    assert connector.calls == []


# ---- Signing keys: cached, refreshed on a bounded schedule, never fetched on demand -----------


def assert_quiet(caplog: pytest.LogCaptureFixture) -> None:
    loud = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert loud == [], [r.getMessage() for r in loud]
    assert "Traceback" not in caplog.text


async def test_an_unknown_key_id_is_401_without_fetching_the_keys_again(
    secured_bot: TeamsBot,
    signing_key: rsa.RSAPrivateKey,
    key_endpoint: FakeKeyEndpoint,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = secured_bot.connector.url
    good = await secured_bot.post(
        personal_message(secured_bot, SAM, "help"), bearer(token(signing_key, url))
    )
    assert good.status in (200, 202)
    assert key_endpoint.requests == 1

    for n in range(5):
        stranger = token(signing_key, url, kid=f"made-up-{n}")
        response = await secured_bot.post(
            personal_message(secured_bot, SAM, "help"), bearer(stranger)
        )
        assert response.status == 401

    assert key_endpoint.requests == 1  # not one fetch per made-up key id
    refusals = [r.getMessage() for r in caplog.records if r.name == "bot.guard"]
    assert refusals == ["refused: POST /api/messages: invalid token (UnknownSigningKey)"]
    assert_quiet(caplog)


async def test_when_the_keys_cannot_be_fetched_a_token_is_401_not_503_and_not_refetched(
    secured_bot: TeamsBot,
    signing_key: rsa.RSAPrivateKey,
    key_endpoint: FakeKeyEndpoint,
    caplog: pytest.LogCaptureFixture,
) -> None:
    key_endpoint.failing = True
    url = secured_bot.connector.url

    for n in range(4):
        kid = "test-key" if n % 2 else f"made-up-{n}"
        response = await secured_bot.post(
            personal_message(secured_bot, SAM, "help"), bearer(token(signing_key, url, kid=kid))
        )
        assert response.status == 401

    assert key_endpoint.requests == 1  # one attempt; the next waits for the retry interval
    assert secured_bot.connector.calls == []
    assert_quiet(caplog)


async def test_a_rotated_key_is_picked_up_by_one_refresh_after_the_interval(
    secured_bot: TeamsBot,
    signing_key: rsa.RSAPrivateKey,
    key_endpoint: FakeKeyEndpoint,
    key_clock: FakeClock,
) -> None:
    url = secured_bot.connector.url
    first = await secured_bot.post(
        personal_message(secured_bot, SAM, "help"), bearer(token(signing_key, url))
    )
    assert first.status in (200, 202)
    rotated = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_endpoint.keys.append(public_jwk(rotated, "rotated-key"))
    new = bearer(token(rotated, url, kid="rotated-key"))

    too_soon = await secured_bot.post(personal_message(secured_bot, SAM, "help"), new)
    assert too_soon.status == 401
    assert key_endpoint.requests == 1

    key_clock.now += secured_bot.app[SIGNING_KEYS].refresh_every
    later = await secured_bot.post(personal_message(secured_bot, SAM, "help"), new)
    again = await secured_bot.post(personal_message(secured_bot, SAM, "help"), new)

    assert (later.status, again.status) in {(200, 200), (202, 202), (200, 202), (202, 200)}
    assert key_endpoint.requests == 2


async def test_keys_a_day_old_are_still_used_when_their_refresh_fails(
    secured_bot: TeamsBot,
    signing_key: rsa.RSAPrivateKey,
    key_endpoint: FakeKeyEndpoint,
    key_clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = secured_bot.connector.url
    good = bearer(token(signing_key, url))
    assert (await secured_bot.post(personal_message(secured_bot, SAM, "help"), good)).status in (
        200,
        202,
    )

    key_endpoint.failing = True
    key_clock.now += secured_bot.app[SIGNING_KEYS].max_age + 1
    for _ in range(3):
        response = await secured_bot.post(personal_message(secured_bot, SAM, "help"), good)
        assert response.status in (200, 202)

    assert key_endpoint.requests == 2  # the daily refresh was tried once, not per request
    assert "could not be refreshed" in caplog.text
    assert_quiet(caplog)


@dataclass
class FakeIdentityProvider:
    """Bot Framework's OpenID metadata and key set, served by the test on loopback (issue 24:
    TEAMS_OPENID_METADATA_URL, as the benchmark's own identity provider does)."""

    keys: list[dict[str, Any]]
    url: str = ""
    requests: list[str] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/v1/.well-known/openidconfiguration", self._metadata)
        app.router.add_get("/v1/.well-known/keys", self._keys)
        return app

    async def _metadata(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        return web.json_response(
            {"issuer": ISSUER, "jwks_uri": f"{self.url}/v1/.well-known/keys",
             "id_token_signing_alg_values_supported": ["RS256"]}
        )  # fmt: skip

    async def _keys(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        return web.json_response({"keys": self.keys})


@pytest.fixture
async def provider_bot(
    monkeypatch: pytest.MonkeyPatch,
    database: AsyncEngine,
    connector: FakeConnector,
    signing_key: rsa.RSAPrivateKey,
) -> AsyncIterator[tuple[TeamsBot, FakeIdentityProvider]]:
    async def outbound_token(self: object, *args: object, **kwargs: object) -> str:
        return "outbound-token"

    monkeypatch.setattr(MsalAuth, "get_access_token", outbound_token)
    provider = FakeIdentityProvider(keys=[public_jwk(signing_key, "provider-key")])
    async with TestServer(provider.app(), host="127.0.0.1") as idp:
        provider.url = str(idp.make_url("")).rstrip("/")
        secured = settings(
            teams_allow_anonymous=False,
            teams_app_id=APP_ID,
            teams_app_password="client-secret",
            teams_tenant_id=TENANT,
            teams_openid_metadata_url=f"{provider.url}/v1/.well-known/openidconfiguration",
        )
        app = create_app(secured, database, fixed_clock(), run_scheduler=False)
        async with TestServer(app, host="127.0.0.1") as server:
            yield TeamsBot(server, app, connector), provider


async def test_keys_come_from_the_configured_openid_metadata_and_are_cached(
    provider_bot: tuple[TeamsBot, FakeIdentityProvider], signing_key: rsa.RSAPrivateKey
) -> None:
    bot, provider = provider_bot
    good = token(signing_key, bot.connector.url, kid="provider-key")

    first = await bot.post(personal_message(bot, SAM, "help"), bearer(good))
    second = await bot.post(personal_message(bot, SAM, "help"), bearer(good))

    assert (first.status, second.status) == (202, 202)
    await bot.connector.wait_for(lambda: len(bot.connector.sent()) >= 2)
    # Metadata, then its key set, once: the second activity's key came from the cache.
    assert provider.requests == ["/v1/.well-known/openidconfiguration", "/v1/.well-known/keys"]


async def test_a_token_badly_signed_or_expired_is_401_against_the_configured_metadata(
    provider_bot: tuple[TeamsBot, FakeIdentityProvider], signing_key: rsa.RSAPrivateKey
) -> None:
    bot, _ = provider_bot
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    an_hour_ago = int(time.time()) - 3600
    refused = [
        token(stranger, bot.connector.url, kid="provider-key"),  # the right kid, another key
        token(
            signing_key,
            bot.connector.url,
            kid="provider-key",
            exp=an_hour_ago,
            nbf=an_hour_ago - 600,
            iat=an_hour_ago - 600,
        ),
    ]

    for bad in refused:
        response = await bot.post(personal_message(bot, SAM, "help"), bearer(bad))
        assert response.status == 401
    assert bot.connector.calls == []


def test_production_refuses_a_metadata_url_of_its_own() -> None:
    with pytest.raises(ValueError, match="TEAMS_OPENID_METADATA_URL"):
        settings(
            environment="production",
            teams_allow_anonymous=False,
            record_encryption_key="k" * 44,
            teams_openid_metadata_url="http://127.0.0.1:1/v1/.well-known/openidconfiguration",
        )


async def test_tokens_arriving_while_the_first_key_set_is_fetched_wait_for_it(
    signing_key: rsa.RSAPrivateKey,
) -> None:
    """At start-up a burst of activities arrives before the keys are in: each one waits for the
    one fetch in flight, rather than being refused 401 as a token with an unknown key id."""
    release = asyncio.Event()
    fetched: list[str] = []

    async def slow_fetch(url: str) -> Any:
        fetched.append(url)
        await release.wait()
        return {"keys": [public_jwk(signing_key, "burst-key")]}

    keys = SigningKeys(slow_fetch)
    address = "https://login.botframework.com/v1/.well-known/keys"
    first = asyncio.create_task(keys.get_signing_key(address, {"kid": "burst-key"}))
    await asyncio.sleep(0)  # the first takes the lock and starts fetching
    second = asyncio.create_task(keys.get_signing_key(address, {"kid": "burst-key"}))
    await asyncio.sleep(0)
    release.set()

    assert [(await first).key_id, (await second).key_id] == ["burst-key", "burst-key"]
    assert fetched == [address]
