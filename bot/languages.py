"""People's language choices, held in the process as one snapshot.

A turn must know which language to answer in before it does anything else, and
most people never choose one (they get their Teams locale or the default). Asking
the database per person would cost a round trip on every turn from someone not
seen lately; instead the choices of everyone who made one (few rows) are read in
one query and reused for `ttl` seconds (60 by default). The `language` command
updates this process's snapshot when it writes; other instances of the bot see
the change with their next reload, within the TTL.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Loader = Callable[[], Awaitable[dict[str, str]]]

RETRY_SECONDS = 5.0  # after a failed reload, keep the old snapshot this long


class LanguageChoices:
    def __init__(self, *, ttl: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._choices: dict[str, str] = {}
        # Choices put since the running (or last) reload began: a reload whose query ran
        # before such a write must not undo it.
        self._recent: dict[str, str] = {}
        self._expires = float("-inf")
        self._lock = asyncio.Lock()

    async def choice(self, user_id: str, load: Loader) -> str | None:
        """The person's choice ("sv"/"en") or None; reloads the snapshot when it is old.
        Turns arriving during a reload wait for that one reload."""
        if self._clock() >= self._expires:
            async with self._lock:
                if self._clock() >= self._expires:
                    await self._reload(load)
        return self._choices.get(user_id)

    async def _reload(self, load: Loader) -> None:
        self._recent = {}
        try:
            loaded = await load()
        except Exception as exc:
            # Answering in the locale's language beats not answering: keep what we have.
            log.warning("could not reload language choices: %s", type(exc).__name__)
            self._expires = self._clock() + RETRY_SECONDS
            return
        self._choices = {**loaded, **self._recent}
        self._expires = self._clock() + self.ttl

    def put(self, user_id: str, lang: str) -> None:
        """A choice made through this process: seen at once, without a reload."""
        self._choices = {**self._choices, user_id: lang}
        self._recent[user_id] = lang

    def clear(self) -> None:
        self._choices = {}
        self._recent = {}
        self._expires = float("-inf")
