"""Pulse answers: one per person, and never written when (or where) its author answered.

Who answered is recorded at once, in the answer's own transaction: a row in
`pulse_respondents` (one per person and pulse, so a second answer is refused, on
every instance). What they answered is not. Anything written at the moment a person
answers is linked to them by that moment (the write-ahead log, PostgreSQL's
transaction ids and row positions, SQLite's WAL frames all keep the order), so the
contents are held in memory in a pool per pulse and written as a pool mix
(core.answer_mix.mix): each write takes the pool plus the new arrivals, keeps `threshold`
of them chosen at random and writes the rest in random order with random ids. What
a copy of the database shows is then, at any moment, who has answered so far and
contents each of which is a random draw from at least `threshold` + 1 of them.

When the pulse closes, each process writes what it still holds (at least the
threshold, or nothing: core.answer_mix.may_write_remainder). `pulses.held` counts the
answers accepted but not yet written; the results wait until it is 0.

What this costs: answers held when a process dies (kill -9, power loss) are lost,
at most `threshold` per open pulse and process, and their authors cannot answer
again; a graceful stop writes them (or, if too few people answered since this
process started to hide them, forgets who they were so they can answer again).

Group commit as before: answers that arrive while a write is in progress wait for
the next one, and each write handles everything waiting in one transaction. Nobody
is answered before their row has been committed; an idle writer writes at once.
The writer keeps its connection while answers keep coming (storage/held_connection.py),
and on PostgreSQL locks the open pulses and marks who answered in one statement, so a
write is BEGIN, that statement, the pool mix's INSERT and COMMIT: four round trips.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Integer, String, Table, bindparam, case, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncConnection

from core.answer_key import new_answer_id
from core.answer_mix import may_write_remainder, mix
from storage.db import Database
from storage.group_commit import tell, write_or_split
from storage.held_connection import HeldConnection
from storage.pulse_models import Pulse, PulseAnswer, PulseRespondent
from storage.types import utcnow

log = logging.getLogger(__name__)

MAX_BATCH = 500
POLL_SECONDS = 2.0

_PULSES: Table = Pulse.__table__  # type: ignore[attr-defined]
_ANSWERS: Table = PulseAnswer.__table__  # type: ignore[attr-defined]
_PEOPLE: Table = PulseRespondent.__table__  # type: ignore[attr-defined]

Settled = Callable[[int], Awaitable[None]]


class Outcome(StrEnum):
    STORED = "stored"
    ALREADY = "already"  # this person has answered this pulse before
    CLOSED = "closed"  # closed, or its window has passed: nothing stored


@dataclass
class _Pending:
    pulse_id: int
    person: str
    values: dict[str, Any]
    keep: int
    done: asyncio.Future[Outcome] = field(repr=False)


@dataclass
class _Flush:
    pulse_id: int
    stopping: bool
    done: asyncio.Future[int] = field(repr=False)


@dataclass
class _Pool:
    """What this process holds of one pulse's answers."""

    keep: int  # the pulse's threshold
    base: int  # people who had answered when this process began holding answers for it
    values: list[dict[str, Any]] = field(default_factory=list)
    accepted: int = 0
    # Who they are, only while none of them is written: a graceful stop that may not
    # write them forgets these people, so they can answer again.
    people: set[str] | None = field(default_factory=set)


