"""Bot Framework signing keys, cached: a token's `kid` never makes the bot call Microsoft on demand.

The Agents SDK's validator asks PyJWKClient for the key of each token's `kid`. For a kid it does not
know, PyJWKClient fetches the key set again (after a 30-second cooldown, and on every request while
fetches fail), and a failed fetch surfaced as a 503: anyone could make each request cost a call to
Microsoft, or answer 503 for them. Here each key set (one per JWKS address the SDK routes to) is
refreshed once a day, as Bot Framework's own SDKs do, and at most once per `refresh_every` for a
kid that is not in it; a failed fetch keeps the keys we had and is retried no sooner than
`retry_every`. A kid we do not know is then a refusal (401), never a wait on the network.

`TokenValidator` is the SDK's validator (signature, audience, issuer allow-list, tenant binding,
clock leeway: all unchanged) with this key source plugged into its `_jwk_client_manager` hook.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from jwt import PyJWK, PyJWKClientError, PyJWKSet
from jwt.exceptions import PyJWKSetError
from microsoft_agents.hosting.core import AgentAuthConfiguration
from microsoft_agents.hosting.core.authorization.jwt import JwtTokenValidator

log = logging.getLogger(__name__)

DAY = 24 * 60 * 60.0
MAX_KEY_SET = 512 * 1024  # Microsoft's key sets are a few KB

Fetch = Callable[[str], Awaitable[Any]]


class UnknownSigningKey(PyJWKClientError):
    """No key for this token: refused as any invalid token is (401)."""


@dataclass
class _KeySet:
    keys: dict[str, PyJWK] = field(default_factory=dict)
    fetched_at: float | None = None  # last successful fetch
    tried_at: float | None = None  # last attempt, successful or not
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


FETCH_TIMEOUT = aiohttp.ClientTimeout(total=10)


async def fetch_json(url: str) -> Any:
    """GET a key set; a connection error, a non-200 or a body over MAX_KEY_SET raises."""
    async with (
        aiohttp.ClientSession(timeout=FETCH_TIMEOUT) as session,
        session.get(url, allow_redirects=False) as response,
    ):
        response.raise_for_status()
        body = await response.content.read(MAX_KEY_SET + 1)
        if len(body) > MAX_KEY_SET:
            raise ValueError("the key set is larger than expected")
        return json.loads(body)


def from_metadata(metadata_url: str, fetch: Fetch = fetch_json) -> Fetch:
    """A key-set fetch that follows one OpenID metadata document's `jwks_uri`, whatever address
    the SDK routed the token to (TEAMS_OPENID_METADATA_URL: the benchmark's own identity
    provider on loopback). Both documents are read at each refresh, so as rarely as above."""

    async def fetch_keys(_routed: str) -> Any:
        metadata = await fetch(metadata_url)
        jwks_uri = metadata.get("jwks_uri") if isinstance(metadata, dict) else None
        if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("https://", "http://")):
            raise PyJWKSetError("the OpenID metadata names no jwks_uri")
        return await fetch(jwks_uri)

    return fetch_keys


class SigningKeys:
    """Key sets by JWKS address, with the SDK key manager's one method, `get_signing_key`."""

    def __init__(
        self,
        fetch: Fetch = fetch_json,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_age: float = DAY,
        refresh_every: float = 5 * 60.0,
        retry_every: float = 30.0,
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self.max_age = max_age
        self.refresh_every = refresh_every
        self.retry_every = retry_every
        # Keyed by the SDK's routing: Bot Framework's two addresses and the configured tenant's,
        # never an address taken from a token, so this holds a handful of entries at most.
        self._sets: dict[str, _KeySet] = {}

    async def get_signing_key(self, jwks_uri: str, header: Mapping[str, Any]) -> PyJWK:
        kid = header.get("kid")
        if not isinstance(kid, str) or not 0 < len(kid) <= 200:
            raise UnknownSigningKey("the token names no usable key id")
        keys = self._sets.setdefault(jwks_uri, _KeySet())
        # A kid we lack while a fetch is in flight (a burst at start-up): wait for that fetch,
        # which may bring it, rather than refuse the token before the keys are in.
        if self._due(keys, kid) or (kid not in keys.keys and keys.lock.locked()):
            async with keys.lock:
                if self._due(keys, kid):  # not already done by a request that held the lock
                    await self._refresh(jwks_uri, keys)
        key = keys.keys.get(kid)
        if key is None:
            raise UnknownSigningKey("no signing key has the token's key id")
        return key

    def _due(self, keys: _KeySet, kid: str) -> bool:
        now = self._clock()
        fresh = keys.fetched_at is not None and now - keys.fetched_at < self.max_age
        if fresh and kid in keys.keys:
            return False
        if keys.tried_at is None:
            return True
        # A stale or missing set is retried sooner than a set that merely lacks this kid.
        wait = self.refresh_every if fresh else self.retry_every
        return now - keys.tried_at >= wait

    async def _refresh(self, url: str, keys: _KeySet) -> None:
        keys.tried_at = self._clock()
        try:
            document = await self._fetch(url)
            if not isinstance(document, dict):
                raise PyJWKSetError("the key set is not a JSON object")
            found = {
                key.key_id: key
                for key in PyJWKSet.from_dict(document).keys
                if key.key_id and key.public_key_use in ("sig", None)
            }
        except Exception as exc:  # whatever failed, the keys we had still stand
            log.warning(
                "Bot Framework signing keys could not be refreshed (%s); keeping %d cached",
                type(exc).__name__,
                len(keys.keys),
            )
            return
        keys.keys = found
        keys.fetched_at = self._clock()
        log.info("Bot Framework signing keys refreshed: %d keys", len(found))


class TokenValidator(JwtTokenValidator):
    """The SDK's token validation, taking its signing keys from `SigningKeys`."""

    def __init__(self, configuration: AgentAuthConfiguration, keys: SigningKeys) -> None:
        super().__init__(configuration)
        # The SDK reads keys through this attribute (a class-wide PyJWKClient cache by default).
        self._jwk_client_manager = keys  # type: ignore[assignment]


__all__ = ["SigningKeys", "TokenValidator", "UnknownSigningKey", "fetch_json", "from_metadata"]
