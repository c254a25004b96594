"""Nothing is doubled: two instances (two database connections, two engines) computing
the same day's nudges at the same moment queue one card per person, on SQLite and
PostgreSQL; a restart the hour after queues nothing more."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import select

from services.nudges import send_nudges
from storage.db import Database
from storage.meeting_models import ActionItem
from storage.models import Conversation, OutboxMessage, Person, Unit
from tests.support.jobs import job_context

SE = ZoneInfo("Europe/Stockholm")
DAY = date(2026, 11, 26)  # a Thursday
PEOPLE = [f"00000000-0000-4000-8000-{i:012d}" for i in range(40)]


async def test_two_instances_at_once_queue_one_card_each(db: Database) -> None:
    async with db.session() as s:
        unit = Unit(name="Östersund", level="cluster", defaults={})
        s.add(unit)
        await s.flush()
        for oid in PEOPLE:
            s.add(Person(tenant_id="t", aad_object_id=oid, display_name=oid[-4:]))
            s.add(
                Conversation(
                    conversation_id=f"a:{oid}", kind="personal", tenant_id="t", user_aad_id=oid,
                    reference={"serviceUrl": "https://smba.trafficmanager.net/emea/"},
                )
            )  # fmt: skip
            s.add(
                ActionItem(
                    unit_id=unit.id or 0, text="Gör det", owner_aad_id=oid, owner_name="x",
                    due=DAY - timedelta(days=3),
                )
            )  # fmt: skip
    other = Database(db.url)  # the second instance
    at = datetime(2026, 11, 26, 8, 5, tzinfo=SE)

    async def run(database: Database, when: datetime) -> int:
        async with database.session() as s:
            return (await send_nudges(s, when, job_context())).queued

    try:
        first, second = await asyncio.gather(run(db, at), run(other, at))
        later = await run(other, at + timedelta(hours=1))
    finally:
        await other.dispose()
    async with db.session() as s:
        rows = (await s.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()
    assert rows == len(PEOPLE)
    assert later == 0
    assert first + second >= len(PEOPLE)  # each believed it queued what it wrote first
