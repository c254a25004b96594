"""Which meeting of a unit: the next one, the one going on or latest held, the one on a
day (made a row if its rule gives one), all of them in a span."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core.recurrence import Recurrence, occurrences_after
from storage import schedules_repo
from storage.meeting_models import MeetingOccurrence
from storage.meeting_occurrences_repo import holiday_policy, materialize, schedule_occurrence
from storage.meeting_series_repo import series_of
from storage.rows import first_of


async def occurrences_of_unit(
    session: AsyncSession,
    unit_id: int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    include_cancelled: bool = True,
) -> list[MeetingOccurrence]:
    query = select(MeetingOccurrence).where(col(MeetingOccurrence.unit_id) == unit_id)
    if start is not None:
        query = query.where(col(MeetingOccurrence.starts_at) >= start)
    if end is not None:
        query = query.where(col(MeetingOccurrence.starts_at) < end)
    if not include_cancelled:
        query = query.where(col(MeetingOccurrence.status) != "cancelled")
    rows = await session.execute(query.order_by(col(MeetingOccurrence.starts_at)))
    return list(rows.scalars().all())


async def next_meeting(
    session: AsyncSession, unit_id: int, now: datetime
) -> MeetingOccurrence | None:
    """The meeting not yet over (the one going on, else the next), cancelled ones skipped."""
    return await _first_held(
        session,
        unit_id,
        col(MeetingOccurrence.ends_at) > now,
        col(MeetingOccurrence.starts_at),
    )


async def current_or_latest(
    session: AsyncSession, unit_id: int, now: datetime
) -> MeetingOccurrence | None:
    """Where a decision goes: the meeting going on (or about to start), else the latest held."""
    return await _first_held(
        session,
        unit_id,
        col(MeetingOccurrence.starts_at) <= now + timedelta(minutes=30),
        col(MeetingOccurrence.starts_at).desc(),
    )


async def _first_held(
    session: AsyncSession,
    unit_id: int,
    when: ColumnElement[bool],
    order: Any,
) -> MeetingOccurrence | None:
    """The unit's first meeting not cancelled that matches `when`, in `order`."""
    return await first_of(
        session,
        select(MeetingOccurrence)
        .where(
            col(MeetingOccurrence.unit_id) == unit_id,
            col(MeetingOccurrence.status) != "cancelled",
            when,
        )
        .order_by(order)
        .limit(1),
    )


async def meeting_on(
    session: AsyncSession, unit_id: int, day: date, zone: str
) -> MeetingOccurrence | None:
    tz = ZoneInfo(zone)
    start = datetime.combine(day, time(0), tz)
    rows = await occurrences_of_unit(
        session, unit_id, start=start, end=start + timedelta(days=1), include_cancelled=True
    )
    live = [o for o in rows if o.status != "cancelled"]
    found = live or rows
    return found[0] if found else None


async def occurrence_for_day(
    session: AsyncSession, unit_id: int, day: date, now: datetime, lang: str = "sv"
) -> MeetingOccurrence | None:
    """The unit's meeting on `day`, materializing it if the rule gives one (a date further
    ahead than the planning window can be cancelled or moved too)."""
    found = await meeting_on(session, unit_id, day, schedules_repo.DEFAULT_TIMEZONE)
    if found is not None:
        return found
    for series in await series_of(session, unit_id):
        assert series.id is not None
        rule = Recurrence.from_dict(series.rule)
        zone = ZoneInfo(series.timezone)
        for start, end in occurrences_after(rule, series.timezone, now, 120):
            local_day = start.astimezone(zone).date()
            if local_day > day:
                break
            if local_day == day:
                policy = await holiday_policy(session, series)
                occ = await materialize(session, series, start, end, policy)
                await schedule_occurrence(session, series, occ, now, lang=lang)
                return occ
    return None
