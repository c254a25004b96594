"""Scheduler benchmark: 10,000 schedules in a SQLite file.

Prints how long the leader takes to build its in-memory jobs from the database
(catch-up check included), and how late occurrences fire: every schedule is due
once within the next few seconds (the `second` cron field), and lateness is the
ScheduleRun's recorded time minus the occurrence it was due at.
Goals: load < 2 s, lateness p99 < 1 s.

    python bench/schedules.py [--count 10000] [--spread 8]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert
from sqlmodel import SQLModel, col, select

import storage.models  # noqa: F401
from scheduler.service import ScheduleService
from services.context import JobContext
from storage.db import Database
from storage.models import Schedule, ScheduleRun
from storage.types import utcnow

LEAD_SECONDS = 5  # the first occurrences fall this far after the rows are written


async def bench(count: int, spread: int, path: Path) -> int:
    db = Database(f"sqlite+aiosqlite:///{path}")
    async with db.engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)

    now = utcnow()
    start = now.replace(microsecond=0) + timedelta(seconds=LEAD_SECONDS)
    rows = [
        {
            "key": f"bench:{i}",
            "kind": "noop",
            # Once a minute at that second: `spread` distinct triggers.
            "trigger": {"second": (start + timedelta(seconds=i % spread)).second},
            "timezone": "Europe/Stockholm",
            "payload": {},
            "grace_seconds": 60,
            "active": True,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(count)
    ]
    async with db.session() as s:
        await s.execute(insert(Schedule), rows)

    service = ScheduleService(db, JobContext(secret="bench"))
    began = time.perf_counter()
    await service.start()
    load = time.perf_counter() - began
    print(
        f"load: {len(service.next_fire_times())} schedules from the database into "
        f"{service.job_count} APScheduler jobs in {load:.2f} s"
    )

    deadline = time.monotonic() + LEAD_SECONDS + spread + 10
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        async with db.session() as s:
            done = (await s.execute(select(func.count(col(ScheduleRun.id))))).scalar_one()
        if done >= count:
            break
    await service.stop()
    async with db.session() as s:
        fired = (await s.execute(select(ScheduleRun))).scalars().all()
    await db.dispose()

    late = sorted((r.recorded_at - r.occurrence_at).total_seconds() for r in fired)
    if not late:
        print("nothing fired")
        return 1
    p50 = statistics.median(late)
    p99 = late[min(len(late) - 1, int(len(late) * 0.99))]
    print(
        f"fired: {len(late)}/{count} over {spread} s ({count // spread}/s); "
        f"lateness p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {late[-1] * 1000:.0f} ms"
    )
    ok = load < 2.0 and p99 < 1.0 and len(late) == count
    print("goals (load < 2 s, p99 < 1 s, all fired):", "met" if ok else "NOT met")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--spread", type=int, default=8, help="seconds the firings spread over")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(bench(args.count, args.spread, Path(tmp) / "bench.db"))


if __name__ == "__main__":
    raise SystemExit(main())
