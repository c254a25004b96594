"""One leader per deployment: the instance that runs the scheduler (and the dispatcher).

PostgreSQL: a session advisory lock (`pg_try_advisory_lock`) on a connection of its
own, held for the process's life. If the leader dies, its connection closes, the
server drops the lock, and a follower (retrying every `retry_seconds`) takes over.
SQLite: an exclusive `flock` on a file next to the database file; the kernel drops
it when the process dies. Every instance serves /api/messages either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

from aiohttp import web
from sqlalchemy.engine import make_url

from storage.db import normalise_url, sqlite_path

log = logging.getLogger(__name__)

# Any constant works as long as every instance uses the same one; this spells "Samverka".
LOCK_KEY = 0x53616D7665726B61

Hook = Callable[[], Awaitable[None]]


class _Lock(Protocol):
    async def try_acquire(self) -> bool: ...
    async def alive(self) -> bool: ...
    async def release(self) -> None: ...


class Leader:
    """Elects this process leader or follower, and runs hooks on each change.

    `follow(start, stop)` registers work that must run only while leader
    (the scheduler); `is_leader` is for work that checks each round (the dispatcher).
    """

    def __init__(
        self,
        database_url: str,
        *,
        instance_id: str,
        retry_seconds: float = 2.0,
        lock_key: int = LOCK_KEY,
    ) -> None:
        self.instance_id = instance_id
        self.retry_seconds = retry_seconds
        self.became_leader = asyncio.Event()
        self._wake = asyncio.Event()  # set when the lock's connection drops: check now
        self._lock = _lock_for(database_url, lock_key, instance_id, self._wake.set)
        self._is_leader = False
        self._hooks: list[tuple[Hook, Hook]] = []
        self._task: asyncio.Task[None] | None = None

    @property
    def is_leader(self) -> bool:
        return self._is_leader

    def follow(self, on_elected: Hook, on_demoted: Hook) -> None:
        """Run `on_elected` on becoming leader and `on_demoted` on losing it or at stop."""
        self._hooks.append((on_elected, on_demoted))

    async def start(self) -> None:
        """Begin campaigning in the background (the web app does not wait for it)."""
        if self._task is None:
            self._task = asyncio.create_task(self._campaign(), name="leader-election")

    async def stop(self) -> None:
        """Stop the hooks and release the lock, so a follower takes over at once."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._is_leader:
            await self._demote("shutting down", planned=True)
        await self._lock.release()

    async def context(self, _app: web.Application) -> AsyncIterator[None]:
        """For `app.cleanup_ctx`."""
        await self.start()
        yield
        await self.stop()

    async def _campaign(self) -> None:
        while True:
            try:
                if not self._is_leader:
                    if await self._lock.try_acquire():
                        await self._elect()
                elif not await self._lock.alive():
                    await self._demote("lost the lock (database connection closed)")
            except Exception as exc:  # the database may be down: keep trying
                log.warning("leader election: %s: %s", type(exc).__name__, exc)
                if self._is_leader:
                    await self._demote("error while checking the lock")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.retry_seconds)

    async def _elect(self) -> None:
        self._is_leader = True
        log.info("instance %s is now the leader", self.instance_id)
        for started, (on_elected, _) in enumerate(self._hooks):
            try:
                await on_elected()
            except Exception:
                log.exception("starting leader work failed; stepping down to retry")
                await self._demote("leader work failed to start", started)
                return
        self.became_leader.set()

    async def _demote(self, why: str, started: int | None = None, *, planned: bool = False) -> None:
        if planned:  # a normal stop: a follower takes over at once, nothing to look into
            log.info("instance %s hands over the leadership: %s", self.instance_id, why)
        else:
            log.warning("instance %s is no longer the leader: %s", self.instance_id, why)
        self._is_leader = False
        self.became_leader.clear()
        hooks = self._hooks if started is None else self._hooks[:started]
        for _, on_demoted in reversed(hooks):
            try:
                await on_demoted()
            except Exception:
                log.exception("stopping leader work failed")
        await self._lock.release()


def _lock_for(database_url: str, key: int, instance_id: str, on_lost: Callable[[], None]) -> _Lock:
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() == "postgresql":
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        return _AdvisoryLock(dsn, key, on_lost)
    path = sqlite_path(database_url)
    if path is None:
        return _Solo()  # in-memory database: only this process can see it
    return _FileLock(path.with_name(path.name + ".leader"), instance_id)


class _AdvisoryLock:
    def __init__(self, dsn: str, key: int, on_lost: Callable[[], None]) -> None:
        self._dsn = dsn
        self._key = key
        self._on_lost = on_lost
        self._conn: Any = None
        self._held = False

    async def try_acquire(self) -> bool:
        import asyncpg

        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(self._dsn, timeout=5)
            self._conn.add_termination_listener(self._terminated)
        try:
            got = bool(
                await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", self._key, timeout=5)
            )
        except Exception:
            await self._drop()
            raise
        self._held = got
        return got

    def _terminated(self, _conn: Any) -> None:
        if self._held:  # not our own release
            self._on_lost()

    async def alive(self) -> bool:
        if not self._held or self._conn is None or self._conn.is_closed():
            return False
        try:
            await self._conn.fetchval("SELECT 1", timeout=5)
        except Exception:
            await self._drop()
            return False
        return True

    async def release(self) -> None:
        if self._conn is None:
            return
        if self._held and not self._conn.is_closed():
            with contextlib.suppress(Exception):
                await self._conn.execute("SELECT pg_advisory_unlock($1)", self._key, timeout=2)
        await self._drop()

    async def _drop(self) -> None:
        conn, self._conn, self._held = self._conn, None, False
        if conn is None:
            return
        try:
            await conn.close(timeout=2)
        except Exception:
            conn.terminate()


class _FileLock:
    def __init__(self, path: Path, instance_id: str) -> None:
        self._path = path
        self._instance_id = instance_id
        self._fd: int | None = None

    async def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        # Who holds it, for whoever looks at the file.
        os.ftruncate(fd, 0)
        os.write(fd, f"{self._instance_id}\n".encode())
        self._fd = fd
        return True

    async def alive(self) -> bool:
        return self._fd is not None

    async def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


class _Solo:
    def __init__(self) -> None:
        self._held = False

    async def try_acquire(self) -> bool:
        self._held = True
        return True

    async def alive(self) -> bool:
        return self._held

    async def release(self) -> None:
        self._held = False
