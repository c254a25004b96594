"""A reminder's headline states the real distance to the meeting ("I dag", "I morgon",
"Om 5 dagar"), counted on the local calendar from when it fires, whatever lead it was
planned with: `samverkan run meeting_reminder` five days before a meeting used to post
"I morgon" (the 1-day schedule's nominal lead). Both backends."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from cli.main import app
from core.recurrence import parse_rule
from scheduler.firing import fire
from services.meetings import send_reminder
from storage import meeting_occurrences_repo, meeting_series_repo, schedules_repo
from storage.db import Database
from storage.meeting_models import MeetingOccurrence
from storage.models import OutboxMessage
from storage.types import utcnow
from tests.support.jobs import job_context
from tests.support.scheduler import unit_with_channel

SE = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)  # Monday
# The series meets on Sundays 13-15: the first is Sunday 29 November 2026, 12:00 UTC.
RULE = "varje söndag 13-15"


async def _series_and_first(db: Database) -> MeetingOccurrence:
    async with db.session() as s:
        unit = await unit_with_channel(s, "Östersund")
        assert unit.id is not None
        series = await meeting_series_repo.save_series(
            s, unit.id, name="Samverkansmöte", rule=parse_rule(RULE, NOW.date()),
            rule_text=RULE, place=None, now=NOW,
        )  # fmt: skip
        first = (await meeting_occurrences_repo.upcoming(s, series, NOW))[0]
    assert first.starts_at == datetime(2026, 11, 29, 12, tzinfo=UTC)
    return first


async def _card_text(db: Database, key: str) -> str:
    async with db.session() as s:
        row = (
            await s.execute(select(OutboxMessage).where(col(OutboxMessage.idempotency_key) == key))
        ).scalar_one()
    return json.dumps(row.payload["attachments"][0]["content"], ensure_ascii=False)


@pytest.mark.parametrize(
    ("local_now", "headline"),
    [
        (datetime(2026, 11, 24, 13, 0), "Om 5 dagar"),
        (datetime(2026, 11, 27, 23, 30), "Om 2 dagar"),  # 23:30: still Friday
        (datetime(2026, 11, 28, 0, 30), "I morgon"),  # 00:30 Saturday (Friday 23:30 UTC)
        (datetime(2026, 11, 28, 17, 0), "I morgon"),
        (datetime(2026, 11, 29, 8, 0), "I dag"),
    ],
)
async def test_the_headline_is_the_local_calendar_distance(
    db: Database, local_now: datetime, headline: str
) -> None:
    occ = await _series_and_first(db)
    now = local_now.replace(tzinfo=SE).astimezone(UTC)
    async with db.session() as s:
        fresh = await s.get(MeetingOccurrence, occ.id)
        assert fresh is not None
        key = await send_reminder(s, fresh, 1, now)  # planned as the 1-day reminder
    assert key is not None
    shown = await _card_text(db, key)
    assert headline in shown
    for other in {"I dag", "I morgon", "Om 5 dagar", "Om 2 dagar"} - {headline}:
        assert other not in shown


async def test_a_reminder_fired_after_the_meeting_posts_nothing(db: Database) -> None:
    occ = await _series_and_first(db)
    async with db.session() as s:
        fresh = await s.get(MeetingOccurrence, occ.id)
        assert fresh is not None
        assert await send_reminder(s, fresh, 1, occ.ends_at + timedelta(minutes=1)) is None
        assert (await s.execute(select(OutboxMessage))).first() is None


async def test_the_one_day_schedule_fired_five_days_early_says_five_days(db: Database) -> None:
    """What `samverkan run` does: the unit's first reminder schedule, fired now."""
    occ = await _series_and_first(db)
    assert occ.id is not None
    fired_at = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    async with db.session() as s:
        schedule = await schedules_repo.get_schedule(
            s, meeting_occurrences_repo.reminder_key(occ.id, 1)
        )
        assert schedule is not None and schedule.payload["lead_days"] == 1
        assert await fire(s, schedule, fired_at, job_context())
    shown = await _card_text(db, f"reminder:{occ.id}:1")
    assert "Om 5 dagar" in shown and "I morgon" not in shown


def test_samverkan_run_meeting_reminder_states_the_real_distance(db_url: str) -> None:
    today = utcnow().astimezone(SE).date()
    day = today + timedelta(days=5)
    rule = f"varje {('måndag', 'tisdag', 'onsdag', 'torsdag', 'fredag', 'lördag', 'söndag')[day.weekday()]} 13-15"

    async def setup() -> date:
        db = Database(db_url)
        try:
            async with db.session() as s:
                unit = await unit_with_channel(s, "Östersund")
                assert unit.id is not None
                now = utcnow()
                series = await meeting_series_repo.save_series(
                    s, unit.id, name="Samverkansmöte", rule=parse_rule(rule, today),
                    rule_text=rule, place=None, now=now,
                )  # fmt: skip
                first = (await meeting_occurrences_repo.upcoming(s, series, now))[0]
                return first.starts_at.astimezone(SE).date()
        finally:
            await db.dispose()

    meeting_day = asyncio.run(setup())
    result = CliRunner().invoke(
        app, ["run", "meeting_reminder", "--unit", "Östersund"], env={"DATABASE_URL": db_url}
    )
    assert result.exit_code == 0, result.output
    assert "Enqueued reminder:1:1" in result.output  # the 1-day reminder of the first meeting

    async def card() -> str:
        db = Database(db_url)
        try:
            return await _card_text(db, "reminder:1:1")
        finally:
            await db.dispose()

    shown = asyncio.run(card())
    days = (meeting_day - utcnow().astimezone(SE).date()).days
    assert days >= 4 and f"Om {days} dagar" in shown and "I morgon" not in shown
