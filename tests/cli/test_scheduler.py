"""`samverkan schedules` and `samverkan run KIND --unit NAME`, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from cli.main import app
from cli.schedules import local_time
from core.occurrences import next_occurrence
from scheduler.firing import catch_up
from storage import schedules_repo
from storage.db import Database
from storage.models import Schedule, ScheduleRun
from storage.types import utcnow
from tests.support.jobs import job_context
from tests.support.scheduler import outbox_keys, runs, unit_with_channel


def cli(db_url: str, *args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(app, list(args), env={"DATABASE_URL": db_url})
    return result.exit_code, [line for line in result.output.splitlines() if line.strip()]


def test_local_time_is_short_swedish() -> None:
    now = datetime(2024, 11, 1, tzinfo=UTC)
    assert local_time(datetime(2024, 12, 3, 12, 0, tzinfo=UTC), "Europe/Stockholm", now) == (
        "tis 3 dec. 13.00"
    )
    assert local_time(datetime(2025, 3, 31, 6, tzinfo=UTC), "Europe/Stockholm", now) == (
        "mån 31 mars 2025 8.00"
    )


def test_schedules_lists_next_last_and_missed_after_catch_up(db_url: str) -> None:
    now = utcnow()

    async def setup() -> Schedule:
        db = Database(db_url)
        async with db.session() as s:
            unit = await unit_with_channel(s, "Krokom")
            row = await schedules_repo.upsert_schedule(
                s, "digest:krokom", "noop", unit.id, {"minute": "*/10"}, grace_seconds=900
            )
            row.created_at = row.updated_at = now - timedelta(days=1)
            row.last_occurrence_at = now - timedelta(minutes=65)
        async with db.session() as s:
            fresh = await s.get(Schedule, row.id)
            assert fresh is not None
            await catch_up(s, fresh, now, job_context())
            await s.refresh(fresh)
        await db.dispose()
        return fresh

    row = asyncio.run(setup())
    code, lines = cli(db_url, "schedules")
    assert code == 0, lines
    assert lines[0].split()[:5] == ["SCHEDULE", "KIND", "UNIT", "NEXT", "LAST"]
    (line,) = [ln for ln in lines if ln.startswith("digest:krokom")]
    zone = row.timezone
    assert "noop" in line and "Krokom" in line
    assert local_time(next_occurrence(row.trigger, zone, now), zone, now) in line
    missed = sorted({r.occurrence_at for r in asyncio.run(_runs(db_url, "missed"))}, reverse=True)
    assert len(missed) in (5, 6)
    assert f"{len(missed)}: {local_time(missed[0], zone, now)}" in line
    assert f"(+{len(missed) - 3} more)" in line
    assert local_time(row.last_occurrence_at, zone, now) in line


def test_run_fires_now_and_reports_what_it_enqueued(db_url: str) -> None:
    async def setup() -> None:
        db = Database(db_url)
        async with db.session() as s:
            await unit_with_channel(s, "Östersund")
        await db.dispose()

    asyncio.run(setup())
    code, lines = cli(db_url, "run", "ping", "--unit", "östersund")
    assert code == 0, lines
    assert lines[0].startswith("Fired ping for Östersund (manual:ping:unit:1)")
    keys = asyncio.run(_keys(db_url))
    assert len(keys) == 1 and keys[0].startswith("ping:")
    assert f"Enqueued {keys[0]} -> conversation #1" in lines
    (run,) = asyncio.run(_runs(db_url, "fired"))
    assert run.occurrence_at.microsecond == 0
    # The schedule made for manual runs never fires by itself.
    code, lines = cli(db_url, "schedules", "--all")
    assert any(ln.startswith("manual:ping:unit:1") and "inactive" in ln for ln in lines)


def test_run_refuses_unknown_unit_and_kind(db_url: str) -> None:
    code, lines = cli(db_url, "run", "ping", "--unit", "Atlantis")
    assert (code, lines) == (2, ["Unknown unit 'Atlantis'."])
    code, lines = cli(db_url, "run", "fireworks", "--unit", "Atlantis")
    assert code == 2 and len(lines) == 1 and lines[0].startswith("Unknown kind 'fireworks'")


async def _runs(db_url: str, status: str) -> list[ScheduleRun]:
    db = Database(db_url)
    try:
        return await runs(db, status)
    finally:
        await db.dispose()


async def _keys(db_url: str) -> list[str]:
    db = Database(db_url)
    try:
        return await outbox_keys(db)
    finally:
        await db.dispose()
