"""The live scheduler: schedule rows -> in-memory APScheduler jobs -> `fire`.

Run it on the leader only (bot/leader.py decides). At start it catches up on
what was missed while no leader ran, then builds one job per active schedule.
It rebuilds a schedule's job whenever its row changes: `notify_changed()` in this
process, and a cheap fingerprint poll for changes made by other processes.

APScheduler only decides *when*; a job just queues (schedule, occurrence), and one
worker fires queued occurrences in batches (a savepoint each, one commit per
batch), so a thousand schedules due in the same second cost a few transactions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from core.occurrences import InvalidSpec, latest_occurrence, next_occurrence
from scheduler import firing
from scheduler.jobs import UnknownJobKind
from scheduler.trigger import OccurrenceTrigger
from storage import schedules_repo
from storage.db import Database
from storage.models import Schedule
from storage.types import utcnow

log = logging.getLogger(__name__)

Action = Literal["fire", "missed"]


@dataclass(frozen=True)
class _Built:
    """What a job was built from; a different value means rebuild it."""

    version: int
    kind: str
    trigger: tuple[tuple[str, str], ...]
    timezone: str
    grace_seconds: int
    updated_at: datetime

    @classmethod
    def of(cls, row: Schedule) -> _Built:
        trigger = tuple(sorted((k, str(v)) for k, v in row.trigger.items()))
        return cls(row.version, row.kind, trigger, row.timezone, row.grace_seconds, row.updated_at)


def _job_id(schedule_id: int) -> str:
    return f"schedule:{schedule_id}"


class ScheduleService:
    def __init__(self, db: Database, *, poll_seconds: float = 3.0, batch_size: int = 500) -> None:
        self.db = db
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.load_seconds: float | None = None  # duration of the last full load
        self.fired = 0
        self.failed = 0
        self._scheduler: AsyncIOScheduler | None = None
        self._built: dict[int, _Built] = {}
        self._specs: dict[int, Schedule] = {}
        self._fingerprint: schedules_repo.Fingerprint | None = None
        self._changed = asyncio.Event()
        self._queue: asyncio.Queue[tuple[Action, int, datetime]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def running(self) -> bool:
        return self._scheduler is not None

    async def start(self) -> None:
        """Catch up, build every job, and start firing. Idempotent."""
        if self._scheduler is not None:
            return
        scheduler = AsyncIOScheduler(
            timezone=UTC,
            # A job only queues work, so overlap is harmless and coalescing keeps
            # a stalled loop from firing a backlog one by one.
            job_defaults={"coalesce": True, "max_instances": 10},
        )
        scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED)
        self._scheduler = scheduler
        self._built.clear()
        self._specs.clear()
        self._fingerprint = None
        started = time.perf_counter()
        try:
            await self.sync()  # jobs added before start() are pending, then added at once
        except BaseException:
            self._scheduler = None
            raise
        scheduler.start()
        self.load_seconds = time.perf_counter() - started
        log.info("scheduler started: %d jobs in %.2f s", len(self._built), self.load_seconds)
        self._tasks = [
            asyncio.create_task(self._fire_worker(), name="schedule-firing"),
            asyncio.create_task(self._poll(), name="schedule-poll"),
        ]

    async def stop(self) -> None:
        """Stop firing (leadership lost, or shutdown). Queued occurrences are dropped;
        the next leader's catch-up covers them."""
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._queue = asyncio.Queue()
        self._built.clear()
        self._specs.clear()

    def notify_changed(self) -> None:
        """A schedule row changed in this process: apply it now, not at the next poll."""
        self._changed.set()

    def next_fire_times(self) -> dict[int, datetime | None]:
        """Schedule id -> next fire time (UTC), for the jobs this leader holds."""
        if self._scheduler is None:
            return {}
        found: dict[int, datetime | None] = {}
        for job in self._scheduler.get_jobs():
            schedule_id = int(job.id.split(":", 1)[1])
            run = getattr(job, "next_run_time", None)
            found[schedule_id] = run.astimezone(UTC) if run else None
        return found

    async def gauges(self) -> dict[str, float]:
        """For bot.metrics: jobs loaded and occurrences fired/failed since start."""
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
            with contextlib.suppress(Exception):
                scheduler.remove_job(_job_id(schedule_id))
            del self._built[schedule_id]
            self._specs.pop(schedule_id, None)
        changed = [row for sid, row in wanted.items() if self._built.get(sid) != _Built.of(row)]
        now = utcnow()
        await self._catch_up([row for row in changed if firing.owed(row, now)], now)
        for row in changed:
            self._add_job(scheduler, row, now)
        self._fingerprint = fp
        if changed:
            log.info("schedules: %d (re)built, %d active", len(changed), len(self._built))

    def _add_job(self, scheduler: AsyncIOScheduler, row: Schedule, now: datetime) -> None:
        assert row.id is not None
        try:
            trigger = OccurrenceTrigger(row.trigger, row.timezone)
            first = next_occurrence(row.trigger, row.timezone, now)
        except (InvalidSpec, ValueError, KeyError) as exc:
            log.error("schedule %s has an invalid trigger %r: %s", row.key, row.trigger, exc)
            if self._built.pop(row.id, None) is not None:
                scheduler.remove_job(_job_id(row.id))
            self._specs.pop(row.id, None)
            return
        options: dict[str, Any] = {}
        if first is not None:
            options["next_run_time"] = first  # already computed: spare the trigger a call
        scheduler.add_job(
            self._due,
            trigger,
            args=[row.id],
            id=_job_id(row.id),
            name=row.key,
            replace_existing=True,
            misfire_grace_time=max(1, row.grace_seconds),
            **options,
        )
        self._built[row.id] = _Built.of(row)
        self._specs[row.id] = row

    async def _catch_up(self, rows: list[Schedule], now: datetime) -> None:
        for start in range(0, len(rows), self.batch_size):
            async with self.db.session() as session:
                fresh = await schedules_repo.schedules_by_id(
                    session, [r.id for r in rows[start : start + self.batch_size] if r.id]
                )
                for row in fresh.values():
                    try:
                        async with session.begin_nested():
                            result = await firing.catch_up(session, row, now)
                    except Exception:
                        self.failed += 1
                        log.exception("catch-up of schedule %s failed", row.key)
                        continue
                    if result.fired:
                        self.fired += 1
                    if result.missed:
                        log.warning(
                            "schedule %s: %d occurrence(s) missed while no leader ran%s",
                            row.key,
                            len(result.missed),
                            f" (only the latest {firing.MISSED_CAP} are recorded)"
                            if len(result.missed) >= firing.MISSED_CAP
                            else "",
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

    async def _due(self, schedule_id: int) -> None:
        """APScheduler's job: work out which occurrence is due and queue it."""
        row = self._specs.get(schedule_id)
        if row is None:
            return
        within = timedelta(seconds=max(1, row.grace_seconds))
        when = latest_occurrence(row.trigger, row.timezone, utcnow(), within)
        if when is not None:
            self._queue.put_nowait(("fire", schedule_id, when))

    def _on_missed(self, event: JobExecutionEvent) -> None:
        # The loop was blocked past the grace window: say so in the runs table.
        schedule_id = int(str(event.job_id).split(":", 1)[1])
        self._queue.put_nowait(("missed", schedule_id, event.scheduled_run_time.astimezone(UTC)))

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
        async with self.db.session() as session:
            rows = await schedules_repo.schedules_by_id(session, [sid for _, sid, _ in batch])
            for action, schedule_id, when in batch:
                row = rows.get(schedule_id)
                if row is None or not row.active:
                    continue
                try:
                    async with session.begin_nested():
                        if action == "fire":
                            if await firing.fire(session, row, when):
                                self.fired += 1
                        else:
                            await firing.record_missed(session, row, [when])
                except UnknownJobKind as exc:
                    self.failed += 1
                    log.error("schedule %s: %s", row.key, exc)
                except Exception:
                    self.failed += 1
                    log.exception("schedule %s failed at %s", row.key, when.isoformat())
