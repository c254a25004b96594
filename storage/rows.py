"""Small session helpers every repository uses: add a row, read or count rows of one model.

They run in the caller's session (one transaction) and add nothing to the SQL: one
place for the three lines each repository otherwise writes again.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import func, select
from sqlmodel.sql.expression import SelectOfScalar

T = TypeVar("T")


async def added(session: AsyncSession, row: T) -> T:
    """`row` inserted (flushed, so its id is set) and returned."""
    session.add(row)
    await session.flush()
    return row


async def all_of(session: AsyncSession, query: SelectOfScalar[T]) -> list[T]:
    """Every row `query` selects, in its order."""
    return list((await session.execute(query)).scalars().all())


async def first_of(session: AsyncSession, query: SelectOfScalar[T]) -> T | None:
    """The first row `query` selects, or None."""
    return (await session.execute(query)).scalars().first()


async def one_of(session: AsyncSession, query: SelectOfScalar[T]) -> T | None:
    """The one row `query` selects, or None (MultipleResultsFound when there are more)."""
    return (await session.execute(query)).scalar_one_or_none()


async def count_of(session: AsyncSession, model: type[Any], *where: ColumnElement[bool]) -> int:
    """How many rows of `model` match every `where`."""
    query = select(func.count()).select_from(model).where(*where)
    return int((await session.execute(query)).scalar_one())
