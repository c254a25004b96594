"""The schedules a unit needs, created when the org is loaded or a channel is bound.

Every call here is an idempotent upsert, so loading the same org twice or binding a
channel again changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services import digest, escalation, nudges, pulse
from storage import meeting_series_repo
from storage.models import ChannelBinding, Unit


async def provision_org(session: AsyncSession, now: datetime, lang: str = "sv") -> None:
    """Digests for every unit, meeting series from the org file, pulses where a channel is bound."""
    await digest.ensure_schedules(session)
    await meeting_series_repo.sync_all(session, now, lang)
    await meeting_series_repo.ensure_sync_schedule(session)
    await nudges.ensure_schedule(session)
    bound = (
        (
            await session.execute(
                select(Unit)
                .join(ChannelBinding, col(ChannelBinding.unit_id) == col(Unit.id))
                .where(col(ChannelBinding.active).is_(True), col(Unit.archived_at).is_(None))
            )
        )
        .scalars()
        .all()
    )
    for unit in bound:
        await pulse.ensure_schedules(session, unit)


async def on_channel_bound(
    session: AsyncSession, unit: Unit, now: datetime, lang: str = "sv"
) -> int:
    """A unit got a channel: start its pulses and deliver escalations that waited for it."""
    assert unit.id is not None
    await pulse.ensure_schedules(session, unit)
    return await escalation.deliver_pending_for_unit(session, unit.id, now, lang)
