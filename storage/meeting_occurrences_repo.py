"""The occurrences of a meeting series: the rule's next slots made rows (with the unit's
holiday policy applied the first time), cancelled, moved, and their schedule rows.

Invariant: each upcoming occurrence has one-shot schedules `meeting_reminder:{occ}:{lead}`
(local wall-clock time of the meeting, `lead` days before) and `meeting_minutes:{occ}`
(end + the unit's minutes delay, 1 h unless set); a move rewrites them, a cancellation
deactivates them.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core import meeting_holidays as holidays
from core.recurrence import Recurrence, gives, occurrences_after
from storage import schedules_repo
from storage.meeting_input import MeetingError
from storage.meeting_models import MeetingOccurrence, MeetingSeries
from storage.models import Unit
from storage.types import utcnow
from storage.upsert import insert_missing

REMINDER_KIND = "meeting_reminder"
MINUTES_KIND = "meeting_minutes"
UPCOMING = 2  # occurrences kept materialized ahead, per series
DEFAULT_LEADS = (7, 1)


async def plan_series(
    session: AsyncSession, series: MeetingSeries, now: datetime, *, lang: str = "sv"
) -> list[MeetingOccurrence]:
    """Materialize the next occurrences (and their schedules). Future occurrences the
    rule no longer gives (the rule changed) are cancelled; their agenda carries on."""
    assert series.id is not None
    rule = Recurrence.from_dict(series.rule)
    slots = occurrences_after(rule, series.timezone, now, UPCOMING)
    existing = {o.slot_at: o for o in await upcoming(session, series, now, include_cancelled=True)}
    out: list[MeetingOccurrence] = []
    policy = await holiday_policy(session, series)
    for start, end in slots:
        occ = existing.pop(start, None)
        if occ is None:
            occ = await materialize(session, series, start, end, policy)
        elif occ.status == "scheduled" and (occ.ends_at != end or occ.place != series.place):
            occ.ends_at, occ.place, occ.updated_at = end, series.place, now
        if occ.status != "cancelled":
            await schedule_occurrence(session, series, occ, now, lang=lang)
        out.append(occ)
    for occ in existing.values():
        # A meeting of an older rule (the series was changed) is withdrawn with its
        # reminders, however far ahead it lies (moved ones too: their slot is the old rule's).
        if occ.status != "cancelled" and not gives(rule, series.timezone, occ.slot_at):
            await cancel_occurrence(session, occ, now)
    await session.flush()
    return out


async def upcoming(
    session: AsyncSession,
    series: MeetingSeries,
    now: datetime,
    *,
    include_cancelled: bool = False,
) -> list[MeetingOccurrence]:
    query = select(MeetingOccurrence).where(
        col(MeetingOccurrence.series_id) == series.id, col(MeetingOccurrence.starts_at) > now
    )
    if not include_cancelled:
        query = query.where(col(MeetingOccurrence.status) != "cancelled")
    rows = await session.execute(query.order_by(col(MeetingOccurrence.starts_at)))
    return list(rows.scalars().all())


def _one_shot(instant: datetime, zone: str) -> dict[str, Any]:
    local = instant.astimezone(ZoneInfo(zone))
    return {
        "year": local.year,
        "month": local.month,
        "day": local.day,
        "hour": local.hour,
        "minute": local.minute,
    }


def reminder_at(occ: MeetingOccurrence, lead: int, zone: str) -> datetime:
    """The meeting's local wall-clock time, `lead` days earlier (DST-safe), and earlier
    still while that day is a holiday or a day off (core.meeting_holidays.reminder_day)."""
    from core.recurrence import local_instant

    local = occ.starts_at.astimezone(ZoneInfo(zone))
    return local_instant(holidays.reminder_day(local.date(), lead), local.time(), zone)


def reminder_key(occurrence_id: int, lead: int) -> str:
    return f"{REMINDER_KIND}:{occurrence_id}:{lead}"


def minutes_key(occurrence_id: int) -> str:
    return f"{MINUTES_KIND}:{occurrence_id}"


async def schedule_occurrence(
    session: AsyncSession,
    series: MeetingSeries,
    occ: MeetingOccurrence,
    now: datetime,
    *,
    lang: str = "sv",
) -> None:
    """The occurrence's reminder and minutes schedules (one-shot, local time)."""
    assert occ.id is not None
    for lead in series.lead_days or DEFAULT_LEADS:
        at = reminder_at(occ, int(lead), series.timezone)
        key = reminder_key(occ.id, int(lead))
        if at <= now:
            await schedules_repo.deactivate_schedule(session, key)
            continue  # too late for this one; a nearer lead still reminds
        await schedules_repo.upsert_schedule(
            session,
            key,
            REMINDER_KIND,
            occ.unit_id,
            _one_shot(at, series.timezone),
            {"occurrence_id": occ.id, "lead_days": int(lead), "lang": lang},
            12 * 3600,
            timezone=series.timezone,
        )
    unit = await session.get(Unit, occ.unit_id)
    after = holidays.minutes_delay(unit.defaults if unit is not None else None)
    await schedules_repo.upsert_schedule(
        session,
        minutes_key(occ.id),
        MINUTES_KIND,
        occ.unit_id,
        _one_shot(occ.ends_at + after, series.timezone),
        {"occurrence_id": occ.id, "lang": lang},
        24 * 3600,
        timezone=series.timezone,
    )


