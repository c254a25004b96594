"""The minutes of a unit's meeting as the `minutes` command shows them."""

from __future__ import annotations

from datetime import datetime

from cards.meetings import MinutesView
from services.meetings import minutes_view
from storage import minutes_repo
from storage.db import Database
from storage.meeting_models import MeetingOccurrence


async def default_meeting(db: Database, unit_id: int, now: datetime) -> MeetingOccurrence | None:
    """The latest meeting held, or a later one that already has records."""
    async with db.session() as s:
        return await minutes_repo.minutes_default(s, unit_id, now)


async def view(db: Database, occ: MeetingOccurrence) -> MinutesView:
    async with db.session() as s:
        return await minutes_view(s, occ)
