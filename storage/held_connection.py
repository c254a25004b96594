"""One pooled connection that a group-commit writer keeps while it has work.

The batching writers (storage/answer_writer.py, storage/sightings.py) run one
transaction after another while requests keep arriving. Taking a connection from the
pool for each of them cost more than the transaction's own statements on PostgreSQL:
the pool's pre-ping is a BEGIN, a `;` and a ROLLBACK, three round trips to a server
process that, on a loaded machine, has to be scheduled for each one. A writer keeps
the connection it took (checked as usual, pre-ping included) while batches keep
coming: when it runs out of work it calls `release_later()`, and the connection goes
back to the pool unless another transaction starts within `linger` seconds. Under
load the next batch comes a few milliseconds later, so one checkout serves a burst.

Each `transaction()` is a transaction of its own on that connection, committed when
the block ends and rolled back on error. After an error the connection goes back to
the pool (SQLAlchemy invalidates one the server dropped) and the next transaction
takes a fresh, pinged one, so a restarted server costs one failed batch, as before; a
connection is never kept idle longer than `linger`, so it cannot go stale unnoticed
for longer than that. On SQLite each transaction still queues at the process's write
lock (`Database.writing`): the lock is held for the transaction, never between them.
`Database.dispose()` gives back whatever is still held.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database

log = logging.getLogger(__name__)

LINGER_SECONDS = 0.5


class HeldConnection:
    """A writer's connection, kept between its transactions (see the module docstring)."""

    def __init__(self, db: Database, *, linger: float = LINGER_SECONDS) -> None:
        self.db = db
        self.linger = linger
        self._conn: AsyncConnection | None = None
        self._busy = False
        self._timer: asyncio.TimerHandle | None = None
        self._closing: set[asyncio.Task[None]] = set()
        db.on_dispose(self.release)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction on the held connection (taken from the pool if none is held)."""
        async with self.db.writing():
            self._cancel_timer()
            self._busy = True
            try:
                if self._conn is None:
                    self._conn = await self.db.engine.connect()
                async with self._conn.begin():
                    yield self._conn
            except BaseException:
                await self.release()
                raise
            finally:
                self._busy = False

    def release_later(self) -> None:
        """The writer is out of work: give the connection back in `linger` seconds
        unless a transaction starts before then."""
        if self._conn is None:
            return
        self._cancel_timer()
        self._timer = asyncio.get_running_loop().call_later(self.linger, self._expire)

    async def release(self) -> None:
        """Give the connection back to the pool now."""
        self._cancel_timer()
        conn, self._conn = self._conn, None
        if conn is not None:
            await _close(conn)
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)

    def _expire(self) -> None:
        self._timer = None
        if self._busy or self._conn is None:
            return
        conn, self._conn = self._conn, None
        task = asyncio.ensure_future(_close(conn))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


async def _close(conn: AsyncConnection) -> None:
    try:
        await conn.close()
    except Exception as exc:  # a dropped connection is discarded by the pool anyway
        log.info("closing a writer's connection failed (%s)", type(exc).__name__)
