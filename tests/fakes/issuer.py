"""A local token issuer: an RSA key, its JWKS served on loopback, and signed tokens.

It plays the Bot Framework token service. The one hook into the Agents SDK is
`install_jwks_hook`: the SDK's JWKS client for the Bot Framework key set is
pointed at our loopback JWKS, so validation runs the SDK's real code path.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from types import EllipsisType
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt import PyJWKClient
from jwt.algorithms import RSAAlgorithm
from microsoft_agents.hosting.core.authorization._entra_issuers import (
    BOTFRAMEWORK_JWKS_URIS,
    BOTFRAMEWORK_PUBLIC_ISSUER,
)
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import (
    JwtTokenValidator,
    _JwkClientCacheEntry,
)

ISSUER = BOTFRAMEWORK_PUBLIC_ISSUER


class LocalIssuer:
    """`service_url`: the `serviceurl` claim its tokens carry unless told otherwise, as
    the Bot Connector's tokens name the connector endpoint the activity came through."""

    def __init__(self, service_url: str | None = None) -> None:
        self.service_url = service_url
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = uuid.uuid4().hex
        self.other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.app = web.Application()
        self.app.router.add_get("/keys", self._keys)

    async def _keys(self, _request: web.Request) -> web.Response:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update(kid=self.kid, use="sig", alg="RS256")
        return web.json_response({"keys": [jwk]})

    def token(
        self,
        audience: str,
        *,
        issuer: str = ISSUER,
        expires_in: int = 3600,
        forged: bool = False,
        service_url: str | EllipsisType | None = ...,
        extra: dict[str, Any] | None = None,
    ) -> str:
        """A signed token; `service_url=None` leaves the serviceurl claim out."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": issuer,
            "aud": audience,
            "iat": now - 10,
            "nbf": now - 10,
            "exp": now + expires_in,
        }
        url = self.service_url if service_url is ... else service_url
        if url:
            claims["serviceurl"] = url
        claims.update(extra or {})
        key = self.other_key if forged else self.key
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})


def _uris(tenant: str) -> list[str]:
    # Bot Framework tokens, and Entra tokens routed by the bot's tenant: both key
    # sets resolve to the local issuer, so an unlisted issuer fails on the issuer
    # check itself, not on a key lookup.
    return [
        BOTFRAMEWORK_JWKS_URIS[ISSUER],
        f"https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys",
    ]


def install_jwks_hook(jwks_url: str, tenant: str) -> None:
    """Point the SDK's JWKS lookups at the local issuer."""
    manager = JwtTokenValidator._jwk_client_manager
    for uri in _uris(tenant):
        manager._cache[uri] = _JwkClientCacheEntry(PyJWKClient(jwks_url), threading.Lock())


def remove_jwks_hook(tenant: str) -> None:
    for uri in _uris(tenant):
        JwtTokenValidator._jwk_client_manager._cache.pop(uri, None)