class AnswerWriter:
    """Stores answers (see the module's docstring). One per process, shared by all turns.

    `on_settled(pulse_id)` is called after this writer wrote the last held answers of a
    pulse that another task or process closed, so its results can be made final.
    """

    def __init__(
        self,
        db: Database,
        *,
        max_batch: int = MAX_BATCH,
        on_settled: Settled | None = None,
        poll_seconds: float = POLL_SECONDS,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.max_batch = max_batch
        self.on_settled = on_settled
        self.poll_seconds = poll_seconds
        self._rng = rng or random.SystemRandom()
        self._pending: list[_Pending] = []
        self._flushes: list[_Flush] = []
        self._pools: dict[int, _Pool] = {}
        self._task: asyncio.Task[None] | None = None
        self._poller: asyncio.Task[None] | None = None
        self._stopped = False
        # Kept while answers keep coming (storage/held_connection.py): no pool checkout,
        # and so no pre-ping, per batch.
        self._held = HeldConnection(db)
        postgres = db.dialect == "postgresql"
        insert = postgresql.insert if postgres else sqlite.insert
        self._mark = (
            insert(_PEOPLE)
            .on_conflict_do_nothing(index_elements=["pulse_id", "person"])
            .returning(_PEOPLE.c.pulse_id, _PEOPLE.c.person)
        )
        # core.pulse_window.takes_answers, as SQL; on PostgreSQL the row stays locked until
        # commit, so a concurrent close waits for these answers or makes them refused.
        self._open = select(_PULSES.c.id).where(
            _PULSES.c.id.in_(bindparam("ids", expanding=True)),
            _PULSES.c.closed_at.is_(None),
            _PULSES.c.closes_at > bindparam("now", type_=_PULSES.c.closes_at.type),
        )
        if postgres:
            self._open = self._open.with_for_update()
        # On PostgreSQL both in one statement (one round trip, one prepared statement
        # whatever the batch size): the pulse rows are locked before any respondent of
        # theirs is inserted, exactly as the two statements above do one after the other.
        self._open_and_mark = _OPEN_AND_MARK if postgres else None
        self._insert_answers = _ANSWERS.insert()

    # -- answering -------------------------------------------------------------------------

    async def answer(
        self, pulse_id: int, person: str, values: Mapping[str, Any], *, keep: int
    ) -> Outcome:
        """Record that `person` answered and hold their answer for a later random write.
        Returns once committed. `keep`: the pulse's threshold. Raises if the database
        write failed (nothing stored)."""
        if self._stopped:
            raise RuntimeError("the answer writer has stopped")
        # Held in memory and written later with others: a value the database cannot
        # take must fail now, alone, not later with the others it is written with.
        json.dumps(values, allow_nan=False)
        done: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(pulse_id, person, dict(values), keep, done))
        self._wake()
        return await asyncio.shield(done)  # a cancelled request must not cancel the batch

    async def settle(self, pulse_id: int) -> int:
        """For a closed pulse: write (or drop) what this process holds of it. Returns how
        many of its answers are still held anywhere (0: its results can be final)."""
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._flushes.append(_Flush(pulse_id, False, done))
        self._wake()
        return await asyncio.shield(done)

    async def settle_closed(self) -> None:
        """Settle every pulse this process holds answers of that has been closed (by a
        sweep or another instance), and report those now settled. The poller calls this
        every `poll_seconds` while anything is held."""
        if not self._pools:
            return
        ids = sorted(self._pools)
        async with self.db.read() as s:
            rows = await s.execute(
                select(_PULSES.c.id).where(_PULSES.c.id.in_(ids), _PULSES.c.closed_at.is_not(None))
            )
            closed = [int(r) for (r,) in rows.all()]
        for pulse_id in closed:
            if await self.settle(pulse_id) == 0 and self.on_settled is not None:
                await self.on_settled(pulse_id)

    def holds(self, pulse_id: int) -> int:
        """How many of this pulse's answers this process holds (for tests and metrics)."""
        pool = self._pools.get(pulse_id)
        return len(pool.values) if pool else 0

    async def stop(self) -> None:
        """Graceful stop: finish the queue, then write what is held (or, where too few
        people answered since this process started to hide them, forget who they were so
        they can answer again)."""
        self._stopped = True
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._poller
        if self._task is not None and not self._task.done():
            with contextlib.suppress(Exception):
                await asyncio.shield(self._task)
        await self._held.release()
        for pulse_id in sorted(self._pools):
            try:
                await self._flush(pulse_id, stopping=True)
            except Exception as exc:
                log.warning("held pulse answers lost at stop (%s)", type(exc).__name__)

    # -- the queue -------------------------------------------------------------------------

    def _wake(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())
            self._task.add_done_callback(self._drained)

    async def _drain(self) -> None:
        batch: list[_Pending] = []
        try:
            while self._pending or self._flushes:
                # A close's flush first: answers queued behind it are refused anyway.
                while self._flushes:
                    job = self._flushes.pop(0)
                    try:
                        tell(job.done, await self._flush(job.pulse_id, job.stopping))
                    except Exception as exc:
                        tell(job.done, exc)
                batch, self._pending = (
                    self._pending[: self.max_batch],
                    self._pending[self.max_batch :],
                )
                if batch:
                    await self._write_or_split(batch)
                batch = []
        finally:
            # Normally settled by now; if cancelled mid-write (shutdown), tell them.
            for item in batch:
                tell(item.done, RuntimeError("the answer writer stopped"))
            self._held.release_later()  # back to the pool unless more answers come soon
            self._start_poller()

    def _drained(self, task: asyncio.Task[None]) -> None:
        """A writer cancelled before it took everything (shutdown): nobody may wait
        forever for an answer that will not be stored."""
        if task.cancelled():
            waiting, self._pending = self._pending, []
            flushes, self._flushes = self._flushes, []
            for item in waiting:
                tell(item.done, RuntimeError("the answer writer stopped"))
            for job in flushes:
                tell(job.done, RuntimeError("the answer writer stopped"))

    def _start_poller(self) -> None:
        if self._pools and not self._stopped and (self._poller is None or self._poller.done()):
            self._poller = asyncio.create_task(self._poll())

    async def _poll(self) -> None:
        """While answers are held: notice pulses closed elsewhere and settle them."""
        while self._pools and not self._stopped:
            await asyncio.sleep(self.poll_seconds)
            try:
                await self.settle_closed()
            except Exception as exc:  # the database may be away for a while; try again
                log.warning("checking for closed pulses failed (%s)", type(exc).__name__)

    async def _write_or_split(self, batch: list[_Pending]) -> None:
        # Split only for an error of a row: a database that is down fails the batch at
        # once instead of once per answer.
        await write_or_split(
            batch, self._write, lambda item: item.done, what="answers", splits=_row_error
        )

    async def _write(self, batch: list[_Pending], now: datetime | None = None) -> list[Outcome]:
        """One transaction: which pulses are open; mark who answered (a second answer
        of the same person is refused); the pool mix writes a random part of each
        pulse's held answers. Memory changes only once it is committed."""
        outcomes: list[Outcome | None] = [None] * len(batch)
        first: dict[tuple[int, str], int] = {}
        for i, item in enumerate(batch):
            if (item.pulse_id, item.person) in first:
                outcomes[i] = Outcome.ALREADY  # the same person twice at once
            else:
                first[(item.pulse_id, item.person)] = i
        changes: dict[int, tuple[_Pool, list[dict[str, Any]], set[str], int]] = {}
        async with self._held.transaction() as conn:
            if self._open_and_mark is not None:
                open_ids, marked = await self._open_and_mark_people(
                    conn, sorted(first), now or utcnow()
                )
                wanted = sorted(k for k in first if k[0] in open_ids)
            else:
                open_ids = await self._open_pulses(conn, {p for p, _ in first}, now or utcnow())
                wanted = sorted(k for k in first if k[0] in open_ids)
                marked = set()
                if wanted:
                    result = await conn.execute(
                        self._mark, [{"pulse_id": p, "person": who} for p, who in wanted]
                    )
                    marked = {(int(p), str(who)) for p, who in result.all()}
            for pulse_id in sorted(open_ids):
                new = [k for k in wanted if k[0] == pulse_id and k in marked]
                if not new:
                    continue
                pool = self._pools.get(pulse_id)
                if pool is None:
                    keep = batch[first[new[0]]].keep
                    before = await self._people(conn, pulse_id) - len(new)
                    pool = _Pool(keep=keep, base=before)
                arrivals = [batch[first[k]].values for k in new]
                out, kept = mix(pool.values, arrivals, pool.keep, self._rng)
                await self._store(conn, pulse_id, out)
                await self._adjust_held(conn, pulse_id, len(new) - len(out))
                changes[pulse_id] = (pool, kept, {who for _, who in new}, len(new))
        for pulse_id, (pool, kept, who, count) in changes.items():
            self._pools[pulse_id] = pool
            pool.values = kept
            pool.accepted += count
            if pool.people is not None:
                pool.people |= who
                if pool.accepted > pool.keep:  # some of them are written now
                    pool.people = None
        for key, i in first.items():
            if key[0] not in open_ids:
                outcomes[i] = Outcome.CLOSED
            else:
                outcomes[i] = Outcome.STORED if key in marked else Outcome.ALREADY
        return [o or Outcome.CLOSED for o in outcomes]

    async def _flush(self, pulse_id: int, stopping: bool) -> int:
        """Write (or drop) what this process holds of a pulse; returns what is still held
        of it anywhere. Closed, or stopping: written if at least the threshold of people
        answered since this process began holding its answers, else dropped (and, while
        the pulse is open, those people forgotten so they can answer again)."""
        pool = self._pools.get(pulse_id)
        async with self.db.engine.begin() as conn:
            if pool is not None:
                candidates = await self._people(conn, pulse_id) - pool.base
                if may_write_remainder(candidates, pool.keep):
                    out, _ = mix(pool.values, [], 0, self._rng)
                    await self._store(conn, pulse_id, out)
                elif stopping and pool.people:
                    await conn.execute(
                        delete(_PEOPLE).where(
                            _PEOPLE.c.pulse_id == pulse_id,
                            _PEOPLE.c.person.in_(sorted(pool.people)),
                            # Only while it takes answers: after the close they did answer.
                            select(_PULSES.c.id)
                            .where(_PULSES.c.id == pulse_id, _PULSES.c.closed_at.is_(None))
                            .exists(),
                        )
                    )
                await self._adjust_held(conn, pulse_id, -len(pool.values))
            held = (
                await conn.execute(select(_PULSES.c.held).where(_PULSES.c.id == pulse_id))
            ).scalar_one_or_none()
        self._pools.pop(pulse_id, None)
        return int(held or 0)

    # -- SQL -------------------------------------------------------------------------------

    async def _open_pulses(self, conn: AsyncConnection, ids: set[int], now: datetime) -> set[int]:
        result = await conn.execute(self._open, {"ids": sorted(ids), "now": now})
        return {int(pulse_id) for (pulse_id,) in result.all()}

    async def _open_and_mark_people(
        self, conn: AsyncConnection, people: list[tuple[int, str]], now: datetime
    ) -> tuple[set[int], set[tuple[int, str]]]:
        """PostgreSQL: which of these pulses are open (locked until commit), and which of
        these people were marked as having answered an open one now (in key order)."""
        assert self._open_and_mark is not None
        result = await conn.execute(
            self._open_and_mark,
            {
                "ids": sorted({p for p, _ in people}),
                "now": now,
                "pulse_ids": [p for p, _ in people],
                "persons": [who for _, who in people],
            },
        )
        open_ids: set[int] = set()
        marked: set[tuple[int, str]] = set()
        for pulse_id, who in result.all():
            if who is None:
                open_ids.add(int(pulse_id))
            else:
                marked.add((int(pulse_id), str(who)))
        return open_ids, marked

    async def _people(self, conn: AsyncConnection, pulse_id: int) -> int:
        query = select(func.count()).select_from(_PEOPLE).where(_PEOPLE.c.pulse_id == pulse_id)
        return int((await conn.execute(query)).scalar_one())

    async def _store(
        self, conn: AsyncConnection, pulse_id: int, contents: list[dict[str, Any]]
    ) -> None:
        """Contents in the (already random) order given, each under a random id."""
        if contents:
            await conn.execute(
                self._insert_answers,
                [{"pulse_id": pulse_id, "id": new_answer_id(), "values": v} for v in contents],
            )

    async def _adjust_held(self, conn: AsyncConnection, pulse_id: int, change: int) -> None:
        if change:
            await conn.execute(
                update(_PULSES)
                .where(_PULSES.c.id == pulse_id)
                # Never below 0: a pulse made final without a dead process's answers
                # has held 0, and a late write of a slow one must not go under it.
                .values(held=case((_PULSES.c.held + change < 0, 0), else_=_PULSES.c.held + change))
            )


