"""fire(), catch-up after downtime, and the schedules repository, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.occurrences import InvalidSpec
from scheduler.firing import MISSED_CAP, catch_up, fire
from scheduler.kinds import UnknownJobKind
from storage import schedules_repo
from storage.db import Database
from storage.models import Schedule
from tests.support.jobs import job_context
from tests.support.scheduler import outbox_keys, per_occurrence, runs, unit_with_channel

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


async def add_schedule(
    db: Database, kind: str = "ping", trigger: dict[str, object] | None = None, **kw: Any
) -> Schedule:
    async with db.session() as s:
        unit = await unit_with_channel(s)
        return await schedules_repo.upsert_schedule(
            s, f"{kind}:unit:{unit.id}", kind, unit.id, trigger or {"minute": "*/10"}, **kw
        )


async def test_firing_twice_inserts_one_run_and_one_outbox_row(db: Database) -> None:
    schedule = await add_schedule(db)
    async with db.session() as s:
        assert await fire(s, schedule, T0, job_context()) is True
    async with db.session() as s:
        assert await fire(s, schedule, T0, job_context()) is False
    assert [(r.occurrence_at, r.status) for r in await runs(db)] == [(T0, "fired")]
    assert await outbox_keys(db) == [f"ping:{schedule.id}:{T0.isoformat()}"]


async def test_concurrent_fires_of_one_occurrence_insert_once(db: Database) -> None:
    schedule = await add_schedule(db)

    async def one() -> bool:
        async with db.session() as s:
            return await fire(s, schedule, T0, job_context())

    results = await asyncio.gather(*(one() for _ in range(5)))
    assert sorted(results) == [False, False, False, False, True]
    assert list(per_occurrence(await runs(db)).values()) == [1]
    assert len(await outbox_keys(db)) == 1


async def test_fire_moves_last_occurrence_forward_only(db: Database) -> None:
    schedule = await add_schedule(db, kind="noop")
    async with db.session() as s:
        await fire(s, schedule, T0, job_context())
        await fire(
            s, schedule, T0 - timedelta(hours=1), job_context()
        )  # an older one, handled late
    async with db.session() as s:
        row = await schedules_repo.get_schedule(s, schedule.key)
    assert row is not None and row.last_occurrence_at == T0
    assert row.updated_at == schedule.updated_at  # firing is not a configuration change


async def test_unknown_kind_raises_and_writes_nothing(db: Database) -> None:
    schedule = await add_schedule(db, kind="no-such-kind")
    with pytest.raises(UnknownJobKind):
        async with db.session() as s:
            await fire(s, schedule, T0, job_context())
    assert await runs(db) == []


async def test_upsert_bumps_version_only_on_real_change(db: Database) -> None:
    schedule = await add_schedule(db, kind="noop", trigger={"hour": 8, "minute": 0})
    async with db.session() as s:
        same = await schedules_repo.upsert_schedule(
            s, schedule.key, "noop", schedule.unit_id, {"hour": 8, "minute": 0}
        )
    assert same.version == 1 and same.updated_at == schedule.updated_at
    async with db.session() as s:
        moved = await schedules_repo.upsert_schedule(
            s, schedule.key, "noop", schedule.unit_id, {"hour": 9, "minute": 0}
        )
        fp = await schedules_repo.fingerprint(s)
    assert moved.version == 2 and moved.updated_at > schedule.updated_at
    assert fp.version_sum == 2
    async with db.session() as s:
        assert await schedules_repo.deactivate_schedule(s, schedule.key) is True
        assert await schedules_repo.deactivate_schedule(s, schedule.key) is False
        assert await schedules_repo.list_schedules(s, active_only=True) == []
    with pytest.raises(InvalidSpec):
        async with db.session() as s:
            await schedules_repo.upsert_schedule(s, "bad", "noop", None, {"hour": 8, "foo": 1})


async def _downtime(
    db: Database, trigger: dict[str, object], grace: int, down: timedelta
) -> Schedule:
    """A schedule last handled `down` before T0 (as if every instance was stopped)."""
    schedule = await add_schedule(db, kind="ping", trigger=trigger, grace_seconds=grace)
    async with db.session() as s:
        row = await s.get(Schedule, schedule.id)
        assert row is not None
        row.created_at = row.updated_at = T0 - down - timedelta(days=1)
        row.last_occurrence_at = T0 - down
    async with db.session() as s:
        row = await s.get(Schedule, schedule.id)
        assert row is not None
        return row


async def test_catch_up_fires_the_latest_within_grace_once_and_records_older_missed(
    db: Database,
) -> None:
    # Every 10 minutes, down for an hour, now is 12:04: 11:10..11:50 were missed,
    # 12:00 is 4 minutes old (grace 15 minutes) and fires.
    schedule = await _downtime(db, {"minute": "*/10"}, 900, timedelta(hours=1))
    now = T0 + timedelta(minutes=4)
    async with db.session() as s:
        result = await catch_up(s, schedule, now, job_context())
    assert result.fired == T0
    expected_missed = [T0 - timedelta(minutes=m) for m in (50, 40, 30, 20, 10)]
    assert result.missed == expected_missed
    assert [(r.occurrence_at, r.status) for r in await runs(db)] == [
        *((m, "missed") for m in expected_missed),
        (T0, "fired"),
    ]
    assert await outbox_keys(db) == [f"ping:{schedule.id}:{T0.isoformat()}"]
    async with db.session() as s:  # a second catch-up (another instance) owes nothing
        again = await s.get(Schedule, schedule.id)
        assert again is not None and again.last_occurrence_at == T0
        assert (await catch_up(s, again, now, job_context())).fired is None
    assert len(await runs(db)) == 6


async def test_catch_up_beyond_grace_fires_nothing(db: Database) -> None:
    schedule = await _downtime(db, {"minute": "*/10"}, 60, timedelta(hours=1))
    async with db.session() as s:
        result = await catch_up(s, schedule, T0 + timedelta(minutes=4), job_context())
    assert result.fired is None and len(result.missed) == 6
    assert await outbox_keys(db) == []


async def test_catch_up_records_only_the_latest_missed(db: Database) -> None:
    schedule = await _downtime(db, {"second": "*"}, 10, timedelta(hours=2))
    async with db.session() as s:
        result = await catch_up(s, schedule, T0, job_context())
    assert result.fired == T0
    rows = await runs(db, "missed")
    assert len(rows) == MISSED_CAP
    assert rows[0].occurrence_at == T0 - timedelta(seconds=MISSED_CAP)
