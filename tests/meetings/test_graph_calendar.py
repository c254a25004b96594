"""The series in the team's Microsoft 365 group calendar (issue 17, "In the calendar"),
against a local HTTPS fake of Graph in its wire format: created as a recurring Teams
meeting with the join link on the reminder card; a meeting moved in Outlook moves in
Samverkan, one cancelled or moved in Samverkan is deleted or moved in the calendar; a
change PATCHes or, when Graph needs another number of series, re-creates; an ended
series is deleted. Both backends."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from clients.graph_calendar import GraphCalendar
from core.recurrence import parse_rule
from services import meeting_graph
from services import meetings as service
from services.meetings import send_reminder
from storage import (
    meeting_lookup_repo,
    meeting_occurrences_repo,
    meeting_series_repo,
    schedules_repo,
)
from storage.db import Database
from storage.meeting_models import MeetingOccurrence, MeetingSeries
from storage.models import OutboxMessage
from tests.fakes.graph_calendar import FakeGraphCalendar
from tests.meetings.clock import card_text, outbox
from tests.support.graph_calendar import calendar_directory, graph  # noqa: F401
from tests.support.scheduler import unit_with_channel

GROUP = "02bd9fd6-8f93-4758-87c3-1fb73740a315"
SE = ZoneInfo("Europe/Stockholm")
T0 = datetime(2030, 11, 25, 8, tzinfo=UTC)


def _calendar(fake: FakeGraphCalendar) -> GraphCalendar:
    return GraphCalendar(calendar_directory(fake))


async def _save(db: Database, unit_id: int, text: str, now: datetime = T0) -> int:
    async with db.session() as s:
        series = await meeting_series_repo.save_series(
            s, unit_id, name="Samverkansmöte", rule=parse_rule(text, now.date()),
            rule_text=text, place="Rum 2", now=now,
        )  # fmt: skip
        assert series.id is not None
        return series.id


async def test_the_series_lives_in_the_group_calendar(
    db: Database,
    graph: FakeGraphCalendar,  # noqa: F811
) -> None:
    calendar = _calendar(graph)
    async with db.session() as s:
        unit = await unit_with_channel(s)
        unit.defaults = {"calendar_group": GROUP}
        assert unit.id is not None
        unit_id = unit.id
    series_id = await _save(db, unit_id, "första tisdagen varje månad 13-15")
    assert await meeting_graph.publish(db, series_id, calendar, T0) == "created"
    [event] = graph.events.values()
    assert event["_group"] == GROUP and event["subject"] == "Samverkansmöte"
    assert event["start"] == {"dateTime": "2030-12-03T13:00:00", "timeZone": "Europe/Stockholm"}
    assert event["end"]["dateTime"] == "2030-12-03T15:00:00"
    assert event["recurrence"]["pattern"] == {
        "type": "relativeMonthly", "interval": 1, "daysOfWeek": ["tuesday"], "index": "first",
        "firstDayOfWeek": "monday",
    }  # fmt: skip
    assert event["recurrence"]["range"] == {
        "type": "noEnd", "startDate": "2030-12-03", "recurrenceTimeZone": "Europe/Stockholm"
    }  # fmt: skip
    assert event["location"] == {"displayName": "Rum 2"}
    assert await meeting_graph.publish(db, series_id, calendar, T0) == "unchanged"

    # The reminder card carries the Teams join link.
    async with db.session() as s:
        occ = (
            (await s.execute(select(MeetingOccurrence).order_by(col(MeetingOccurrence.slot_at))))
            .scalars()
            .first()
        )
        assert occ is not None
        key = await send_reminder(s, occ, 1, occ.starts_at - timedelta(days=1))
    assert key is not None
    [posted] = await outbox(db, key)
    join = event["onlineMeeting"]["joinUrl"]
    assert json.dumps({"url": join})[8:-1] in card_text(posted)

    # Moved in Outlook: 3 December to Thursday 4 December 10-12; it moves here too.
    slot = datetime(2030, 12, 3, 13, tzinfo=SE)
    graph.move_instance(event["id"], slot, datetime(2030, 12, 4, 10, tzinfo=SE),
                        datetime(2030, 12, 4, 12, tzinfo=SE))  # fmt: skip
    assert await meeting_graph.pull_moves(db, series_id, calendar, T0) == 1
    async with db.session() as s:
        moved = await s.get(MeetingOccurrence, occ.id)
        assert moved is not None and moved.status == "moved"
        assert moved.starts_at == datetime(2030, 12, 4, 10, tzinfo=SE)
        reminder = await schedules_repo.get_schedule(
            s, meeting_occurrences_repo.reminder_key(occ.id or 0, 1)
        )
        assert (
            reminder is not None and reminder.trigger["day"] == 3 and reminder.trigger["hour"] == 10
        )
    # The reminder card already in the channel is updated to the new time.
    async with db.session() as s:
        updates = (
            (await s.execute(select(OutboxMessage).where(col(OutboxMessage.updates_key) == key)))
            .scalars()
            .all()
        )
    assert updates and "4 december" in card_text(updates[-1])
    assert await meeting_graph.pull_moves(db, series_id, calendar, T0) == 0  # once

    # Cancelled and moved in Samverkan: the same in the group calendar.
    async with db.session() as s:
        january = await meeting_lookup_repo.occurrence_for_day(s, unit_id, date(2031, 1, 7), T0)
        february = await meeting_lookup_repo.occurrence_for_day(s, unit_id, date(2031, 2, 4), T0)
        assert january is not None and february is not None and january.id and february.id
    await service.cancel_meeting(db, january.id, T0, "sv")
    await service.move_meeting(db, february.id, date(2031, 2, 5), time(9), None, T0, "sv")
    assert await meeting_graph.push_exceptions(db, series_id, calendar, T0) == 2
    found = await calendar.instances(GROUP, event["id"], T0, T0 + timedelta(days=75))
    starts = {i["originalStart"]: (i["type"], i["start"]["dateTime"][:16]) for i in found}
    assert "2031-01-07T12:00:00Z" not in starts  # deleted
    assert starts["2031-02-04T12:00:00Z"] == ("exception", "2031-02-05T08:00")  # 09:00 CET
    assert starts["2030-12-03T12:00:00Z"] == ("exception", "2030-12-04T09:00")  # Outlook's
    assert await meeting_graph.push_exceptions(db, series_id, calendar, T0) == 0  # once

    # A change Graph says in one series: PATCHed in place.
    await _save(db, unit_id, "första tisdagen varje månad 14-16")
    assert await meeting_graph.publish(db, series_id, calendar, T0) == "updated"
    assert graph.events[event["id"]]["start"]["dateTime"] == "2030-12-03T14:00:00"
    # One that needs two Graph series: the old event goes, two come.
    await _save(db, unit_id, "första och tredje tisdagen 14-16")
    assert await meeting_graph.publish(db, series_id, calendar, T0) == "created"
    assert event["id"] not in graph.events
    assert sorted(e["recurrence"]["pattern"]["index"] for e in graph.events.values()) == [
        "first", "third",
    ]  # fmt: skip
    # Ended: deleted from the calendar.
    await service.end_series(db, series_id, T0)
    assert await meeting_graph.publish(db, series_id, calendar, T0) == "deleted"
    assert graph.events == {}
    async with db.session() as s:
        ended = await s.get(MeetingSeries, series_id)
        assert ended is not None and ended.graph is None
