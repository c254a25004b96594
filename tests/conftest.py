"""Shared fixtures: a migrated database on SQLite and on PostgreSQL.

Tests that take `db` run twice, once per backend. PostgreSQL is the server at
127.0.0.1:5432 (database `test`, trust auth); each test run gets its own fresh
database. With CI=true a missing server fails loudly instead of skipping.

Test databases are built from the models (fast); tests/storage/test_migrations.py
proves the Alembic migrations build exactly the same schema on both backends.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage.db import Database

# The bot harness fixtures (real app over HTTP, fake connector), for every test folder.
from tests.support.files import bot, drive  # noqa: F401
from tests.support.harness import connector, harness, secured  # noqa: F401

PG_ADMIN_URL = os.environ.get("SAMVERKAN_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_available() -> bool:
    import asyncpg

    async def probe() -> bool:
        try:
            conn = await asyncpg.connect(PG_ADMIN_URL, timeout=3)
        except Exception:
            return False
        await conn.close()
        return True

    return asyncio.run(probe())


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session."""
    if not _pg_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI but not reachable at {PG_ADMIN_URL}")
        pytest.skip("PostgreSQL not reachable (set CI=true to make this a failure)")
    import asyncpg

    name = f"samverkan_t_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    create_schema(url)
    yield url
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database URL on each backend."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'samverkan.db'}"
        create_schema(url)
        yield url
        return
    url = request.getfixturevalue("pg_url")
    _truncate_pg(url)
    yield url


def create_schema(url: str) -> None:
    """Every table of the current models, as the migrations would make them."""

    async def run() -> None:
        database = Database(url)
        async with database.engine.begin() as conn:
            await conn.run_sync(SQLModel.metadata.create_all)
        await database.dispose()

    asyncio.run(run())


def _truncate_pg(url: str) -> None:
    import asyncpg

    tables = ", ".join(f'"{t.name}"' for t in reversed(SQLModel.metadata.sorted_tables))

    async def run() -> None:
        conn = await asyncpg.connect(url.replace("+asyncpg", ""))
        try:
            await conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        finally:
            await conn.close()

    asyncio.run(run())


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()
