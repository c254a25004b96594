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


def test_scope_migration_ends_bindings_to_chats_and_keeps_channels(empty_url: str) -> None:
    """0002_scope: a unit bound to a personal or group chat (the old `setup.move` from a
    chat) is unbound; a channel's binding stays."""
    upgrade(empty_url, "0001")

    async def seed_and_read(seed: bool) -> list[tuple[str, bool]]:
        from sqlalchemy import text

        database = Database(empty_url)
        try:
            async with database.engine.begin() as conn:
                if seed:
                    for n, kind in enumerate(("channel", "personal", "groupChat"), start=1):
                        await conn.execute(
                            text(
                                "INSERT INTO units (id, name, level, defaults, created_at, updated_at)"
                                " VALUES (:n, :name, 'team', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                            ),
                            {"n": n, "name": f"Enhet {n}"},
                        )
                        await conn.execute(
                            text(
                                "INSERT INTO conversations (id, conversation_id, kind, reference,"
                                " active, installed_at, updated_at)"
                                " VALUES (:n, :cid, :kind, '{}', :on, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                            ),
                            {
                                "n": n,
                                "cid": f"c{n}",
                                "kind": kind,
                                "on": True,
                            },
                        )
                        await conn.execute(
                            text(
                                "INSERT INTO channel_bindings (unit_id, conversation_pk, active, bound_at)"
                                " VALUES (:n, :n, :on, CURRENT_TIMESTAMP)"
                            ),
                            {"n": n, "on": True},
                        )
                rows = await conn.execute(
                    text(
                        "SELECT c.kind, b.active FROM channel_bindings b"
                        " JOIN conversations c ON c.id = b.conversation_pk ORDER BY b.unit_id"
                    )
                )
                return [(kind, bool(active)) for kind, active in rows.all()]
        finally:
            await database.dispose()

    before = asyncio.run(seed_and_read(True))
    assert before == [("channel", True), ("personal", True), ("groupChat", True)]
    upgrade(empty_url)
    assert asyncio.run(seed_and_read(False)) == [
        ("channel", True),
        ("personal", False),
        ("groupChat", False),
    ]
