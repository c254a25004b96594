"""Decisions recorded at a meeting."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.meeting_input import guard
from storage.meeting_models import Decision, MeetingOccurrence
from storage.rows import added


async def add_decision(
    session: AsyncSession,
    occ: MeetingOccurrence,
    text: str,
    *,
    by: str | None,
    agenda_item_id: int | None = None,
    lifted_item_id: int | None = None,
) -> Decision:
    assert occ.id is not None
    row = Decision(
        occurrence_id=occ.id,
        unit_id=occ.unit_id,
        agenda_item_id=agenda_item_id,
        text=guard(text, 2000),
        decided_by=by,
        lifted_item_id=lifted_item_id,
    )
    return await added(session, row)
