"""Index shapes the tables share."""

from __future__ import annotations

from sqlalchemy import Index, text


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
