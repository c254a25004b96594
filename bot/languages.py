"""A small in-process cache of people's language choices, so a turn does not need a
database round trip just to know which language to answer in.

Entries live `ttl` seconds (60 by default) and at most `size` are kept (least recently
used go first). The `language` command updates this process's cache when it writes;
other instances of the bot keep their cached value until it expires, so a change made
through one instance is seen by the others within the TTL.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable


class LanguageCache:
    def __init__(
        self,
        *,
        ttl: float = 60.0,
        size: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.size = size
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, str | None]] = OrderedDict()

    def get(self, user_id: str) -> tuple[bool, str | None]:
        """(cached?, the choice); a cached None means the person has made no choice."""
        entry = self._entries.get(user_id)
        if entry is None:
            return False, None
        expires, lang = entry
        if self._clock() >= expires:
            del self._entries[user_id]
            return False, None
        self._entries.move_to_end(user_id)
        return True, lang

    def put(self, user_id: str, lang: str | None) -> None:
        self._entries[user_id] = (self._clock() + self.ttl, lang)
        self._entries.move_to_end(user_id)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def invalidate(self, user_id: str) -> None:
        self._entries.pop(user_id, None)

    def clear(self) -> None:
        self._entries.clear()
