"""Firing one occurrence, and catching up after downtime.

Everything here runs inside the caller's transaction: the ScheduleRun row, the
job's outbox rows and `last_occurrence_at` commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from core.occurrences import latest_occurrences, next_occurrence
from scheduler.jobs import handler_for
from storage import schedules_repo
from storage.models import Schedule

# After a long downtime only the latest missed occurrences get a row each; older
# ones are not recorded at all (a per-minute schedule down for a week would
# otherwise write 10,000 rows that tell nobody anything new).
MISSED_CAP = 50


async def fire(session: AsyncSession, schedule: Schedule, occurrence_at: datetime) -> bool:
    """Handle one occurrence: record it and run the kind's job, exactly once.

    Returns False, doing nothing, when the occurrence was already handled (by
    another instance, a double fire, or recorded as missed). Raises
    UnknownJobKind before writing anything when no handler is registered.
    """
    handler = handler_for(schedule.kind)
    assert schedule.id is not None
    when = _utc(occurrence_at)
    if not await schedules_repo.insert_runs(session, schedule.id, [when], "fired"):
        return False
    await handler(session, schedule, when)
    await schedules_repo.advance_last_occurrence(session, schedule, when)
    return True


async def record_missed(
    session: AsyncSession, schedule: Schedule, occurrences: Sequence[datetime]
) -> int:
    """Record occurrences that will not fire; returns how many were new."""
    if not occurrences:
        return 0
    assert schedule.id is not None
    whens = [_utc(o) for o in occurrences]
    count = await schedules_repo.insert_runs(session, schedule.id, whens, "missed")
    await schedules_repo.advance_last_occurrence(session, schedule, max(whens))
    return count


def catch_up_start(schedule: Schedule) -> datetime:
    """Occurrences after this instant are still owed.

    The last one handled, and never before the schedule's last configuration
    change: a schedule edited (or re-activated) owes nothing from before the edit.
    """
    handled = schedule.last_occurrence_at or schedule.created_at
    return max(handled, schedule.updated_at)


def owed(schedule: Schedule, now: datetime) -> list[datetime]:
    """Occurrences not yet handled up to `now`: at most MISSED_CAP + 1, newest last."""
    start = catch_up_start(schedule)
    first = next_occurrence(schedule.trigger, schedule.timezone, start)
    if first is None or first > now:  # the common case, one cheap step
        return []
    return latest_occurrences(schedule.trigger, schedule.timezone, start, now, MISSED_CAP + 1)


@dataclass
class CatchUp:
    fired: datetime | None = None
    missed: list[datetime] = field(default_factory=list)


async def catch_up(session: AsyncSession, schedule: Schedule, now: datetime) -> CatchUp:
    """After downtime: fire the latest owed occurrence if it is within the grace
    window (once, however many were missed), and record the older ones as missed."""
    pending = owed(schedule, now)
    result = CatchUp()
    if not pending:
        return result
    latest = pending[-1]
    if now - latest <= timedelta(seconds=schedule.grace_seconds):
        pending = pending[:-1]
        if await fire(session, schedule, latest):
            result.fired = latest
    result.missed = pending[-MISSED_CAP:]
    await record_missed(session, schedule, result.missed)
    return result


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("occurrence_at must be timezone-aware")
    return when.astimezone(UTC)
