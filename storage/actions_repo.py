"""Action items of a unit's meetings: recorded, listed while open, closed."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core.action_values import NewAction
from core.personnummer import IdentityNumberRefused, contains_identity_number
from storage.meeting_input import MeetingError, guard
from storage.meeting_models import ActionItem
from storage.rows import added, all_of


async def open_actions(session: AsyncSession, unit_id: int) -> list[ActionItem]:
    return await all_of(
        session,
        select(ActionItem)
        .where(col(ActionItem.unit_id) == unit_id, col(ActionItem.status) == "open")
        .order_by(col(ActionItem.due), col(ActionItem.id)),
    )


async def add_action(
    session: AsyncSession, unit_id: int, new: NewAction, *, today: date, by: str | None
) -> ActionItem:
    if new.due < today:
        raise MeetingError("past_due", due=new.due)
    if contains_identity_number(new.owner.name):
        raise IdentityNumberRefused
    row = ActionItem(
        unit_id=unit_id,
        recorded_at_occurrence_id=new.recorded_at_occurrence_id,
        occurrence_id=new.follow_up_occurrence_id,
        text=guard(new.text, 1000),
        owner_name=new.owner.name[:200],
        owner_aad_id=new.owner.aad_id,
        owner_channel_id=new.owner.channel_id,
        due=new.due,
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
