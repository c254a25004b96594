"""A moving clock for meeting tests: every active schedule whose time falls in a tick is
fired, as the scheduler's leader would, on whichever instance (Database) is given.

The scheduler proper owes nothing from before a schedule's last change (it uses the real
clock); here time is the test's, so each tick fires what falls in (previous tick, tick]."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import col, select

from core.occurrences import latest_occurrences
from scheduler.firing import fire_many
from storage import schedules_repo
from storage.db import Database
from storage.models import OutboxMessage
from tests.support.jobs import job_context


async def tick(db: Database, after: datetime, until: datetime) -> int:
    """Fire every schedule due in (after, until] on `db`; returns how many fired."""
    async with db.session() as s:
        due = []
        for schedule in await schedules_repo.list_schedules(s, active_only=True):
            found = latest_occurrences(schedule.trigger, schedule.timezone, after, until, 1)
            if found:
                due.append((schedule, found[-1]))
        return len(await fire_many(s, due, job_context()))


async def run_clock(
    instances: Sequence[Database], start: datetime, end: datetime, step: timedelta
) -> None:
    """From `start` to `end` in steps, each step on the next instance in turn."""
    now, i = start, 0
    while now < end:
        later = min(now + step, end)
        await tick(instances[i % len(instances)], now, later)
        now, i = later, i + 1


async def outbox(db: Database, prefix: str) -> list[OutboxMessage]:
    async with db.session() as s:
        rows = await s.execute(
            select(OutboxMessage)
            .where(col(OutboxMessage.idempotency_key).startswith(prefix))
            .order_by(col(OutboxMessage.id))
        )
        return list(rows.scalars().all())


def card_text(row: OutboxMessage) -> str:
    return json.dumps(row.payload, ensure_ascii=False)
