"""Pulse comments turned into items (`pulse_followups`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.item_models import Item
from storage.pulse_models import Pulse, PulseFollowup

MAX_LISTED = 10


async def item_for(session: AsyncSession, pulse_id: int, comment: str) -> int | None:
    row = await session.get(PulseFollowup, (pulse_id, comment))
    return row.item_id if row else None


async def add(session: AsyncSession, pulse_id: int, comment: str, item_id: int) -> None:
    session.add(PulseFollowup(pulse_id=pulse_id, comment=comment, item_id=item_id))
    await session.flush()


async def earlier(session: AsyncSession, unit_id: int, before: Pulse) -> list[Item]:
    """Items made from comments of the unit's pulses before `before`, newest first."""
    rows = await session.execute(
        select(Item)
        .join(PulseFollowup, col(PulseFollowup.item_id) == col(Item.id))
        .join(Pulse, col(Pulse.id) == col(PulseFollowup.pulse_id))
        .where(col(Pulse.unit_id) == unit_id, col(Pulse.opened_at) < before.opened_at)
        .order_by(col(Item.id).desc())
        .limit(MAX_LISTED)
    )
    return list(rows.scalars().all())


async def commented(session: AsyncSession, pulse_id: int) -> dict[str, int]:
    """comment key -> item id, for this pulse's comments already made items."""
    rows = await session.execute(
        select(col(PulseFollowup.comment), col(PulseFollowup.item_id)).where(
            col(PulseFollowup.pulse_id) == pulse_id
        )
    )
    return {c: i for c, i in rows.all()}
