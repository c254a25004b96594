"""Index and key shapes the tables share."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Index, PrimaryKeyConstraint, text


def unique_where(name: str, *columns: str, where: str) -> Index:
    """A partial unique index, the same on SQLite and PostgreSQL: `columns` unique among
    the rows `where` holds for (one active binding per unit, one open pulse per unit)."""
    return Index(
        name,
        *columns,
        unique=True,
        sqlite_where=text(where),
        postgresql_where=text(where),
    )


def keyed_without_rowid(name: str, *columns: str) -> tuple[Any, ...]:
    """`__table_args__` of a table whose primary key is `columns` and that has no SQLite
    rowid (so it is stored in key order, not in the order rows were written)."""
    return (PrimaryKeyConstraint(*columns, name=name), {"sqlite_with_rowid": False})
