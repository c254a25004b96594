"""The county's chain of units as the bot shows it, and the live units people may name."""

from __future__ import annotations

from sqlmodel import col, select

from storage import indicators_repo
from storage.db import Database
from storage.models import ChannelBinding, Unit


async def live_units(db: Database) -> list[Unit]:
    """Every unit not archived, by name."""
    async with db.read() as s:
        return await indicators_repo.live_units(s)


async def live_unit(db: Database, unit_id: int | None) -> Unit | None:
    """The unit with this id, unless it is archived (or there is none)."""
    if unit_id is None:
        return None
    async with db.read() as s:
        unit = await s.get(Unit, unit_id)
    return unit if unit is not None and unit.archived_at is None else None


async def chain(db: Database) -> tuple[list[Unit], set[int]]:
    """The live units, and the ids of those with a channel bound."""
    async with db.read() as s:
        units = list(
            (await s.execute(select(Unit).where(col(Unit.archived_at).is_(None)))).scalars().all()
        )
        bound = set(
            (
                await s.execute(
                    select(col(ChannelBinding.unit_id)).where(col(ChannelBinding.active).is_(True))
                )
            )
            .scalars()
            .all()
        )
    return units, bound
