"""Action items of a unit's meetings: recorded, listed while open, closed."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core.personnummer import IdentityNumberRefused, contains_identity_number
from storage.meeting_input import MeetingError, guard
from storage.meeting_models import ActionItem, MeetingOccurrence
from storage.rows import added, all_of


async def open_actions(session: AsyncSession, unit_id: int) -> list[ActionItem]:
    return await all_of(
        session,
        select(ActionItem)
        .where(col(ActionItem.unit_id) == unit_id, col(ActionItem.status) == "open")
        .order_by(col(ActionItem.due), col(ActionItem.id)),
    )


async def add_action(
    session: AsyncSession,
    unit_id: int,
    text: str,
    *,
    owner_name: str,
    owner_aad_id: str | None,
    owner_channel_id: str | None,
    due: date,
    today: date,
    recorded_at: MeetingOccurrence | None,
    follow_up: MeetingOccurrence | None,
    by: str | None,
) -> ActionItem:
    if due < today:
        raise MeetingError("past_due", due=due)
    if contains_identity_number(owner_name):
        raise IdentityNumberRefused
    row = ActionItem(
        unit_id=unit_id,
        recorded_at_occurrence_id=recorded_at.id if recorded_at else None,
        occurrence_id=follow_up.id if follow_up else None,
        text=guard(text, 1000),
        owner_name=owner_name[:200],
        owner_aad_id=owner_aad_id,
        owner_channel_id=owner_channel_id,
        due=due,
        created_by=by,
    )
    return await added(session, row)


async def close_action(
    session: AsyncSession, action: ActionItem, by: str | None, now: datetime
) -> bool:
    """False (nothing changed) when it was already done: a stale button or a double `/done`."""
    if action.status != "open":
        return False
    action.status = "done"
    action.done_by = by
    action.done_at = now
    await session.flush()
    return True
