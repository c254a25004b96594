"""The live scheduler: schedule rows -> in-memory APScheduler jobs -> `fire`.

Run it on the leader only (runtime/leader.py decides). At start it catches up on
what was missed while no leader ran, then builds the jobs. It rebuilds them
whenever a row changes: `notify_changed()` in this process, and a cheap
fingerprint poll for changes made by other processes.

Schedules that fire at the same instants (same cron fields, zone and grace) share
one APScheduler job: every unit's Monday 08:00 digest is one wake-up, not hundreds.
A job only queues (schedule, occurrence) pairs; one worker fires what is queued
in batches (one transaction, one INSERT of runs per batch), and if a job's handler
fails the batch is retried one by one so only the failing occurrence is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from core.occurrences import InvalidSpec, latest_occurrences, next_occurrence
from scheduler import firing
from scheduler.kinds import AFTER_COMMIT, UnknownJobKind
from scheduler.trigger import OccurrenceTrigger
from services.context import JobContext
from storage import schedules_repo
from storage.db import Database
from storage.models import Schedule
from storage.types import utcnow

log = logging.getLogger(__name__)

Action = Literal["fire", "missed"]


@dataclass(frozen=True)
class _When:
    """When a schedule fires; schedules with equal values share one job."""

    trigger: str  # the cron fields as canonical JSON
    timezone: str
    grace_seconds: int

    @classmethod
    def of(cls, row: Schedule) -> _When:
        trigger = json.dumps(row.trigger, sort_keys=True, default=str)
        return cls(trigger, row.timezone, row.grace_seconds)

    @property
    def spec(self) -> dict[str, Any]:
        return dict(json.loads(self.trigger))

    @property
    def job_id(self) -> str:
        return f"{self.timezone}|{self.grace_seconds}|{self.trigger}"


@dataclass(frozen=True)
class _Built:
    """What a schedule's place in the jobs was built from; a change means rebuild."""

    when: _When
    version: int
    kind: str
    updated_at: datetime

    @classmethod
    def of(cls, row: Schedule) -> _Built:
        return cls(_When.of(row), row.version, row.kind, row.updated_at)


GAUGE_HELP = {
    "samverkan_schedules_loaded": "Schedules the leader has turned into timed jobs",
    "samverkan_schedule_fired": "Schedule occurrences fired since this leader started",
    "samverkan_schedule_failed": "Schedule occurrences that failed since this leader started",
}