async def cancel_occurrence(session: AsyncSession, occ: MeetingOccurrence, now: datetime) -> None:
    assert occ.id is not None
    occ.status = "cancelled"
    occ.updated_at = now
    for row in await schedules_repo.list_schedules(session):
        if row.key.startswith(f"{REMINDER_KIND}:{occ.id}:") or row.key == minutes_key(occ.id):
            await schedules_repo.deactivate_schedule(session, row.key)
    await session.flush()


async def move_occurrence(
    session: AsyncSession,
    series: MeetingSeries,
    occ: MeetingOccurrence,
    day: date,
    start: time | None,
    end: time | None,
    now: datetime,
    lang: str = "sv",
) -> None:
    from core.recurrence import local_instant

    zone = ZoneInfo(series.timezone)
    old_start = occ.starts_at.astimezone(zone)
    old_end = occ.ends_at.astimezone(zone)
    start = start or old_start.time()
    if end is None:
        end = (datetime.combine(day, start) + (old_end - old_start)).time()
    new_start = local_instant(day, start, series.timezone)
    if new_start <= now:
        raise MeetingError("past_date")
    occ.starts_at = new_start
    occ.ends_at = local_instant(day, end, series.timezone)
    if occ.ends_at <= occ.starts_at:
        raise MeetingError("bad_time")
    occ.status = "moved"
    occ.updated_at = now
    await session.flush()
    await schedule_occurrence(session, series, occ, now, lang=lang)


async def materialize(
    session: AsyncSession, series: MeetingSeries, start: datetime, end: datetime, policy: str
) -> MeetingOccurrence:
    """The series' occurrence in slot `start`, inserted unless it exists, with the unit's
    holiday policy applied the first time (a slot on a day off is skipped, moved, or held
    for the coordinator to answer)."""
    occ = await _insert_slot(session, series, start, end)
    if occ.holiday_action is None and occ.status == "scheduled" and occ.starts_at == start:
        zone = ZoneInfo(series.timezone)
        placed = holidays.place(start.astimezone(zone).date(), policy)
        if placed.holiday is not None:
            apply_placement(occ, series, placed)
            await session.flush()
    return occ


def apply_placement(
    occ: MeetingOccurrence, series: MeetingSeries, placed: holidays.Placement
) -> None:
    """Apply a holiday placement to an occurrence still where its rule put it."""
    from core.recurrence import local_instant

    occ.holiday, occ.holiday_action = placed.holiday, placed.action
    occ.updated_at = utcnow()
    if placed.held_on is None:
        occ.status = "cancelled"
    elif placed.held_on != placed.day:
        zone = ZoneInfo(series.timezone)
        start, end = occ.slot_at.astimezone(zone), occ.ends_at.astimezone(zone)
        occ.starts_at = local_instant(placed.held_on, start.time(), series.timezone)
        occ.ends_at = local_instant(placed.held_on, end.time(), series.timezone)
        occ.status = "moved"


async def holiday_policy(session: AsyncSession, series: MeetingSeries) -> str:
    unit = await session.get(Unit, series.unit_id)
    return holidays.policy_of(unit.defaults if unit is not None else None)


async def _insert_slot(
    session: AsyncSession, series: MeetingSeries, start: datetime, end: datetime
) -> MeetingOccurrence:
    """The series' occurrence in slot `start`, inserted unless it exists. Insert first:
    the daily sync and a command may plan the same slot at once."""
    await insert_missing(
        session,
        MeetingOccurrence,
        {
            "series_id": series.id,
            "unit_id": series.unit_id,
            "slot_at": start,
            "starts_at": start,
            "ends_at": end,
            "place": series.place,
            "status": "scheduled",
            "updated_at": utcnow(),
        },
        ["series_id", "slot_at"],
    )
    return (
        await session.execute(
            select(MeetingOccurrence).where(
                col(MeetingOccurrence.series_id) == series.id,
                col(MeetingOccurrence.slot_at) == start,
            )
        )
    ).scalar_one()
