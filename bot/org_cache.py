"""Per-process copies of what every command asks: the org (units, roles, bindings) and who
a person is (their UPN and roster name).

Asking the database for these on every turn cost more than everything else a command
does. The copies are exact for changes made in this process: any write to their tables
here (a handler, a job, a test, the CLI run in-process) makes them stale at once
(storage/changes.py). Changes made by another process (`samverkan org load`, another
instance) are seen after at most `ttl` seconds: 2 for the org, 60 for a person's UPN,
which Teams never changes for a known person.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from storage import changes, channels_repo, org_facts
from storage.db import Database
from storage.org_facts import OrgFacts

ORG_TTL = 2.0
PERSON_TTL = 60.0
PEOPLE_TABLES = ("people",)
_MAX_PEOPLE = 50_000


class OrgCache:
    """The org as one snapshot; turns arriving during a reload share that reload."""

    def __init__(
        self, db: Database, *, ttl: float = ORG_TTL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.db = db
        self.ttl = ttl
        self._clock = clock
        self._facts: OrgFacts | None = None
        self._version = -1
        self._expires = float("-inf")
        self._lock = asyncio.Lock()

    def _fresh(self) -> bool:
        return (
            self._facts is not None
            and self._clock() < self._expires
            and self._version == changes.version(*org_facts.TABLES)
        )

    async def get(self) -> OrgFacts:
        if not self._fresh():
            async with self._lock:
                if not self._fresh():
                    version = changes.version(*org_facts.TABLES)  # before reading
                    async with self.db.read() as s:
                        facts = await org_facts.load(s)
                    self._facts, self._version = facts, version
                    self._expires = self._clock() + self.ttl
        assert self._facts is not None
        return self._facts


@dataclass(frozen=True)
class Known:
    """What the bot knows of a person: their UPN and name from the roster, and whether
    the roster was asked (a person it has no UPN for is asked again only after the TTL)."""

    upn: str | None
    name: str | None
    asked: bool = False


class PeopleCache:
    """(tenant, object id) -> Known, for `ttl` seconds. People not yet known are read in
    batches: the first messages of many people at once cost one query, not one each."""

    def __init__(
        self, db: Database, *, ttl: float = PERSON_TTL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.db = db
        self.ttl = ttl
        self._clock = clock
        self._entries: dict[tuple[str, str], tuple[float, int, Known]] = {}
        self._wanted: dict[tuple[str, str], asyncio.Future[Known]] = {}
        self._reader: asyncio.Task[None] | None = None

    def version(self) -> int:
        """Note this before asking about a person, and hand it to `put`."""
        return changes.version(*PEOPLE_TABLES)

    async def get(self, tenant: str, object_id: str) -> Known:
        key = (tenant, object_id)
        entry = self._entries.get(key)
        if entry is not None:
            expires, version, known = entry
            if self._clock() < expires and version == self.version():
                return known
        waiting = self._wanted.get(key)
        if waiting is None:
            waiting = self._wanted[key] = asyncio.get_running_loop().create_future()
            if self._reader is None or self._reader.done():
                self._reader = asyncio.create_task(self._read())
        return await asyncio.shield(waiting)

    async def _read(self) -> None:
        while self._wanted:
            batch, self._wanted = self._wanted, {}
            version = self.version()  # before reading
            try:
                async with self.db.read() as s:
                    rows = await channels_repo.get_people(s, list(batch))
            except Exception as exc:
                for waiting in batch.values():
                    if not waiting.done():
                        waiting.set_exception(exc)
                continue
            for key, waiting in batch.items():
                person = rows.get((key[0].lower(), key[1]))
                known = Known(person.upn, person.display_name) if person else Known(None, None)
                self.put(*key, known, version)
                if not waiting.done():
                    waiting.set_result(known)

    def put(self, tenant: str, object_id: str, known: Known, version: int) -> None:
        if len(self._entries) >= _MAX_PEOPLE:
            self._entries.clear()
        self._entries[(tenant, object_id)] = (self._clock() + self.ttl, version, known)
