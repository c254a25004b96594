"""Meetings deleted in Outlook (issue 17, "In the calendar": cancellations flow back),
against the HTTPS fake of Graph: one meeting deleted there is cancelled here by the daily
sync as `möte ställ in` does (reminder withdrawn, posted card updated) and nothing is
deleted back; a whole series deleted there ends nothing here but tells the unit's
channel once, and a change of the series puts it back. Both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from clients.graph_calendar import GraphCalendar
from core import graph_recurrence as mapping
from core.recurrence import parse_rule
from scheduler.firing import run_after_commit
from services import meeting_graph
from services.context import JobContext
from services.meetings import meeting_sync, send_reminder
from storage import meeting_occurrences_repo, meeting_series_repo, schedules_repo
from storage.db import Database
from storage.meeting_models import MeetingOccurrence, MeetingSeries
from storage.models import OutboxMessage, Schedule
from tests.cardschema import assert_valid_card
from tests.fakes.graph_calendar import FakeGraphCalendar
from tests.meetings.clock import card_text, outbox
from tests.support.graph_calendar import calendar_directory, graph  # noqa: F401
from tests.support.scheduler import unit_with_channel

GROUP = "7c1f3c9e-2b1a-4f0e-9d7e-3a2b1c0d9e8f"
SE = ZoneInfo("Europe/Stockholm")
T0 = datetime(2030, 11, 25, 8, tzinfo=UTC)


async def _sync(db: Database, fake: FakeGraphCalendar, now: datetime = T0) -> None:
    """The daily meeting_sync job, with Graph configured: its firing transaction, then
    its group-calendar part once that has committed (scheduler/kinds.py AFTER_COMMIT)."""
    schedule = Schedule(key="meeting_sync", kind="meeting_sync", trigger={})
    context = JobContext(secret="s", graph=calendar_directory(fake))
    async with db.session() as s:
        await meeting_sync(s, schedule, now, context)
    await run_after_commit(db, [(schedule, now)], context)


async def _published(db: Database, fake: FakeGraphCalendar, text: str) -> tuple[int, int, str]:
    async with db.session() as s:
        unit = await unit_with_channel(s)
        unit.defaults = {"calendar_group": GROUP}
        assert unit.id is not None
        series = await meeting_series_repo.save_series(
            s, unit.id, name="Samverkansmöte", rule=parse_rule(text, T0.date()),
            rule_text=text, place="Rum 2", now=T0,
        )  # fmt: skip
        assert series.id is not None
        unit_id, series_id = unit.id, series.id
    calendar = GraphCalendar(calendar_directory(fake))
    assert await meeting_graph.publish(db, series_id, calendar, T0) == "created"
    [event_id] = fake.events
    return unit_id, series_id, event_id


async def _occurrence(db: Database, series_id: int, slot: datetime) -> MeetingOccurrence:
    async with db.session() as s:
        found = (
            await s.execute(
                select(MeetingOccurrence).where(
                    col(MeetingOccurrence.series_id) == series_id,
                    col(MeetingOccurrence.slot_at) == slot,
                )
            )
        ).scalar_one()
        return found


async def _rows(db: Database) -> list[OutboxMessage]:
    async with db.session() as s:
        return list((await s.execute(select(OutboxMessage))).scalars().all())


async def test_a_meeting_deleted_in_outlook_is_cancelled_here(
    db: Database,
    graph: FakeGraphCalendar,  # noqa: F811
) -> None:
    _, series_id, event_id = await _published(db, graph, "första tisdagen varje månad 13-15")
    december = await _occurrence(db, series_id, datetime(2030, 12, 3, 13, tzinfo=SE))
    assert december.id is not None
    async with db.session() as s:
        fresh = await s.get(MeetingOccurrence, december.id)
        assert fresh is not None
        key = await send_reminder(s, fresh, 1, fresh.starts_at - timedelta(days=1))
    assert key is not None
    await _sync(db, graph)  # nothing changed in Outlook: nothing changes here
    assert (await _occurrence(db, series_id, december.slot_at)).status == "scheduled"

    # Someone deletes the 3 December meeting in Outlook.
    graph.delete_instance(event_id, datetime(2030, 12, 3, 13, tzinfo=SE))
    before = len(graph.requests)
    await _sync(db, graph)
    assert (await _occurrence(db, series_id, december.slot_at)).status == "cancelled"
    january = await _occurrence(db, series_id, datetime(2031, 1, 7, 13, tzinfo=SE))
    assert january.status == "scheduled"  # the others stay
    async with db.session() as s:
        reminder = await schedules_repo.get_schedule(
            s, meeting_occurrences_repo.reminder_key(december.id, 1)
        )
        assert reminder is not None and reminder.active is False
        minutes = await schedules_repo.get_schedule(
            s, meeting_occurrences_repo.minutes_key(december.id)
        )
        assert minutes is None or minutes.active is False
    # The reminder card in the channel is updated to say so, as `möte ställ in` does.
    [update] = await outbox(db, f"agenda:{december.id}:")
    assert update.operation == "update" and update.updates_key == key
    assert "inställt" in card_text(update).lower()
    # Nothing was sent back to Graph (no DELETE of what Outlook already deleted).
    assert [r for r in graph.requests[before:] if r[0] != "GET"] == []

    # Run again: nothing more.
    rows = len(await _rows(db))
    await _sync(db, graph)
    assert len(await _rows(db)) == rows
    assert [r for r in graph.requests[before:] if r[0] != "GET"] == []
    assert (await _occurrence(db, series_id, december.slot_at)).status == "cancelled"
    async with db.session() as s:
        series = await s.get(MeetingSeries, series_id)
        assert series is not None and series.active


async def test_a_series_deleted_in_outlook_is_told_once_and_ends_nothing(
    db: Database,
    graph: FakeGraphCalendar,  # noqa: F811
) -> None:
    unit_id, series_id, event_id = await _published(db, graph, "första tisdagen varje månad 13-15")
    graph.delete_series(event_id)
    before = len(graph.requests)
    await _sync(db, graph)
    told = await outbox(db, f"graph_gone:{series_id}:")
    assert len(told) == 1
    assert "togs bort ur teamets kalender i Outlook" in card_text(told[0])
    assert_valid_card(told[0].payload["attachments"][0]["content"])
    async with db.session() as s:
        series = await s.get(MeetingSeries, series_id)
        assert series is not None and series.active
        planned = (
            (
                await s.execute(
                    select(MeetingOccurrence).where(col(MeetingOccurrence.series_id) == series_id)
                )
            )
            .scalars()
            .all()
        )
        assert planned and all(o.status == "scheduled" for o in planned)
    rows = len(await _rows(db))
    await _sync(db, graph)  # once: not told again, nothing re-created or deleted
    assert len(await _rows(db)) == rows
    assert graph.requests[before:] == [] and graph.events == {}

    # A change of the series puts it back in the calendar.
    async with db.session() as s:
        await meeting_series_repo.save_series(
            s, unit_id, name="Samverkansmöte", rule=parse_rule("första tisdagen 14-16", T0.date()),
            rule_text="första tisdagen 14-16", place="Rum 2", now=T0,
        )  # fmt: skip
    calendar = GraphCalendar(calendar_directory(graph))
    assert await meeting_graph.publish(db, series_id, calendar, T0) == "created"
    [again] = graph.events.values()
    assert again["start"]["dateTime"] == "2030-12-03T14:00:00"
    assert ("DELETE", event_id) not in graph.requests


def _instance(slot: str, **more: object) -> dict[str, object]:
    return {"type": "occurrence", "originalStart": slot, **more}


def test_deleted_slots_read_graph_as_it_answers() -> None:
    a, b, c = (datetime(2030, 12, d, 12, tzinfo=UTC) for d in (3, 10, 17))
    listed = [_instance("2030-12-03T12:00:00Z"), _instance("2030-12-17T12:00:00.0000000Z")]
    assert mapping.deleted_slots(listed, [a, b, c]) == [b]  # left out: deleted
    cancelled = [*listed, _instance("2030-12-10T12:00:00Z", isCancelled=True)]
    assert mapping.deleted_slots(cancelled, [a, b, c]) == [b]  # listed as cancelled
    assert mapping.deleted_slots(listed, [a, c]) == []
    # None of the expected meetings there: the calendar disagrees as a whole.
    assert mapping.deleted_slots([], [a, b, c]) == []
