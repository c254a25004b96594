"""What answering a pulse needs to know about it, cached in the process.

An answer needs the pulse's id, its channel, its template, its threshold and its
window. None of these change while a pulse is open, so they are read once per pulse
(per `ttl`) instead of once per answer. Whether the pulse is still open when the
answer is stored is never taken from here: the answer writer checks that in the same
transaction as the write (storage/answer_writer.py), and a refused write evicts the
entry.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from core.pulse_questions import Template
from core.pulse_window import takes_answers
from storage import pulse_repo, pulse_templates_repo
from storage.db import Database
from storage.models import Conversation


@dataclass(frozen=True)
class PulseFacts:
    pulse_id: int
    ref: str
    conversation_id: str | None
    template: Template
    threshold: int
    closes_at: datetime
    closed_at: datetime | None

    def is_open(self, now: datetime) -> bool:
        return takes_answers(self.closed_at, self.closes_at, now)


class PulseFactsCache:
    def __init__(
        self, db: Database, *, ttl: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.db = db
        self.ttl = ttl
        self._clock = clock
        self._entries: dict[str, tuple[float, PulseFacts]] = {}
        self._loading: dict[str, asyncio.Task[PulseFacts | None]] = {}

    async def get(self, ref: str) -> PulseFacts | None:
        """The pulse with this reference (None if there is none)."""
        entry = self._entries.get(ref)
        if entry is not None and self._clock() < entry[0]:
            return entry[1]
        loading = self._loading.get(ref)
        if loading is None:
            # One read per pulse however many answers arrive at once, in a task of its
            # own so that a request cancelled meanwhile cannot cancel it for the others.
            loading = asyncio.ensure_future(self._load_and_keep(ref))
            self._loading[ref] = loading
            loading.add_done_callback(lambda _: self._loading.pop(ref, None))
        return await asyncio.shield(loading)

    async def _load_and_keep(self, ref: str) -> PulseFacts | None:
        facts = await self._load(ref)
        if facts is not None:
            self._prune()
            self._entries[ref] = (self._clock() + self.ttl, facts)
        return facts

    def forget(self, ref: str) -> None:
        """Drop a pulse whose state has changed (closed here, or found closed)."""
        self._entries.pop(ref, None)

    def _prune(self) -> None:
        now = self._clock()
        for ref in [r for r, (expires, _) in self._entries.items() if expires <= now]:
            del self._entries[ref]

    async def _load(self, ref: str) -> PulseFacts | None:
        async with self.db.read() as s:
            pulse = await pulse_repo.by_ref(s, ref)
            if pulse is None or pulse.id is None:
                return None
            conv = await s.get(Conversation, pulse.conversation_pk)
        return PulseFacts(
            pulse_id=pulse.id,
            ref=pulse.ref,
            conversation_id=conv.conversation_id if conv else None,
            template=pulse_templates_repo.pulse_template(pulse),
            threshold=pulse.threshold,
            closes_at=pulse.closes_at,
            closed_at=pulse.closed_at,
        )
