"""Group commit for small writes many turns make at once.

Someone's first message in a channel records that they are in it and remembers who the
roster says they are: two tiny writes, each of which cost a whole transaction (and on
SQLite a turn at the one write lock). When many people write at once, here the writes
that arrive while a transaction is running wait for the next one, and each transaction
runs everything waiting. Nobody's await returns before their write is committed; an
idle writer starts at once, so a lone write waits for nothing. If a batch fails, each
of its writes is tried again alone, so one bad write fails only its own caller.

The writes must be safe to run again (upserts), and must not depend on each other.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from storage import changes
from storage.db import Database

log = logging.getLogger(__name__)

Write = Callable[[AsyncSession], Awaitable[None]]
MAX_BATCH = 200


@dataclass
class _Pending:
    write: Write
    done: asyncio.Future[None] = field(repr=False)


class GroupCommit:
    """One per process. `unwatched`: tables whose in-process caches the callers keep up
    to date themselves (storage/changes.py), so these writes do not clear them."""

    def __init__(
        self, db: Database, *, unwatched: tuple[str, ...] = (), max_batch: int = MAX_BATCH
    ) -> None:
        self.db = db
        self.max_batch = max_batch
        self._options = {changes.UNWATCHED: unwatched} if unwatched else {}
        self._pending: list[_Pending] = []
        self._task: asyncio.Task[None] | None = None

    async def run(self, write: Write) -> None:
        """Run `write` in a transaction (shared with others); returns once committed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(write, done))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())
            self._task.add_done_callback(self._drained)
        await asyncio.shield(done)  # a cancelled request must not cancel the others' batch

    async def _drain(self) -> None:
        batch: list[_Pending] = []
        try:
            while self._pending:
                batch, self._pending = (
                    self._pending[: self.max_batch],
                    self._pending[self.max_batch :],
                )
                await self._write_or_split(batch)
        finally:
            for item in batch:  # normally settled; cancelled mid-write (shutdown): tell them
                _settle(item, RuntimeError("the writer stopped"))

    def _drained(self, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            waiting, self._pending = self._pending, []
            for item in waiting:
                _settle(item, RuntimeError("the writer stopped"))

    async def _write_or_split(self, batch: list[_Pending]) -> None:
        try:
            async with self.db.session() as s:
                if self._options:
                    await s.connection(execution_options=self._options)
                for item in batch:
                    await item.write(s)
        except Exception as exc:
            if len(batch) > 1:
                log.warning(
                    "batch of %d writes failed (%s); retrying one by one",
                    len(batch),
                    type(exc).__name__,
                )
                for one in batch:
                    await self._write_or_split([one])
                return
            _settle(batch[0], exc)
            return
        for item in batch:
            _settle(item, None)


def _settle(item: _Pending, outcome: BaseException | None) -> None:
    if item.done.done():
        return
    if outcome is None:
        item.done.set_result(None)
    else:
        item.done.set_exception(outcome)