class ScheduleService:
    def __init__(
        self,
        db: Database,
        context: JobContext,
        *,
        poll_seconds: float = 3.0,
        batch_size: int = 500,
    ) -> None:
        self.db = db
        self.context = context  # handed to every job it fires
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.load_seconds: float | None = None  # duration of the last start
        self.fired = 0
        self.failed = 0
        self._scheduler: AsyncIOScheduler | None = None
        self._built: dict[int, _Built] = {}
        self._members: dict[_When, set[int]] = {}
        self._fingerprint: schedules_repo.Fingerprint | None = None
        self._changed = asyncio.Event()
        self._queue: asyncio.Queue[tuple[Action, int, datetime]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._after: set[asyncio.Task[None]] = set()  # AFTER_COMMIT jobs under way

    @property
    def running(self) -> bool:
        return self._scheduler is not None

    @property
    def job_count(self) -> int:
        """APScheduler jobs held: one per distinct (cron fields, zone, grace)."""
        return len(self._members)

    async def start(self) -> None:
        """Catch up, build the jobs, and start firing. Idempotent."""
        if self._scheduler is not None:
            return
        started = time.perf_counter()
        # A job only queues work, so overlapping runs are harmless; coalescing keeps a
        # stalled loop from firing a backlog one by one.
        scheduler = AsyncIOScheduler(
            timezone=UTC, job_defaults={"coalesce": True, "max_instances": 10}
        )
        scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED)
        self._scheduler = scheduler
        try:
            await self.sync()  # jobs added before start() wait as pending, then go in at once
        except BaseException:
            self._reset()
            raise
        scheduler.start()
        self._tasks = [
            asyncio.create_task(self._fire_worker(), name="schedule-firing"),
            asyncio.create_task(self._poll(), name="schedule-poll"),
        ]
        self.load_seconds = time.perf_counter() - started
        log.info(
            "scheduler started: %d schedules in %d jobs, %.2f s",
            len(self._built),
            len(self._members),
            self.load_seconds,
        )

    async def stop(self) -> None:
        """Stop firing (leadership lost, or shutdown). Queued occurrences are dropped;
        the next leader's catch-up covers them."""
        scheduler = self._scheduler
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        tasks, self._tasks = [*self._tasks, *self._after], []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._reset()

    def _reset(self) -> None:
        self._scheduler = None
        self._built.clear()
        self._members.clear()
        self._fingerprint = None
        self._queue = asyncio.Queue()

    def notify_changed(self) -> None:
        """A schedule row changed in this process: apply it now, not at the next poll."""
        self._changed.set()

    def next_fire_times(self) -> dict[int, datetime | None]:
        """Schedule id -> next fire time (UTC), for the schedules this leader runs."""
        if self._scheduler is None:
            return {}
        found: dict[int, datetime | None] = {}
        for when, members in self._members.items():
            job = self._scheduler.get_job(when.job_id)
            run = getattr(job, "next_run_time", None) if job else None
            for schedule_id in members:
                found[schedule_id] = run.astimezone(UTC) if run else None
        return found

    async def gauges(self) -> dict[str, float]:
        """For infra.metrics: schedules loaded, and occurrences fired/failed since start."""
        return {
            "samverkan_schedules_loaded": float(len(self._built)),
            "samverkan_schedule_fired": float(self.fired),
            "samverkan_schedule_failed": float(self.failed),
        }

    # -- loading ------------------------------------------------------------------------

    async def sync(self) -> None:
        """Bring the jobs in line with the rows, if the fingerprint moved."""
        scheduler = self._scheduler
        if scheduler is None:
            return
        async with self.db.session() as session:
            # Fingerprint first: a change landing after it is seen by the next poll.
            fp = await schedules_repo.fingerprint(session)
            if fp == self._fingerprint:
                return
            rows = await schedules_repo.list_schedules(session, active_only=True)
        wanted = {row.id: row for row in rows if row.id is not None}
        for schedule_id in [sid for sid in self._built if sid not in wanted]:
            self._leave(scheduler, schedule_id)
        changed = [row for sid, row in wanted.items() if self._built.get(sid) != _Built.of(row)]
        now = utcnow()
        owing = firing.owed_by(changed, now)
        await self._catch_up([row for row in changed if row.id in owing], now)
        for row in changed:
            self._join(scheduler, row, now)
        self._fingerprint = fp
        if changed:
            log.info(
                "schedules: %d (re)built; %d active in %d jobs",
                len(changed),
                len(self._built),
                len(self._members),
            )

    def _join(self, scheduler: AsyncIOScheduler, row: Schedule, now: datetime) -> None:
        assert row.id is not None
        self._leave(scheduler, row.id)
        when = _When.of(row)
        if when not in self._members:
            try:
                trigger = OccurrenceTrigger(when.spec, when.timezone)
                first = next_occurrence(when.spec, when.timezone, now)
            except (InvalidSpec, ValueError, KeyError) as exc:
                log.error("schedule %s has an invalid trigger %r: %s", row.key, row.trigger, exc)
                return
            options: dict[str, Any] = {"next_run_time": first} if first else {}
            scheduler.add_job(
                self._due,
                trigger,
                args=[when],
                id=when.job_id,
                name=when.trigger,
                replace_existing=True,
                misfire_grace_time=max(1, when.grace_seconds),
                **options,
            )
            self._members[when] = set()
        self._members[when].add(row.id)
        self._built[row.id] = _Built.of(row)

    def _leave(self, scheduler: AsyncIOScheduler, schedule_id: int) -> None:
        built = self._built.pop(schedule_id, None)
        if built is None:
            return
        members = self._members.get(built.when)
        if members is None:
            return
        members.discard(schedule_id)
        if not members:
            del self._members[built.when]
            with contextlib.suppress(Exception):
                scheduler.remove_job(built.when.job_id)

    def _after_commit(self, fired: list[tuple[Schedule, datetime]]) -> None:
        """Start the AFTER_COMMIT jobs of what just fired (committed), beside the firing
        worker, so a slow outside service delays no other schedule."""
        outside = [(row, when) for row, when in fired if row.kind in AFTER_COMMIT]
        if outside:
            task = asyncio.create_task(self._run_after_commit(outside), name="schedule-after")
            self._after.add(task)
            task.add_done_callback(self._after.discard)

    async def _run_after_commit(self, fired: list[tuple[Schedule, datetime]]) -> None:
        for row, when in fired:
            try:
                await firing.run_after_commit(self.db, [(row, when)], self.context)
            except Exception:
                self.failed += 1
                log.exception("schedule %s failed after firing at %s", row.key, when.isoformat())

    async def _catch_up(self, rows: list[Schedule], now: datetime) -> None:
        for start in range(0, len(rows), self.batch_size):
            async with self.db.session() as session:
                chunk = [r.id for r in rows[start : start + self.batch_size] if r.id is not None]
                fresh = list((await schedules_repo.schedules_by_id(session, chunk)).values())
                try:
                    async with session.begin_nested():
                        plans = await firing.catch_up_many(session, fresh, now, self.context)
                except Exception:
                    log.warning("catch-up failed for a batch of %d; one by one", len(fresh))
                    session.expire_all()  # in-memory values may hold the rolled-back ones
                    fresh = list((await schedules_repo.schedules_by_id(session, chunk)).values())
                    plans = {}
                    for row in fresh:
                        try:
                            async with session.begin_nested():
                                plans[row.id or 0] = await firing.catch_up(
                                    session, row, now, self.context
                                )
                        except Exception:
                            self.failed += 1
                            log.exception("catch-up of schedule %s failed", row.key)
            self._report(fresh, plans)
            self._after_commit(
                [
                    (row, fired)
                    for row in fresh
                    if (fired := plans.get(row.id or 0, firing.CatchUp()).fired) is not None
                ]
            )

    def _report(self, rows: list[Schedule], plans: dict[int, firing.CatchUp]) -> None:
        keys = {row.id: row.key for row in rows}
        for schedule_id, plan in plans.items():
            self.fired += 1 if plan.fired else 0
            if plan.missed:
                capped = len(plan.missed) >= firing.MISSED_CAP
                log.warning(
                    "schedule %s: %d occurrence(s) missed while no leader ran%s",
                    keys.get(schedule_id),
                    len(plan.missed),
                    f" (only the latest {firing.MISSED_CAP} are recorded)" if capped else "",
                )

    async def _poll(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=self.poll_seconds)
            self._changed.clear()
            try:
                await self.sync()
            except Exception:
                log.exception("reloading schedules failed; retrying at the next poll")

    # -- firing -------------------------------------------------------------------------

    async def _due(self, when: _When) -> None:
        """APScheduler's job: work out which occurrence is due and queue its schedules."""
        members = self._members.get(when)
        if not members:
            return
        now = utcnow()
        grace = timedelta(seconds=max(1, when.grace_seconds))
        found = latest_occurrences(when.spec, when.timezone, now - grace, now, 1)
        if found:
            for schedule_id in members:
                self._queue.put_nowait(("fire", schedule_id, found[-1]))

    def _on_missed(self, event: JobExecutionEvent) -> None:
        # The loop was blocked past the grace window: say so in the runs table.
        for when, members in self._members.items():
            if when.job_id == event.job_id:
                at = event.scheduled_run_time.astimezone(UTC)
                for schedule_id in members:
                    self._queue.put_nowait(("missed", schedule_id, at))

    async def _fire_worker(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.batch_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._fire_batch(batch)
            except Exception:
                self.failed += len(batch)
                log.exception("firing %d occurrence(s) failed", len(batch))

    async def _fire_batch(self, batch: list[tuple[Action, int, datetime]]) -> None:
        fired: list[tuple[Schedule, datetime]] = []
        async with self.db.session() as session:
            rows = await schedules_repo.schedules_by_id(session, [sid for _, sid, _ in batch])
            due = [
                (row, when, action)
                for action, sid, when in batch
                if (row := rows.get(sid)) is not None and row.active
            ]
            fires = [(row, when) for row, when, action in due if action == "fire"]
            try:
                async with session.begin_nested():
                    fired = await firing.fire_many(session, fires, self.context)
            except Exception:
                log.warning("a job failed in a batch of %d; firing one by one", len(fires))
                session.expire_all()  # in-memory values may hold the rolled-back ones
                rows = await schedules_repo.schedules_by_id(session, list(rows))
                for row, when in fires:
                    fired += await self._fire_one(session, rows[row.id or 0], when)
            self.fired += len(fired)
            for row, when, action in due:
                if action == "missed":
                    async with session.begin_nested():
                        await firing.record_missed(session, row, [when])
        self._after_commit(fired)

    async def _fire_one(
        self, session: Any, row: Schedule, when: datetime
    ) -> list[tuple[Schedule, datetime]]:
        try:
            async with session.begin_nested():
                return await firing.fire_many(session, [(row, when)], self.context)
        except UnknownJobKind as exc:
            self.failed += 1
            log.error("schedule %s: %s", row.key, exc)
        except Exception:
            self.failed += 1
            log.exception("schedule %s failed at %s", row.key, when.isoformat())
        return []
