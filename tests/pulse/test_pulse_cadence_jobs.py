"""The recurring pulse skips a holiday: opened on the next working day, by the schedule."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from services import pulse as service
from storage.db import Database
from storage.models import Schedule
from storage.pulse_models import Pulse
from tests.pulse.test_pulse_jobs import CONTEXT
from tests.support.scheduler import unit_with_channel

ZONE = ZoneInfo("Europe/Stockholm")
EASTER_MONDAY = datetime(2026, 4, 6, 7, 0, tzinfo=UTC)  # 09:00 local, first Monday of April
TUESDAY = datetime(2026, 4, 7, 7, 0, tzinfo=UTC)


async def test_easter_monday_moves_the_pulse_to_tuesday(db: Database) -> None:
    async with db.session() as s:
        unit = await unit_with_channel(s, "Berg")
        unit.defaults = {"pulse": {"cadence": "quarterly", "template": "kontaktvagar"}}
        await service.ensure_schedules(s, unit)
        assert unit.id is not None
        unit_id = unit.id
        [schedule] = (
            (await s.execute(select(Schedule).where(Schedule.kind == "pulse_open"))).scalars().all()
        )
    assert schedule.trigger["day_of_week"] == "mon-fri" and schedule.trigger["month"] == "1,4,7,10"

    async with db.session() as s:
        assert await service.open_scheduled(s, unit_id, EASTER_MONDAY, CONTEXT) is None
    async with db.session() as s:
        pulse = await service.open_scheduled(s, unit_id, TUESDAY, CONTEXT)
    assert pulse is not None and pulse.template_key == "kontaktvagar"  # from the org file
    # Five working days from Tuesday 7 April: closes Monday 13 April at 16:00.
    assert pulse.closes_at.astimezone(ZONE) == datetime(2026, 4, 13, 16, 0, tzinfo=ZONE)
    async with db.session() as s:
        assert await service.open_scheduled(s, unit_id, TUESDAY, CONTEXT) is None  # once
        assert len((await s.execute(select(Pulse))).scalars().all()) == 1
