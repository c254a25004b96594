"""Bearer tokens that already passed validation, remembered until they expire.

The Bot Connector sends the same token with every activity for as long as the
token lives (about an hour), so validating it afresh on each request repeats the
same signature check hundreds of times. A token is remembered only after a
request carrying it passed every check in bot/web.py (the SDK's validator, our
issuer, audience and serviceUrl rules, the tenant), only under a hash of the whole
token, and for at most `max_age` seconds and never past its own `exp`; anything
else (a new token, a changed one, an expired one) goes through full validation
again. Each request still checks its own serviceUrl against the remembered claims.
"""

from __future__ import annotations

import copy
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable

from microsoft_agents.hosting.core import ClaimsIdentity


class ValidatedTokens:
    def __init__(
        self, *, max_age: float = 300.0, size: int = 256, clock: Callable[[], float] = time.time
    ) -> None:
        self.max_age = max_age
        self.size = size
        self._clock = clock
        self._entries: OrderedDict[bytes, tuple[float, ClaimsIdentity]] = OrderedDict()

    def get(self, token: str) -> ClaimsIdentity | None:
        """A fresh copy of the identity the token validated to, if it is remembered."""
        key = _key(token)
        entry = self._entries.get(key)
        if entry is None:
            return None
        until, identity = entry
        if self._clock() >= until:
            del self._entries[key]
            return None
        return _copy(identity)

    def put(self, token: str, identity: ClaimsIdentity) -> None:
        expires = identity.claims.get("exp")
        if not isinstance(expires, int | float):
            return  # a token without an expiry is validated every time
        until = min(float(expires), self._clock() + self.max_age)
        if until <= self._clock():
            return
        key = _key(token)
        self._entries[key] = (until, _copy(identity))
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)


def _copy(identity: ClaimsIdentity) -> ClaimsIdentity:
    """Each request gets its own identity: nothing one turn does to it reaches another."""
    return ClaimsIdentity(
        copy.deepcopy(identity.claims), identity.authentication_type, identity.security_token
    )


def _key(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
