"""The units an object belongs to, or is addressed to: what the scope rule (core/scope.py)
is asked about before a row found by id is shown or changed (bot/scope.py `find`).

Only the models a person can name by id are here; `find` on any other model is a
programming error (KeyError), not a silent pass.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col, select

from storage.item_models import Item, ItemCard
from storage.meeting_models import ActionItem, AgendaItem, MeetingOccurrence
from storage.models import Unit

T = TypeVar("T", bound=SQLModel)


async def _item_units(s: AsyncSession, item: Item) -> set[int]:
    # Its origin, every unit it was lifted through, the unit it is at, and every unit whose
    # channel got a card about it (a unit that sent it back down keeps its own card working).
    cards = await s.execute(
        select(col(ItemCard.unit_id)).where(col(ItemCard.item_id) == item.id).distinct()
    )
    return {item.origin_unit_id, item.current_unit_id, *item.path, *cards.scalars().all()}


async def _own_unit(s: AsyncSession, row: MeetingOccurrence | AgendaItem | ActionItem) -> set[int]:
    return {row.unit_id}


async def _unit_units(s: AsyncSession, unit: Unit) -> set[int]:
    return set() if unit.id is None or unit.archived_at is not None else {unit.id}


_UNITS: dict[type[SQLModel], Callable[[AsyncSession, Any], Awaitable[set[int]]]] = {
    Item: _item_units,
    MeetingOccurrence: _own_unit,
    AgendaItem: _own_unit,
    ActionItem: _own_unit,
    Unit: _unit_units,
}


async def row_and_units(
    session: AsyncSession, model: type[T], object_id: int
) -> tuple[T, set[int]] | None:
    """The row with this id and the units it belongs to, or None when there is no such row."""
    units_of = _UNITS[model]
    row = await session.get(model, object_id)
    if row is None:
        return None
    return row, await units_of(session, row)
