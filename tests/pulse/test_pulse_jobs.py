"""Scheduled pulses: open by cadence, remind, close by the sweep — outbox rows, once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from services import pulse as service
from storage import pulse_answers_repo, pulse_indicator_repo, pulse_repo
from storage.db import Database
from storage.models import OutboxMessage, Schedule
from storage.pulse_models import Pulse
from tests.support.jobs import job_context
from tests.support.scheduler import unit_with_channel

ZONE = ZoneInfo("Europe/Stockholm")
CONTEXT = job_context(zone=ZONE, language="sv")
MONDAY = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # first Monday of November, 09:00 local


async def _outbox(db: Database) -> dict[str, OutboxMessage]:
    async with db.session() as s:
        rows = (await s.execute(select(OutboxMessage))).scalars().all()
    return {r.idempotency_key: r for r in rows}


async def test_open_remind_close_through_the_outbox(db: Database) -> None:
    async with db.session() as s:
        unit = await unit_with_channel(s, "Krokom")
        await service.ensure_schedules(s, unit)
        assert unit.id is not None
        unit_id = unit.id
    async with db.session() as s:
        kinds = {r.key: r.kind for r in (await s.execute(select(Schedule))).scalars().all()}
    assert kinds == {f"pulse_open:unit:{unit_id}": "pulse_open", service.SWEEP_KEY: "pulse_close"}

    # Two fires of the same occurrence (two instances): one pulse, one card row.
    async def fire() -> None:
        async with db.session() as s:
            await service.open_scheduled(s, unit_id, MONDAY, CONTEXT)

    await fire()
    await fire()
    async with db.session() as s:
        [pulse] = (await s.execute(select(Pulse))).scalars().all()
    assert pulse.opened_by == "schedule" and pulse.held == 0
    # Five working days from Monday 2 November: closes Friday 6 November 16:00.
    assert pulse.closes_at.astimezone(ZONE) == datetime(2026, 11, 6, 16, 0, tzinfo=ZONE)
    rows = await _outbox(db)
    assert list(rows) == [pulse.card_key]

    async with db.session() as s:
        await pulse_answers_repo.save_answers(s, pulse, CONTEXT.secret, {"user-1": {"collab": 4}})

    # The day before closing, 09:00: the reminder, once.
    thursday = datetime(2026, 11, 5, 8, 5, tzinfo=UTC)
    for _ in range(2):
        async with db.session() as s:
            assert await service.sweep(s, thursday, CONTEXT) == 0
    rows = await _outbox(db)
    assert f"pulse:{pulse.ref}:reminder" in rows and len(rows) == 2

    # After closing time: closed, who answered forgotten, the card updated (once).
    after = datetime(2026, 11, 6, 15, 10, tzinfo=UTC)

    async def sweep() -> int:
        async with db.session() as s:
            return await service.sweep(s, after, CONTEXT)

    closed = await asyncio.gather(sweep(), sweep())
    assert sorted(closed) == [0, 1]
    async with db.session() as s:
        done = await s.get(Pulse, pulse.id)
    assert done is not None and done.answer_count == 1
    async with db.session() as s:
        assert await pulse_answers_repo.respondent_count(s, pulse.id or 0) == 0
    rows = await _outbox(db)
    update = rows[f"pulse:{pulse.ref}:closed"]
    assert update.operation == "update" and update.updates_key == pulse.card_key
    assert "stängd" in str(update.payload)
    assert f"pulse:{pulse.ref}:results" not in rows  # 1 answer: nothing to show


async def test_indicator_values_only_for_finished_periods(db: Database) -> None:
    async with db.session() as s:
        unit = await unit_with_channel(s, "Östersund")
        assert unit.id is not None
        unit_id = unit.id
    async with db.session() as s:
        pulse = await service.open_scheduled(s, unit_id, MONDAY, CONTEXT)
        assert pulse is not None and pulse.id is not None
        await pulse_answers_repo.save_answers(
            s, pulse, CONTEXT.secret, {f"u{i}": {"collab": 2 + i % 3} for i in range(5)}
        )
    async with db.session() as s:
        during = await pulse_indicator_repo.pulse_indicator_values(
            s, "2026-11", now=MONDAY + timedelta(days=40)
        )
        assert during == []  # a pulse of the period is still open
        await pulse_repo.close_pulse(s, pulse.id, MONDAY + timedelta(days=4))
    async with db.session() as s:
        early = await pulse_indicator_repo.pulse_indicator_values(
            s, "2026-11", now=MONDAY + timedelta(days=5)
        )
        final = await pulse_indicator_repo.pulse_indicator_values(
            s, "2026-11", now=MONDAY + timedelta(days=40)
        )
        quarter = await pulse_indicator_repo.pulse_indicator_values(
            s, "2026-Q4", now=datetime(2027, 1, 2, tzinfo=UTC)
        )
    assert early == []  # the month has not ended
    assert final == [(unit_id, "2026-11", 2.8)]
    assert quarter == [(unit_id, "2026-Q4", 2.8)]


async def test_the_schedule_does_not_open_a_pulse_within_the_cool_down(db: Database) -> None:
    async with db.session() as s:
        unit = await unit_with_channel(s, "Krokom")
        unit.defaults = {"pulse": {"cooldown_days": 10}}
        assert unit.id is not None
        unit_id = unit.id
    async with db.session() as s:
        first = await service.open_scheduled(s, unit_id, MONDAY, CONTEXT)
        assert first is not None and first.id is not None
        # Closed late, on 30 November 15:00 UTC.
        await pulse_repo.close_pulse(s, first.id, datetime(2026, 11, 30, 15, 0, tzinfo=UTC))
    # December's opening day (Monday 7th) is a week after the close: within the ten days,
    # nothing opens; nor on the 9th.
    for day in (7, 9):
        async with db.session() as s:
            when = datetime(2026, 12, day, 8, 0, tzinfo=UTC)
            assert await service.open_scheduled(s, unit_id, when, CONTEXT) is None
    # The first firing after the ten days (Friday 11th) opens December's pulse.
    async with db.session() as s:
        later = await service.open_scheduled(
            s, unit_id, datetime(2026, 12, 11, 8, 0, tzinfo=UTC), CONTEXT
        )
        assert later is not None and later.period == "2026-12"
