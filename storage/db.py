"""Engine and session factory for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import sqlite3
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import changes as _changes  # noqa: F401  (registers the write counters)
from storage.types import utcnow
from storage.upsert import dialect_insert

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/samverkan.db"

SQLITE_BUSY_SECONDS = 30

# Execution option carried by the connections of `Database.read()` sessions.
READ_ONLY_OPTION = "samverkan_read_only"


def normalise_url(url: str) -> str:
    """Accept the plain URLs people paste and pick the async driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        url = "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


def is_sqlite(url: str) -> bool:
    return make_url(normalise_url(url)).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    url = normalise_url(url)
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    if is_sqlite(url):
        engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL lets readers and the dispatcher work while a command writes;
            # busy_timeout turns lock contention into waiting, not errors.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # BEGIN IMMEDIATE: take the write lock up front so two writers queue
            # instead of deadlocking on a read-to-write upgrade. Read-only sessions
            # (`Database.read()`) begin DEFERRED: under WAL they read a snapshot
            # without the write lock, so readers never queue behind writers.
            if conn.get_execution_options().get(READ_ONLY_OPTION):
                conn.exec_driver_sql("BEGIN")
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    return create_async_engine(url, **kwargs)


def safe_url(url: str) -> str:
    """The URL as people wrote it (no async driver), with any password masked."""
    shown = make_url(normalise_url(url)).render_as_string(hide_password=True)
    return shown.replace("+asyncpg", "").replace("+aiosqlite", "")


class DatabaseMissing(Exception):
    """The SQLite file does not exist (nothing was created)."""


class SchemaOutdated(Exception):
    """The database has tables, but not the newest ones: `samverkan db upgrade`."""


# PostgreSQL SQLSTATEs and SQLite messages, by what the operator should do.
_PG_STATES = {
    "3D000": "no_database",  # invalid_catalog_name
    "28P01": "login",  # invalid_password
    "28000": "login",  # invalid_authorization_specification
    "42P01": "no_schema",  # undefined_table
    "42703": "old_schema",  # undefined_column
    "57P03": "unreachable",  # cannot_connect_now (starting up, shutting down)
    "53300": "unreachable",  # too_many_connections
    "25006": "read_only",  # read_only_sql_transaction
}
_SQLITE_MESSAGES = {
    "no such table": "no_schema",
    "no such column": "old_schema",
    "unable to open database file": "cannot_open",
    "file is not a database": "cannot_open",
    "attempt to write a readonly database": "read_only",
}


def database_failure(exc: BaseException) -> str | None:
    """What kind of database problem `exc` is, or None if it is not one.

    One of: missing (no SQLite file), unreachable, no_database, login, no_schema,
    old_schema, cannot_open, read_only. Looks through the exception's causes, so it
    works for SQLAlchemy's wrapped errors and for the drivers' own."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DatabaseMissing):
            return "missing"
        if isinstance(current, SchemaOutdated):
            return "old_schema"
        state = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if isinstance(state, str) and state in _PG_STATES:
            return _PG_STATES[state]
        if isinstance(current, sqlite3.Error):
            text = str(current).lower()
            for needle, kind in _SQLITE_MESSAGES.items():
                if needle in text:
                    return kind
        if isinstance(current, ConnectionError | TimeoutError | socket.gaierror):
            return "unreachable"
        if isinstance(current, OSError) and current.errno in _UNREACHABLE_ERRNOS:
            return "unreachable"
        orig = getattr(current, "orig", None)
        current = (
            orig if isinstance(orig, BaseException) else (current.__cause__ or current.__context__)
        )
    return None


_UNREACHABLE_ERRNOS = {
    errno.ECONNREFUSED,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.ETIMEDOUT,
    errno.ECONNRESET,
}


class Database:
    """Owns the engine and hands out sessions (one transaction each)."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = normalise_url(url)
        self.engine = create_engine(self.url, **engine_kwargs)
        self._sqlite = is_sqlite(self.url)
        # One per event loop (a Database may outlive the loop it was first used in).
        self._write_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        # Connections kept out of the pool by writers (storage/held_connection.py).
        self._on_dispose: list[weakref.WeakMethod[Callable[[], Awaitable[None]]]] = []
        # Same pool and event listeners; its connections carry READ_ONLY_OPTION.
        self.read_sessionmaker = async_sessionmaker(
            self.engine.execution_options(**{READ_ONLY_OPTION: True}),
            expire_on_commit=False,
            autoflush=False,
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        async with self.writing(), self.sessionmaker() as session, session.begin():
            yield session

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[None]:
        """Around a write transaction. SQLite has one writer at a time, and a writer that
        finds the lock taken sleeps and polls (up to 100 ms a turn): under load that
        left commands waiting seconds for a lock long free. Writers of this process
        queue here instead, in order; other processes still meet SQLite's busy timeout.
        Waiting longer than that timeout fails as it would have."""
        if not self._sqlite:
            yield
            return
        loop = asyncio.get_running_loop()
        lock = self._write_locks.get(loop)
        if lock is None:
            lock = self._write_locks[loop] = asyncio.Lock()
        async with asyncio.timeout(SQLITE_BUSY_SECONDS):
            await lock.acquire()
        try:
            yield
        finally:
            lock.release()

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only. On SQLite its transaction begins DEFERRED (no write
        lock); anything it would write is discarded (rolled back at the end)."""
        async with self.read_sessionmaker() as session:
            yield session  # closing the session rolls the transaction back

    async def check_schema(self) -> None:
        """Raise what the first real query would: the database is missing, unreachable,
        or has no tables yet. One cheap read."""
        path = sqlite_path(self.url)
        if path is not None and not path.exists():
            raise DatabaseMissing(str(path))
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1 FROM schedules WHERE 1 = 0")  # since 0001
        try:
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1 FROM heartbeats WHERE 1 = 0")  # 0002
        except Exception as exc:
            if database_failure(exc) == "no_schema":
                raise SchemaOutdated() from exc
            raise

    async def health(self, name: str, instance: str | None, seconds: float = 5.0) -> str:
        """One of: ok; unreachable (no answer to a read); outdated (not migrated to this
        version's schema); unwritable (reads work but a write does not: a read-only
        database or role, a full disk). The write is an upsert of this host's heartbeat
        row, committed: a rolled-back write would never reach the disk, so it would not
        notice a full one."""
        from storage.health_models import Heartbeat

        try:
            async with asyncio.timeout(seconds):
                if not await self.ping():
                    return "unreachable"
                async with self.session() as s:
                    now = utcnow()
                    stmt = dialect_insert(s, Heartbeat).values(name=name, instance=instance, at=now)
                    await s.execute(
                        stmt.on_conflict_do_update(
                            index_elements=["name"], set_={"instance": instance, "at": now}
                        )
                    )
        except TimeoutError:
            return "unreachable"
        except Exception as exc:
            kind = database_failure(exc)
            if kind in ("unreachable", "no_schema", "old_schema"):
                return "unreachable" if kind == "unreachable" else "outdated"
            return "unwritable"
        return "ok"

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")
            return True
        except Exception:
            return False

    def on_dispose(self, release: Callable[[], Awaitable[None]]) -> None:
        """Call `release` (a bound method, held weakly) when the database is disposed."""
        self._on_dispose.append(weakref.WeakMethod(release))

    async def dispose(self) -> None:
        for ref in self._on_dispose:
            release = ref()
            if release is not None:
                with contextlib.suppress(Exception):
                    await release()
        self._on_dispose = []
        await self.engine.dispose()
