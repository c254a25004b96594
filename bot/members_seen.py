"""People already recorded in a channel by this process (bot/scope.py `note_presence`),
so a busy channel costs one write per person per hour, not one per message."""

from __future__ import annotations

import time
from collections.abc import Iterable

_SEEN_TTL = 3600.0
_SEEN_MAX = 50_000

# (conversation id, tenant id, lower-cased object id)
Key = tuple[str, str, str]


class MembersSeen:
    def __init__(self) -> None:
        self._until: dict[Key, float] = {}

    def fresh(self, key: Key) -> bool:
        return self._until.get(key, 0.0) > time.monotonic()

    def put(self, key: Key) -> None:
        if len(self._until) >= _SEEN_MAX:
            self._until.clear()
        self._until[key] = time.monotonic() + _SEEN_TTL

    def drop(self, oids: Iterable[str]) -> None:
        gone = set(oids)
        for key in [k for k in self._until if k[2] in gone]:
            del self._until[key]
