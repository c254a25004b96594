"""Schedule rows (the source of truth for the scheduler) and their runs.

Producers (meeting series, digest and pulse cadence, escalation sweep) call
`upsert_schedule` with the full desired state; it bumps `version` only when
something really changed, which is what the scheduler leader watches. After a
change in this process, call `services.scheduler.notify_changed()` to
apply it at once; other processes' leaders see it on their next poll.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select

from core.dates import HOME_ZONE
from core.occurrences import validate_spec
from storage.lookup import by_ids
from storage.models import Schedule, ScheduleRun
from storage.types import utcnow
from storage.upsert import insert_missing

DEFAULT_TIMEZONE = HOME_ZONE
_ROWS_PER_INSERT = 1000  # 4 parameters each: well under SQLite's 32,766


async def upsert_schedule(
    session: AsyncSession,
    key: str,
    kind: str,
    unit_id: int | None,
    trigger: Mapping[str, Any],
    payload: Mapping[str, Any] | None = None,
    grace_seconds: int = 3600,
    *,
    timezone: str = DEFAULT_TIMEZONE,
    active: bool = True,
) -> Schedule:
    """Create or update the schedule `key`; `version` moves only on a real change.

    Raises core.occurrences.InvalidSpec for a trigger that is not a cron spec, and
    ValueError for an unknown zone or a negative grace.
    """
    validate_spec(trigger)
    ZoneInfo(timezone)  # raises for an unknown zone
    if grace_seconds < 0:
        raise ValueError("grace_seconds must be >= 0")
    desired: dict[str, Any] = {
        "kind": kind,
        "unit_id": unit_id,
        "trigger": dict(trigger),
        "timezone": timezone,
        "payload": dict(payload or {}),
        "grace_seconds": grace_seconds,
        "active": active,
    }
    now = utcnow()
    # Insert first, then read: a check-then-insert lets concurrent first callers (eight
    # first `ärende` at once, each ensuring the sweep schedule) both insert on PostgreSQL.
    created = await insert_missing(
        session,
        Schedule,
        {"key": key, **desired, "version": 1, "created_at": now, "updated_at": now},
        ["key"],
    )
    row = await get_schedule(session, key)
    assert row is not None
    if created or not _differs(row, desired):
        return row
    # A real change: lock the row, so concurrent changes each bump `version`.
    row = await get_schedule(session, key, for_update=True)
    assert row is not None
    if _differs(row, desired):
        for name, value in desired.items():
            setattr(row, name, value)
        row.version += 1
        row.updated_at = utcnow()
        await session.flush()
    return row


def _differs(row: Schedule, desired: Mapping[str, Any]) -> bool:
    return any(getattr(row, name) != value for name, value in desired.items())


async def deactivate_schedule(session: AsyncSession, key: str) -> bool:
    """Stop a schedule (its row and history stay). False if unknown or already inactive."""
    row = await get_schedule(session, key)
    if row is None or not row.active:
        return False
    row.active = False
    row.version += 1
    row.updated_at = utcnow()
    await session.flush()
    return True


async def get_schedule(
    session: AsyncSession, key: str, *, for_update: bool = False
) -> Schedule | None:
    query = select(Schedule).where(col(Schedule.key) == key)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(query)).scalar_one_or_none()


async def list_schedules(session: AsyncSession, *, active_only: bool = False) -> list[Schedule]:
    query = select(Schedule).order_by(col(Schedule.key))
    if active_only:
        query = query.where(col(Schedule.active).is_(True))
    return list((await session.execute(query)).scalars().all())


async def schedules_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, Schedule]:
    return await by_ids(session, Schedule, ids)


@dataclass(frozen=True)
class Fingerprint:
    """Cheap summary of the table: it changes whenever any row is added, edited or deleted."""

    count: int
    max_updated_at: datetime | None
    version_sum: int


async def fingerprint(session: AsyncSession) -> Fingerprint:
    count, max_updated, version_sum = (
        await session.execute(
            select(
                func.count(col(Schedule.id)),
                func.max(col(Schedule.updated_at)),
                func.coalesce(func.sum(col(Schedule.version)), 0),
            )
        )
    ).one()
    return Fingerprint(int(count), max_updated, int(version_sum))


async def insert_runs(
    session: AsyncSession, occurrences: Iterable[tuple[int, datetime]], status: str
) -> set[tuple[int, datetime]]:
    """Record (schedule id, occurrence) pairs as handled; returns the pairs that were new.

    Pairs already recorded are left alone. The unique (schedule, occurrence) makes
    this the single point that decides who fires: a second instance inserts nothing.
    """
    now = utcnow()
    values = [
        {"schedule_id": sid, "occurrence_at": when, "status": status, "recorded_at": now}
        for sid, when in dict.fromkeys(occurrences)
    ]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    new: set[tuple[int, datetime]] = set()
    for start in range(0, len(values), _ROWS_PER_INSERT):
        stmt = (
            insert(ScheduleRun)
            .values(values[start : start + _ROWS_PER_INSERT])
            .on_conflict_do_nothing(index_elements=["schedule_id", "occurrence_at"])
            .returning(col(ScheduleRun.schedule_id), col(ScheduleRun.occurrence_at))
        )
        new.update((sid, when) for sid, when in (await session.execute(stmt)).all())
    return new


async def advance_last_occurrence(
    session: AsyncSession, handled: Iterable[tuple[Schedule, datetime]]
) -> None:
    """Move each schedule's `last_occurrence_at` forward (never back).

    Leaves `updated_at` alone: that one marks configuration changes, which the
    scheduler watches. One UPDATE per distinct occurrence, however many schedules.
    """
    by_time: dict[datetime, list[Schedule]] = {}
    for schedule, when in handled:
        by_time.setdefault(when, []).append(schedule)
    for when, schedules in by_time.items():
        await session.execute(
            update(Schedule)
            .where(
                col(Schedule.id).in_([s.id for s in schedules]),
                or_(
                    col(Schedule.last_occurrence_at).is_(None),
                    col(Schedule.last_occurrence_at) < when,
                ),
            )
            .values(last_occurrence_at=when)
            .execution_options(synchronize_session=False)
        )
        for schedule in schedules:
            if schedule.last_occurrence_at is None or schedule.last_occurrence_at < when:
                set_committed_value(schedule, "last_occurrence_at", when)


async def recent_runs(
    session: AsyncSession, schedule_ids: Iterable[int], status: str, since: datetime
) -> dict[int, list[datetime]]:
    """Occurrences with `status` since `since`, newest first, per schedule."""
    wanted = list(set(schedule_ids))
    if not wanted:
        return {}
    rows = await session.execute(
        select(col(ScheduleRun.schedule_id), col(ScheduleRun.occurrence_at))
        .where(
            col(ScheduleRun.schedule_id).in_(wanted),
            col(ScheduleRun.status) == status,
            col(ScheduleRun.occurrence_at) >= since,
        )
        .order_by(col(ScheduleRun.occurrence_at).desc())
    )
    found: dict[int, list[datetime]] = {}
    for schedule_id, when in rows.all():
        found.setdefault(schedule_id, []).append(when)
    return found
