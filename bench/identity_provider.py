"""Bot Framework's token issuer, on loopback: OpenID metadata, a key set and signed tokens.

Issue 24: both Teams apps run with authentication on, as in production. The harness holds a local
RSA signing key and serves `GET /v1/.well-known/openidconfiguration` (issuer, `jwks_uri`) and
`GET /v1/.well-known/keys` (the public key, `use: sig`, endorsed for msteams); each activity
carries a bearer token it signed: issuer `https://api.botframework.com`, audience the bot's app
id, the activity's `serviceurl`, an hour's expiry. As Bot Framework does, a token is reused for
the activities to one serviceUrl until it is near expiry (its connector sends the same token
for an hour); validating it costs the servers the same every time, since neither caches a
validated token.

The servers validate with the Agents SDK's own `JwtTokenValidator` (signature, audience, issuer
allow-list, expiry with five minutes' leeway, tenant binding). The SDK routes a Bot Framework
token's key lookup to Microsoft's fixed JWKS host and has no setting for the metadata address,
so each app is pointed at this provider's metadata by its own key source: ours by
TEAMS_OPENID_METADATA_URL (bot.teams.keys: a key set cached for a day), the bare app by the
SDK's `PyJWKClient` built for the `jwks_uri` read from the metadata (the SDK's own cache: the key
set for 300 s). `requests` counts what each asked for, so the report shows the keys are cached.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

APP_ID = "5b1e7a52-0000-4000-8000-00000000b024"  # the bot's Azure registration, for both apps
APP_PASSWORD = "bench-client-secret"
TENANT = "22222222-0000-0000-0000-000000000000"  # the council's Entra tenant (single tenant)
ISSUER = "https://api.botframework.com"
METADATA_PATH = "/v1/.well-known/openidconfiguration"
KEYS_PATH = "/v1/.well-known/keys"
TOKEN_LIFETIME = 3600.0
REISSUE_AFTER = 600.0  # a new token this long before the old one expires (never mid-run)


@dataclass
class IdentityProvider:
    url: str = ""
    kid: str = "bench-signing-key-1"
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    requests: Counter[str] = field(default_factory=Counter)
    issued: int = 0
    _tokens: dict[str, tuple[str, float]] = field(default_factory=dict)

    @property
    def metadata_url(self) -> str:
        return f"{self.url}{METADATA_PATH}"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get(METADATA_PATH, self._metadata)
        app.router.add_get(KEYS_PATH, self._keys)
        return app

    async def _metadata(self, request: web.Request) -> web.Response:
        self.requests["metadata"] += 1
        return web.json_response(
            {
                "issuer": ISSUER,
                "authorization_endpoint": f"{self.url}/v1/authorize",
                "jwks_uri": f"{self.url}{KEYS_PATH}",
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            }
        )

    async def _keys(self, request: web.Request) -> web.Response:
        self.requests["keys"] += 1
        public: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        key = public | {"kid": self.kid, "use": "sig", "endorsements": ["msteams"]}
        return web.json_response({"keys": [key]})

    def token(self, service_url: str, *, now: float | None = None, **claims: Any) -> str:
        """The bearer token Bot Framework would send with an activity from `service_url`."""
        moment = time.time() if now is None else now
        if not claims and now is None:
            kept = self._tokens.get(service_url)
            if kept is not None and kept[1] - moment > REISSUE_AFTER:
                return kept[0]
        body = {
            "iss": ISSUER,
            "aud": APP_ID,
            "serviceurl": service_url,
            "nbf": int(moment) - 5,
            "iat": int(moment) - 5,
            "exp": int(moment + TOKEN_LIFETIME),
        } | claims
        signed = jwt.encode(body, self.key, algorithm="RS256", headers={"kid": self.kid})
        self.issued += 1
        if not claims and now is None:
            self._tokens[service_url] = (signed, moment + TOKEN_LIFETIME)
        return signed
