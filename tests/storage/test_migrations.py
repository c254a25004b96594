"""The Alembic migrations build the schema the models describe, on both backends."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage.db import Database
from storage.migrate import downgrade, upgrade
from tests.conftest import PG_ADMIN_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrated.db'}"
        return
    request.getfixturevalue("pg_url")  # fails loudly in CI when the server is missing
    import asyncpg

    name = f"samverkan_m_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _diff(url: str) -> list[object]:
    def compare(conn: Connection) -> list[object]:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, SQLModel.metadata))

    async def run() -> list[object]:
        database = Database(url)
        try:
            async with database.engine.connect() as conn:
                return await conn.run_sync(compare)
        finally:
            await database.dispose()

    return asyncio.run(run())


def test_migrations_match_models_and_downgrade_cleanly(empty_url: str) -> None:
    upgrade(empty_url)
    assert _diff(empty_url) == [], (
        "models changed without a migration: run alembic revision --autogenerate"
    )
    upgrade(empty_url)  # a second upgrade is a no-op
    downgrade(empty_url, "base")
    upgrade(empty_url)
    assert _diff(empty_url) == []
