"""A meeting's minutes: its agenda, decisions, the action items recorded at it and the
items lifted from it; which meeting `minutes` shows by default; the minutes of a span."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.agenda_repo import items_of
from storage.meeting_lookup_repo import current_or_latest, occurrences_of_unit
from storage.meeting_models import (
    ActionItem,
    AgendaItem,
    Decision,
    MeetingOccurrence,
    MeetingSeries,
)
from storage.rows import all_of

MINUTES_AFTER = timedelta(hours=1)


@dataclass
class Minutes:
    occurrence: MeetingOccurrence
    series: MeetingSeries
    items: list[AgendaItem]
    decisions: list[Decision]
    actions: list[ActionItem]  # recorded at this meeting
    lifted: list[tuple[int, str]]  # (item id, title) lifted to another level from here


async def minutes_of(session: AsyncSession, occ: MeetingOccurrence) -> Minutes:
    series = await session.get(MeetingSeries, occ.series_id)
    assert series is not None and occ.id is not None
    decisions = await all_of(
        session,
        select(Decision).where(col(Decision.occurrence_id) == occ.id).order_by(col(Decision.id)),
    )
    actions = await all_of(
        session,
        select(ActionItem)
        .where(col(ActionItem.recorded_at_occurrence_id) == occ.id)
        .order_by(col(ActionItem.id)),
    )
    items = [i for i in await items_of(session, occ.id) if i.status != "removed"]
    return Minutes(occ, series, items, decisions, actions, await _lifted(session, occ, decisions))


async def _lifted(
    session: AsyncSession, occ: MeetingOccurrence, decisions: list[Decision]
) -> list[tuple[int, str]]:
    """Items lifted from the unit on the meeting's day, or by one of its decisions."""
    try:
        from storage.item_models import Item, ItemEvent
    except ImportError:
        return []
    since = occ.starts_at - timedelta(hours=12)
    until = occ.ends_at + MINUTES_AFTER
    rows = await session.execute(
        select(col(Item.id), col(Item.title), col(ItemEvent.details))
        .join(ItemEvent, col(ItemEvent.item_id) == col(Item.id))
        .where(
            col(ItemEvent.event) == "escalated",
            col(ItemEvent.at) >= since,
            col(ItemEvent.at) <= until,
        )
    )
    # The escalated event's details name the unit it left (`from`).
    found: dict[int, str] = {
        item_id: title
        for item_id, title, details in rows.all()
        if isinstance(details, dict) and details.get("from") == occ.unit_id
    }
    for d in decisions:
        if d.lifted_item_id is not None and d.lifted_item_id not in found:
            item = await session.get(Item, d.lifted_item_id)
            if item is not None:
                found[d.lifted_item_id] = item.title
    return sorted(found.items())


async def minutes_default(
    session: AsyncSession, unit_id: int, now: datetime
) -> MeetingOccurrence | None:
    """The meeting `minutes` shows when no date is given: the latest held, or a later one
    that already has records (before the first meeting, decisions go to the next one)."""
    held = await current_or_latest(session, unit_id, now)
    recorded = (
        select(col(Decision.occurrence_id))
        .where(col(Decision.unit_id) == unit_id)
        .union(
            select(col(ActionItem.recorded_at_occurrence_id)).where(
                col(ActionItem.unit_id) == unit_id,
                col(ActionItem.recorded_at_occurrence_id).is_not(None),
            )
        )
    )
    rows = await session.execute(
        select(MeetingOccurrence)
        .where(
            col(MeetingOccurrence.id).in_(recorded),
            col(MeetingOccurrence.status) != "cancelled",
        )
        .order_by(col(MeetingOccurrence.starts_at).desc())
        .limit(1)
    )
    latest_recorded = rows.scalars().first()
    if latest_recorded is not None and (held is None or latest_recorded.starts_at > held.starts_at):
        return latest_recorded
    return held


async def for_export(
    session: AsyncSession, unit_id: int, start: datetime, end: datetime
) -> list[Minutes]:
    occs = await occurrences_of_unit(session, unit_id, start=start, end=end)
    return [await minutes_of(session, o) for o in occs if o.status != "cancelled"]
