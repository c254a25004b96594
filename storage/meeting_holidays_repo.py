"""Meetings on a day off: the ones within a year planned at once with the unit's policy,
and the coordinator's answer (skip, move, keep) applied."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core import meeting_holidays as holidays
from core.recurrence import Recurrence, days_between, meeting_instants
from storage.meeting_models import MeetingOccurrence, MeetingSeries
from storage.meeting_occurrences_repo import (
    apply_placement,
    cancel_occurrence,
    holiday_policy,
    materialize,
    schedule_occurrence,
)

HOLIDAY_HORIZON = timedelta(days=366)  # how far ahead a new series' holidays are caught


async def plan_holidays(
    session: AsyncSession, series: MeetingSeries, now: datetime, *, lang: str = "sv"
) -> list[MeetingOccurrence]:
    """The series' meetings within HOLIDAY_HORIZON that fall on a day off and are not
    planned yet, planned now with the unit's policy (caught when the series is made or
    the org file loaded, not when the planning window gets there)."""
    rule = Recurrence.from_dict(series.rule)
    zone = ZoneInfo(series.timezone)
    policy = await holiday_policy(session, series)
    out: list[MeetingOccurrence] = []
    today = now.astimezone(zone).date()
    days = days_between(rule, today, (now + HOLIDAY_HORIZON).astimezone(zone).date())
    planned: set[datetime] | None = None
    for day in days:
        if holidays.day_off(day) is None:
            continue
        start, end = meeting_instants(rule, series.timezone, day)
        if start <= now:
            continue
        if planned is None:  # one look-up: the daily sync passes over what it planned before
            rows = await session.execute(
                select(col(MeetingOccurrence.slot_at)).where(
                    col(MeetingOccurrence.series_id) == series.id,
                    col(MeetingOccurrence.slot_at) > now,
                )
            )
            planned = set(rows.scalars().all())
        if start in planned:
            continue
        occ = await materialize(session, series, start, end, policy)
        if occ.status != "cancelled":
            await schedule_occurrence(session, series, occ, now, lang=lang)
        out.append(occ)
    return out


async def answer_holiday(
    session: AsyncSession, occ: MeetingOccurrence, choice: str, now: datetime, lang: str = "sv"
) -> None:
    """The coordinator's answer (skip, move, keep) for a meeting on a day off."""
    series = await session.get(MeetingSeries, occ.series_id)
    assert series is not None and occ.id is not None
    zone = ZoneInfo(series.timezone)
    placed = holidays.answer(occ.slot_at.astimezone(zone).date(), choice)
    apply_placement(occ, series, placed)
    if occ.status == "cancelled":
        await cancel_occurrence(session, occ, now)
    else:
        await session.flush()
        await schedule_occurrence(session, series, occ, now, lang=lang)
