"""Rows the scheduler tests need: a unit with a bound channel, and run/outbox counts."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage import channels_repo
from storage.db import Database
from storage.models import OutboxMessage, ScheduleRun, Unit


async def unit_with_channel(session: AsyncSession, name: str = "Östersund") -> Unit:
    unit = Unit(name=name, level="team")
    session.add(unit)
    await session.flush()
    return await bind_channel(session, unit)


async def bind_channel(session: AsyncSession, unit: Unit) -> Unit:
    """A channel named after the unit, bound to it."""
    name = unit.name
    conv = await channels_repo.upsert_conversation(
        session,
        channels_repo.ConversationInfo(
            conversation_id=f"19:{name}@thread.tacv2",
            kind="channel",
            tenant_id="tenant",
            team_id="team",
            channel_id=f"19:{name}@thread.tacv2",
            name=f"{name} samverkan",
            user_aad_id=None,
            reference={"conversation": {"id": f"19:{name}@thread.tacv2"}},
        ),
    )
    await channels_repo.bind(session, unit, conv, actor="test")
    return unit


async def runs(db: Database, status: str | None = None) -> list[ScheduleRun]:
    async with db.session() as s:
        query = select(ScheduleRun).order_by(col(ScheduleRun.occurrence_at))
        if status is not None:
            query = query.where(col(ScheduleRun.status) == status)
        return list((await s.execute(query)).scalars().all())


async def outbox_keys(db: Database) -> list[str]:
    async with db.session() as s:
        rows = await s.execute(select(col(OutboxMessage.idempotency_key)))
        return list(rows.scalars().all())


def per_occurrence(rows: list[ScheduleRun]) -> Counter[tuple[int, datetime]]:
    return Counter((r.schedule_id, r.occurrence_at) for r in rows)
