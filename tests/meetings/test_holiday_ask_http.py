"""A new series whose meeting falls on a day off, with the default policy `ask`: the
reply says so, the coordinator gets a card in the channel (skip / move / keep), and the
answer moves the meeting and its reminders. Over HTTP (fake connector), both backends."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from core.holidays import days_off
from services.meetings import meeting_sync
from storage.meeting_models import MeetingOccurrence
from storage.models import Schedule
from storage.types import utcnow
from tests.cardschema import assert_valid_card
from tests.meetings.test_rules_http import SARA, _bound, _say
from tests.support.harness import BotHarness
from tests.support.items import cards_in, deliver, find_action, invoke_card
from tests.support.jobs import job_context
from tests.teams import new_channel

SE = ZoneInfo("Europe/Stockholm")
WEEKDAYS = ("måndagen", "tisdagen", "onsdagen", "torsdagen", "fredagen")


def _next_weekday_holiday() -> date:
    """The next day off (a holiday on a weekday) at least two days ahead."""
    today = utcnow().astimezone(SE).date()
    for year in (today.year, today.year + 1):
        for day in sorted(days_off(year)):
            if day > today + timedelta(days=2) and day.weekday() < 5:
                return day
    raise AssertionError("no holiday found")


def weekly_rule_on(day: date) -> str:
    """A weekly series that meets on `day`'s weekday."""
    return f"varje {('måndag', 'tisdag', 'onsdag', 'torsdag', 'fredag')[day.weekday()]} 13-15"


async def meeting_on(h: BotHarness, holiday: date) -> MeetingOccurrence:
    """The series' one meeting that falls on `holiday`."""
    async with h.db.session() as s:
        [occ] = (
            (
                await s.execute(
                    select(MeetingOccurrence).where(
                        col(MeetingOccurrence.holiday) == days_off(holiday.year)[holiday]
                    )
                )
            )
            .scalars()
            .all()
        )
    return occ


async def daily_sync(h: BotHarness, occ: MeetingOccurrence, *, days_before: int) -> None:
    """The daily `meeting_sync` job, `days_before` the meeting (it asks four weeks ahead)."""
    async with h.db.session() as s:
        await meeting_sync(s, Schedule(key="x", kind="meeting_sync", trigger={}),
                           occ.starts_at - timedelta(days=days_before), job_context())  # fmt: skip


async def test_the_coordinator_is_asked_and_moves_the_meeting(harness: BotHarness) -> None:
    h = harness
    channel = await _bound(h)
    holiday = _next_weekday_holiday()
    made = await _say(h, channel, SARA, f"möte ny {weekly_rule_on(holiday)}", "Klart")
    assert "Helgdagar det närmaste året" in made and "samordnaren får frågan" in made
    await deliver(h)
    assert not [c for c in cards_in(h, channel) if "infaller på" in str(c)]  # not yet

    # The daily sync asks four weeks before the meeting.
    occ = await meeting_on(h, holiday)
    await daily_sync(h, occ, days_before=27)
    await deliver(h)
    asked = [c for c in cards_in(h, channel) if "infaller på" in str(c)]
    assert asked, "no question posted"
    question = next(c for c in asked if holiday.strftime("%-d") in str(c["body"][0]))
    assert_valid_card(question)
    assert find_action(question, "meeting.holiday")
    move = next(a for a in question["actions"] if a["data"]["choice"] == "move")

    # Another unit's channel: answered like a missing meeting, nothing changes.
    other = new_channel()
    await _say(h, other, SARA, "setup Regionens samverkansråd", "Klart")
    status, body = await h.post(h.teams.invoke_action(other, SARA, move["verb"], move["data"]))
    assert status == 200 and "infaller" not in str(body)

    status, body = await h.post(h.teams.invoke_action(channel, SARA, move["verb"], move["data"]))
    assert status == 200
    answered = invoke_card(body)
    assert "flyttade mötet" in str(answered) and "actions" not in answered
    async with h.db.session() as s:
        moved = await s.get(MeetingOccurrence, move["data"]["occurrence_id"])
        assert moved is not None and moved.holiday_action == "move" and moved.status == "moved"
        held = moved.starts_at.astimezone(SE).date()
        assert held > holiday and held.weekday() < 5 and held not in days_off(held.year)
        reminders = (
            (
                await s.execute(
                    select(Schedule).where(
                        col(Schedule.key).startswith(f"meeting_reminder:{moved.id}:"),
                        col(Schedule.active).is_(True),
                    )
                )
            )
            .scalars()
            .all()
        )
        for row in reminders:  # planned for the new day, never on a day off
            sent = date(row.trigger["year"], row.trigger["month"], row.trigger["day"])
            assert sent < held and sent not in days_off(sent.year)
    # Asked again (a second press): already decided.
    status, body = await h.post(h.teams.invoke_action(channel, SARA, move["verb"], move["data"]))
    assert "redan avgjort" in str(invoke_card(body))
