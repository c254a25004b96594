"""Firing one occurrence, and catching up after downtime.

Everything here but `run_after_commit` runs inside the caller's transaction: the
ScheduleRun row, the job's outbox rows and `last_occurrence_at` commit together or not
at all. The job for a kind comes from scheduler/kinds.py; `context` is handed to it
unchanged. Once that transaction has committed, the caller hands what fired to
`run_after_commit`, for the kinds whose job talks to the outside world.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from core.occurrences import InvalidSpec, latest_occurrences
from scheduler.kinds import AFTER_COMMIT, handler_for
from services.context import JobContext
from storage import schedules_repo
from storage.db import Database
from storage.models import Schedule

# After a long downtime only the latest missed occurrences get a row each; older
# ones are not recorded at all (a per-minute schedule down for a week would
# otherwise write 10,000 rows that tell nobody anything new).
MISSED_CAP = 50


async def fire(
    session: AsyncSession, schedule: Schedule, occurrence_at: datetime, context: JobContext
) -> bool:
    """Handle one occurrence: record it and run the kind's job, exactly once.

    Returns False, doing nothing, when the occurrence was already handled (by
    another instance, a double fire, or recorded as missed). Raises
    UnknownJobKind before writing anything when the kind is not in the table.
    """
    return bool(await fire_many(session, [(schedule, occurrence_at)], context))


async def fire_many(
    session: AsyncSession, due: Sequence[tuple[Schedule, datetime]], context: JobContext
) -> list[tuple[Schedule, datetime]]:
    """`fire` for many occurrences at once (one INSERT for all their runs); returns
    those that were new and ran. If a job raises, the caller rolls the lot back."""
    handlers = {schedule.kind: handler_for(schedule.kind) for schedule, _ in due}
    pending = {(schedule.id, _utc(when)): schedule for schedule, when in due}
    new = await schedules_repo.insert_runs(
        session, [(sid, when) for sid, when in pending if sid is not None], "fired"
    )
    fired = [(schedule, when) for (sid, when), schedule in pending.items() if (sid, when) in new]
    for schedule, when in fired:
        await handlers[schedule.kind](session, schedule, when, context)
    await schedules_repo.advance_last_occurrence(session, fired)
    return fired


async def run_after_commit(
    db: Database, fired: Sequence[tuple[Schedule, datetime]], context: JobContext
) -> None:
    """The `AFTER_COMMIT` jobs of occurrences whose runs are committed, one after another.
    Call it after the firing transaction, never inside it."""
    for schedule, when in fired:
        job = AFTER_COMMIT.get(schedule.kind)
        if job is not None:
            await job(db, schedule, when, context)


async def record_missed(
    session: AsyncSession, schedule: Schedule, occurrences: Sequence[datetime]
) -> int:
    """Record occurrences that will not fire; returns how many were new."""
    if not occurrences:
        return 0
    assert schedule.id is not None
    whens = [_utc(o) for o in occurrences]
    new = await schedules_repo.insert_runs(session, [(schedule.id, w) for w in whens], "missed")
    await schedules_repo.advance_last_occurrence(session, [(schedule, max(whens))])
    return len(new)


def catch_up_start(schedule: Schedule) -> datetime:
    """Occurrences after this instant are still owed.

    The last one handled, and never before the schedule's last configuration
    change: a schedule edited (or re-activated) owes nothing from before the edit.
    """
    handled = schedule.last_occurrence_at or schedule.created_at
    return max(handled, schedule.updated_at)


def owed_by(schedules: Sequence[Schedule], now: datetime) -> dict[int, list[datetime]]:
    """Per schedule id, the occurrences not yet handled up to `now`: at most
    MISSED_CAP + 1, newest last. Computed once per distinct trigger and zone, so
    ten thousand schedules on a few cadences cost a few look-ups."""
    groups: dict[tuple[str, str], list[Schedule]] = {}
    for schedule in schedules:
        spec = json.dumps(schedule.trigger, sort_keys=True, default=str)
        groups.setdefault((spec, schedule.timezone), []).append(schedule)
    found: dict[int, list[datetime]] = {}
    for (_, zone), members in groups.items():
        starts = [catch_up_start(s) for s in members]
        try:
            latest = latest_occurrences(members[0].trigger, zone, min(starts), now, MISSED_CAP + 1)
        except (InvalidSpec, ValueError, KeyError):
            continue  # the scheduler reports invalid triggers when it builds the job
        for schedule, start in zip(members, starts, strict=True):
            pending = [when for when in latest if when > start]
            if pending and schedule.id is not None:
                found[schedule.id] = pending
    return found


@dataclass
class CatchUp:
    fired: datetime | None = None
    missed: list[datetime] = field(default_factory=list)


async def catch_up(
    session: AsyncSession, schedule: Schedule, now: datetime, context: JobContext
) -> CatchUp:
    """After downtime: fire the latest owed occurrence if it is within the grace
    window (once, however many were missed), and record the older ones as missed."""
    assert schedule.id is not None
    return (await catch_up_many(session, [schedule], now, context)).get(schedule.id, CatchUp())


async def catch_up_many(
    session: AsyncSession, schedules: Sequence[Schedule], now: datetime, context: JobContext
) -> dict[int, CatchUp]:
    """`catch_up` for many schedules, with one INSERT for the runs of all of them.
    Returns a CatchUp for each schedule that owed something."""
    plans: dict[int, CatchUp] = {}
    to_fire: list[tuple[Schedule, datetime]] = []
    by_id = {s.id: s for s in schedules if s.id is not None}
    for schedule_id, pending in owed_by(schedules, now).items():
        schedule = by_id[schedule_id]
        plan = plans[schedule_id] = CatchUp()
        if now - pending[-1] <= timedelta(seconds=schedule.grace_seconds):
            plan.fired = pending.pop()
            to_fire.append((schedule, plan.fired))
        plan.missed = pending[-MISSED_CAP:]
    fired = {(s.id, when) for s, when in await fire_many(session, to_fire, context)}
    for schedule_id, plan in plans.items():
        if (schedule_id, plan.fired) not in fired:
            plan.fired = None  # another instance got there first
    missed = [(sid, when) for sid, plan in plans.items() for when in plan.missed]
    await schedules_repo.insert_runs(session, missed, "missed")
    await schedules_repo.advance_last_occurrence(
        session, [(by_id[sid], plan.missed[-1]) for sid, plan in plans.items() if plan.missed]
    )
    return plans


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("occurrence_at must be timezone-aware")
    return when.astimezone(UTC)
