"""Reading many rows of one table by their ids, in one query."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select


class _WithId(Protocol):
    id: int | None


RowT = TypeVar("RowT", bound=_WithId)


async def by_ids(session: AsyncSession, model: type[RowT], ids: Iterable[int]) -> dict[int, RowT]:
    """The rows of `model` with these ids, by id; ids without a row are left out."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(select(model).where(col(model.id).in_(wanted)))
    return {row.id: row for row in rows.scalars().all() if row.id is not None}
