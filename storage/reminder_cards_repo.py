"""The reminder cards posted for a meeting, so a later reminder updates the first."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.meeting_models import ReminderCard
from storage.rows import first_of
from storage.types import utcnow
from storage.upsert import insert_missing


async def remember_reminder(
    session: AsyncSession, occurrence_id: int, lead: int, key: str, updates_key: str | None
) -> None:
    await insert_missing(
        session,
        ReminderCard,
        {
            "occurrence_id": occurrence_id,
            "lead_days": lead,
            "outbox_key": key,
            "updates_key": updates_key,
            "created_at": utcnow(),
        },
        ["outbox_key"],
    )


async def first_reminder(session: AsyncSession, occurrence_id: int) -> ReminderCard | None:
    """The reminder card that was posted (not an update) for the occurrence, if any."""
    return await first_of(
        session,
        select(ReminderCard)
        .where(
            col(ReminderCard.occurrence_id) == occurrence_id,
            col(ReminderCard.updates_key).is_(None),
        )
        .order_by(col(ReminderCard.id))
        .limit(1),
    )
