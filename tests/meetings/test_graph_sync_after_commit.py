"""The daily meeting sync asks Graph with no transaction open (scheduler/kinds.py
AFTER_COMMIT): on SQLite, a slow Graph keeps no other writer waiting. SQLite only (the
one-writer lock is what is at stake)."""

from __future__ import annotations

import asyncio

import pytest

from scheduler.service import ScheduleService
from services.context import JobContext
from storage import meeting_series_repo, schedules_repo
from storage.db import Database
from storage.models import Unit
from tests.fakes.graph_calendar import FakeGraphCalendar
from tests.meetings.clock import outbox
from tests.meetings.test_graph_deleted import _published
from tests.scheduler.test_service import eventually
from tests.support.graph_calendar import calendar_directory, graph  # noqa: F401

ON_SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@ON_SQLITE
async def test_a_slow_graph_calendar_sync_blocks_no_other_writer(
    db: Database,
    graph: FakeGraphCalendar,  # noqa: F811
) -> None:
    """The live scheduler fires the daily sync while Graph takes its time: a command that
    writes meanwhile (here: the unit's defaults) is not kept waiting on SQLite's one
    writer; once Graph answers (the series was deleted in Outlook), the coordinators'
    message is written."""
    unit_id, series_id, event_id = await _published(db, graph, "första tisdagen varje månad 13-15")
    graph.delete_series(event_id)
    graph.asked.clear()
    graph.hold = asyncio.Event()
    async with db.session() as s:
        await schedules_repo.upsert_schedule(
            s, "meetings:sync:test", meeting_series_repo.SYNC_KIND, None, {"second": "*"}
        )
    context = JobContext(secret="s", graph=calendar_directory(graph))
    service = ScheduleService(db, context, poll_seconds=0.3)
    await service.start()
    try:
        await asyncio.wait_for(graph.asked.wait(), 10)

        async def another_writer() -> None:
            async with db.session() as s:
                unit = await s.get(Unit, unit_id)
                assert unit is not None
                unit.defaults = {**(unit.defaults or {}), "note": "written meanwhile"}

        await asyncio.wait_for(another_writer(), 3)
        assert not graph.hold.is_set()  # Graph had not answered yet
        graph.hold.set()

        async def told() -> bool:
            return bool(await outbox(db, f"graph_gone:{series_id}:"))

        await eventually(told, 10, "the sync to write what Graph said")
    finally:
        graph.hold.set()
        await service.stop()
