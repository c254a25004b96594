"""Group commit for pulse answers.

When a pulse card goes out, many people press "Skicka svar" within seconds. Giving
each answer its own transaction makes the database round trips (and on SQLite the
write lock) the bottleneck. Here answers that arrive while a write is in progress
wait for the next one, and each write stores everything waiting in one transaction:
check which of the pulses involved are still open (under a shared row lock on
PostgreSQL, so a concurrent close either waits for these answers or makes them
refused), then one multi-row upsert. Nobody is answered before their row has been
committed; an idle writer writes at once, so a lone answer waits for nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database
from storage.pulse_models import Pulse, PulseAnswer
from storage.types import utcnow

log = logging.getLogger(__name__)

MAX_BATCH = 500

_PULSES: Table = Pulse.__table__  # type: ignore[attr-defined]
_ANSWERS: Table = PulseAnswer.__table__  # type: ignore[attr-defined]


@dataclass
class _Pending:
    pulse_id: int
    answer_key: str
    values: dict[str, Any]
    done: asyncio.Future[bool] = field(repr=False)


class AnswerWriter:
    """Stores answers (one row per pulse and answer key, replaced on a new answer),
    batching those that arrive together. One per process, shared by all turns."""

    def __init__(self, db: Database, *, max_batch: int = MAX_BATCH) -> None:
        self.db = db
        self.max_batch = max_batch
        self._pending: list[_Pending] = []
        self._task: asyncio.Task[None] | None = None
        insert = postgresql.insert if db.dialect == "postgresql" else sqlite.insert
        upsert = insert(_ANSWERS)
        self._upsert = upsert.on_conflict_do_update(
            index_elements=["pulse_id", "answer_key"], set_={"values": upsert.excluded["values"]}
        )
        # core.pulse.takes_answers, as SQL.
        self._open = select(_PULSES.c.id).where(
            _PULSES.c.id.in_(bindparam("ids", expanding=True)),
            _PULSES.c.closed_at.is_(None),
            _PULSES.c.sealed_key.is_not(None),
            _PULSES.c.closes_at > bindparam("now", type_=_PULSES.c.closes_at.type),
        )
        if db.dialect == "postgresql":
            self._open = self._open.with_for_update(read=True)

    async def save(self, pulse_id: int, answer_key: str, values: Mapping[str, Any]) -> bool:
        """Store this answer. True once committed; False if the pulse is closed or its
        window has passed (nothing stored). Raises if the database write failed."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(pulse_id, answer_key, dict(values), done))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())
            self._task.add_done_callback(self._drained)
        return await asyncio.shield(done)  # a cancelled request must not cancel the batch

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
            # Normally settled by now; if cancelled mid-write (shutdown), tell them.
            for item in batch:
                _settle(item, RuntimeError("the answer writer stopped"))

    def _drained(self, task: asyncio.Task[None]) -> None:
        """A writer cancelled before it took everything (shutdown): nobody may wait
        forever for an answer that will not be stored."""
        if task.cancelled():
            waiting, self._pending = self._pending, []
            for item in waiting:
                _settle(item, RuntimeError("the answer writer stopped"))

    async def _write_or_split(self, batch: list[_Pending]) -> None:
        try:
            stored = await self._write(batch)
        except Exception as exc:
            if len(batch) > 1 and _row_error(exc):
                # One bad row must not fail the others: write each alone. (A database
                # that is down fails the batch at once instead of once per answer.)
                log.warning(
                    "answer batch of %d failed (%s); retrying one by one",
                    len(batch),
                    type(exc).__name__,
                )
                for one in batch:
                    await self._write_or_split([one])
                return
            for item in batch:
                _settle(item, exc)
            return
        for item in batch:
            _settle(item, item.pulse_id in stored)

    async def _write(self, batch: list[_Pending], now: datetime | None = None) -> set[int]:
        """One transaction: which pulses are open, then upsert their answers. Returns
        the ids of the pulses whose answers were stored."""
        # The last answer per (pulse, key) wins, as if they had come one after another;
        # a multi-row upsert must not touch the same row twice.
        rows: dict[tuple[int, str], dict[str, Any]] = {}
        for item in batch:
            rows[(item.pulse_id, item.answer_key)] = {
                "pulse_id": item.pulse_id,
                "answer_key": item.answer_key,
                "values": item.values,
            }
        async with self.db.writing(), self.db.engine.begin() as conn:
            open_ids = await self._open_pulses(conn, {p for p, _ in rows}, now or utcnow())
            # In key order, so two instances writing the same rows lock them in one order.
            wanted = [rows[k] for k in sorted(rows) if k[0] in open_ids]
            if wanted:
                await conn.execute(self._upsert, wanted)
        return open_ids

    async def _open_pulses(self, conn: AsyncConnection, ids: set[int], now: datetime) -> set[int]:
        result = await conn.execute(self._open, {"ids": sorted(ids), "now": now})
        return {int(pulse_id) for (pulse_id,) in result.all()}


def _row_error(exc: Exception) -> bool:
    """An error a single row can cause (its data), not the database being unavailable."""
    if isinstance(exc, IntegrityError | DataError):
        return True
    return isinstance(exc, StatementError) and not isinstance(exc, DBAPIError)


def _settle(item: _Pending, outcome: bool | BaseException) -> None:
    if item.done.done():
        return
    if isinstance(outcome, BaseException):
        item.done.set_exception(outcome)
    else:
        item.done.set_result(outcome)
