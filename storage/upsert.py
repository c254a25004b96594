"""INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL.

A check-then-insert ("select; if none, add") is a race on PostgreSQL: two transactions
both see no row, both insert, and the second fails on the unique index. Inserting with
ON CONFLICT DO NOTHING first and reading the row afterwards is safe on both: PostgreSQL
waits for a concurrent insert of the same key to commit (the later read, a new snapshot
under READ COMMITTED, then sees it); SQLite's BEGIN IMMEDIATE serialises writers anyway.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def dialect_insert(session: AsyncSession, model: Any) -> Any:
    """The dialect's INSERT (which has `on_conflict_do_nothing/_do_update`)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


async def insert_missing(
    session: AsyncSession,
    model: Any,
    values: Mapping[str, Any],
    conflict: Sequence[str],
    *,
    where: ColumnElement[bool] | None = None,
) -> bool:
    """Insert one row unless a row with the same `conflict` columns exists (or is being
    inserted by a concurrent transaction that then commits). True if this call inserted it.

    `where` names a partial unique index (e.g. "one active binding per unit")."""
    stmt = (
        dialect_insert(session, model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(conflict), index_where=where)
    )
    result = await session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def serialize(session: AsyncSession, name: str) -> None:
    """Hold a lock named `name` until the transaction ends, so whole read-then-write
    operations (an org load planned from what is stored) run one at a time. PostgreSQL:
    a transaction-level advisory lock; SQLite: BEGIN IMMEDIATE already serialises writers."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"), {"name": name}
        )