# core.pulse_window.takes_answers and the respondent marks, as one PostgreSQL statement. The
# `open` rows are locked (FOR UPDATE, re-checked against a close committed meanwhile)
# before the join lets any of their respondents into the INSERT.
_OPEN_AND_MARK = text(
    """
    WITH open AS (
        SELECT id FROM pulses
        WHERE id = ANY(:ids) AND closed_at IS NULL AND closes_at > :now
        FOR UPDATE
    ), marked AS (
        INSERT INTO pulse_respondents (pulse_id, person)
        SELECT w.pulse_id, w.person
        FROM unnest(CAST(:pulse_ids AS integer[]), CAST(:persons AS varchar[]))
            AS w(pulse_id, person)
        JOIN open ON open.id = w.pulse_id
        ORDER BY w.pulse_id, w.person
        ON CONFLICT (pulse_id, person) DO NOTHING
        RETURNING pulse_id, person
    )
    SELECT id AS pulse_id, NULL AS person FROM open
    UNION ALL
    SELECT pulse_id, person FROM marked
    """
).bindparams(
    bindparam("ids", type_=postgresql.ARRAY(Integer)),
    bindparam("now", type_=_PULSES.c.closes_at.type),
    bindparam("pulse_ids", type_=postgresql.ARRAY(Integer)),
    bindparam("persons", type_=postgresql.ARRAY(String)),
)


def _row_error(exc: Exception) -> bool:
    """An error a single row can cause (its data), not the database being unavailable."""
    if isinstance(exc, IntegrityError | DataError):
        return True
    return isinstance(exc, StatementError) and not isinstance(exc, DBAPIError)
