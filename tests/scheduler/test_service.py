"""The live scheduler in this process: picks up changes without a restart, catches up at start."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from scheduler.service import ScheduleService
from scheduler.trigger import OccurrenceTrigger
from storage import schedules_repo
from storage.db import Database
from storage.models import Schedule, ScheduleRun
from storage.types import utcnow
from tests.support.jobs import job_context
from tests.support.scheduler import runs


async def eventually(check: Callable[[], Awaitable[bool]], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out after {within} s waiting for {what}")


async def upsert(db: Database, trigger: dict[str, object], **kw: Any) -> Schedule:
    async with db.session() as s:
        return await schedules_repo.upsert_schedule(s, "noop:test", "noop", None, trigger, **kw)


async def runs_after(db: Database, when: datetime) -> list[ScheduleRun]:
    return [r for r in await runs(db, "fired") if r.occurrence_at > when]


@pytest.fixture
async def service(db: Database) -> AsyncIterator[ScheduleService]:
    svc = ScheduleService(db, job_context(), poll_seconds=0.3)
    yield svc
    await svc.stop()


async def test_added_changed_and_deactivated_schedules_apply_without_restart(
    db: Database, service: ScheduleService
) -> None:
    await service.start()
    assert service.next_fire_times() == {}

    # Added by "another process" (no notify): the fingerprint poll finds it.
    row = await upsert(db, {"second": "*"})
    await eventually(lambda: _count(db, 2), 5, "two runs of the new schedule")

    # Changed to even seconds only.
    changed_at = utcnow()
    await upsert(db, {"second": "*/2"})
    await eventually(
        lambda: _after(db, changed_at + timedelta(seconds=1), 2), 6, "runs after change"
    )
    later = await runs_after(db, changed_at + timedelta(seconds=1))
    assert all(r.occurrence_at.second % 2 == 0 for r in later)

    # Deactivated: its job goes away and nothing more fires.
    async with db.session() as s:
        await schedules_repo.deactivate_schedule(s, row.key)
    await eventually(lambda: _no_job(service), 3, "the job to be removed")
    count = len(await runs(db))
    await asyncio.sleep(1.3)
    assert len(await runs(db)) == count


async def test_notify_changed_applies_without_waiting_for_the_poll(db: Database) -> None:
    svc = ScheduleService(db, job_context(), poll_seconds=60)
    await svc.start()
    try:
        row = await upsert(db, {"second": "*"})
        svc.notify_changed()
        await eventually(lambda: _count(db, 1), 3, "a run")
        assert row.id in svc.next_fire_times()
    finally:
        await svc.stop()


async def test_start_catches_up_after_downtime(db: Database, service: ScheduleService) -> None:
    row = await upsert(db, {"minute": "*/10"}, grace_seconds=24 * 3600)
    now = utcnow()
    async with db.session() as s:
        fresh = await s.get(Schedule, row.id)
        assert fresh is not None
        fresh.created_at = fresh.updated_at = now - timedelta(days=2)
        fresh.last_occurrence_at = now - timedelta(hours=1, minutes=10)
    await service.start()
    recorded = await runs(db)
    latest = max(r.occurrence_at for r in recorded)
    assert [r.status for r in recorded if r.occurrence_at == latest] == ["fired"]
    assert 6 <= len([r for r in recorded if r.status == "missed"]) <= 7
    assert now - latest <= timedelta(minutes=10)
    assert service.load_seconds is not None


def test_the_live_trigger_follows_the_dst_rules() -> None:
    trigger = OccurrenceTrigger({"hour": 2, "minute": 30}, "Europe/Stockholm")
    spring = trigger.get_next_fire_time(None, datetime(2026, 3, 28, 12, tzinfo=UTC))
    assert spring == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST
    assert trigger.get_next_fire_time(spring, spring) == datetime(2026, 3, 30, 0, 30, tzinfo=UTC)
    autumn = trigger.get_next_fire_time(None, datetime(2026, 10, 24, 12, tzinfo=UTC))
    assert autumn == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, the first pass
    assert trigger.get_next_fire_time(autumn, autumn) == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)


async def _count(db: Database, n: int) -> bool:
    return len(await runs(db, "fired")) >= n


async def _after(db: Database, when: datetime, n: int) -> bool:
    return len(await runs_after(db, when)) >= n


async def _no_job(service: ScheduleService) -> bool:
    return service.next_fire_times() == {}


async def test_a_failing_job_loses_only_its_own_occurrence(
    db: Database, service: ScheduleService
) -> None:
    async with db.session() as s:
        good = await schedules_repo.upsert_schedule(s, "good", "noop", None, {"second": "*"})
        # A real job that always fails: a purge whose payload is not a number of months.
        bad = await schedules_repo.upsert_schedule(
            s, "bad", "retention_purge", None, {"second": "*"}, {"months": "many"}
        )
    await service.start()
    await eventually(lambda: _count(db, 2), 5, "the healthy schedule to fire")
    fired = {r.schedule_id for r in await runs(db)}
    assert good.id in fired and bad.id not in fired
    assert service.failed >= 1
