"""Meetings and reminders on Swedish days off, with a moving clock through Christmas,
the spring daylight-saving Sunday, Easter, midsommar and the autumn one, on SQLite and
PostgreSQL (issue 17, "Holidays"): the unit's policy moves or skips a meeting the rule
puts on a day off, and no reminder is ever sent on one; local times hold across DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from core.holidays import days_off
from core.recurrence import parse_rule
from storage import meeting_occurrences_repo, meeting_series_repo
from storage.db import Database
from storage.meeting_models import MeetingOccurrence
from storage.models import Schedule, ScheduleRun
from tests.meetings.clock import run_clock, tick
from tests.support.scheduler import unit_with_channel

SE = ZoneInfo("Europe/Stockholm")
T0 = datetime(2030, 12, 1, 8, tzinfo=UTC)
DAY = timedelta(days=1)
# (unit, policy, rule): the last Thursday of December 2030 is annandag jul; Fridays meet
# on långfredagen, nationaldagen and midsommarafton in 2031; the DST Sundays are 30 March
# and 26 October 2031.
SERIES = (
    ("Kalmar", "move", "sista torsdagen varje månad 13-15"),
    ("Krokom", "skip", "varje fredag 9-10"),
    ("Berg", "move", "sista söndagen i mars och oktober 13-15"),
)
# The clock moves four days a tick through each window (a one-shot reminder fires in the
# tick its time falls in, whatever the step) and jumps between them in one tick.
WINDOWS = (
    (datetime(2030, 12, 14, tzinfo=UTC), datetime(2030, 12, 30, tzinfo=UTC)),
    (datetime(2031, 3, 20, tzinfo=UTC), datetime(2031, 3, 31, tzinfo=UTC)),
    (datetime(2031, 6, 3, tzinfo=UTC), datetime(2031, 6, 21, tzinfo=UTC)),
    (datetime(2031, 10, 17, tzinfo=UTC), datetime(2031, 10, 27, tzinfo=UTC)),
)
STEP = timedelta(days=4)


async def _setup(db: Database) -> dict[str, int]:
    ids: dict[str, int] = {}
    async with db.session() as s:
        for name, policy, rule in SERIES:
            unit = await unit_with_channel(s, name)
            unit.defaults = {"meeting_holidays": policy}
            await s.flush()
            assert unit.id is not None
            series = await meeting_series_repo.save_series(
                s, unit.id, name="Samverkansmöte", rule=parse_rule(rule, T0.date()),
                rule_text=rule, place=None, now=T0,
            )  # fmt: skip
            assert series.id is not None
            ids[name] = series.id
        await meeting_series_repo.ensure_sync_schedule(s)
    return ids


async def _meetings(db: Database, series_id: int) -> dict[date, MeetingOccurrence]:
    async with db.session() as s:
        rows = await s.execute(
            select(MeetingOccurrence).where(col(MeetingOccurrence.series_id) == series_id)
        )
        return {o.slot_at.astimezone(SE).date(): o for o in rows.scalars().all()}


async def _reminders_sent(db: Database) -> list[tuple[int, datetime]]:
    """(occurrence id, local time fired) of every reminder that fired."""
    async with db.session() as s:
        rows = await s.execute(
            select(Schedule.payload, ScheduleRun.occurrence_at)
            .join(Schedule, col(Schedule.id) == col(ScheduleRun.schedule_id))
            .where(
                col(Schedule.kind) == meeting_occurrences_repo.REMINDER_KIND,
                col(ScheduleRun.status) == "fired",
            )
        )
        return [(int(p["occurrence_id"]), at.astimezone(SE)) for p, at in rows.all()]


def _local(instant: datetime) -> tuple[date, int, int]:
    local = instant.astimezone(SE)
    return local.date(), local.hour, local.minute


async def test_a_year_of_meetings_around_the_days_off(db: Database) -> None:
    ids = await _setup(db)
    # Caught when the series is made: a year ahead, before any window reaches them.
    kalmar = await _meetings(db, ids["Kalmar"])
    boxing_day = kalmar[date(2030, 12, 26)]
    assert (boxing_day.holiday, boxing_day.holiday_action, boxing_day.status) == (
        "Annandag jul", "move", "moved",
    )  # fmt: skip
    assert _local(boxing_day.starts_at) == (date(2030, 12, 27), 13, 0)
    assert _local(boxing_day.ends_at) == (date(2030, 12, 27), 15, 0)
    krokom = await _meetings(db, ids["Krokom"])
    skipped = {d: o.holiday for d, o in krokom.items() if o.status == "cancelled"}
    assert skipped == {
        date(2031, 4, 11): "Långfredagen",
        date(2031, 6, 6): "Sveriges nationaldag",
        date(2031, 6, 20): "Midsommarafton",
    }

    previous = T0
    for start, end in WINDOWS:
        await tick(db, previous, start)  # the weeks between, caught up at once
        await run_clock([db], start, end, STEP)
        previous = end

    sent = await _reminders_sent(db)
    async with db.session() as s:
        occurrences = {
            o.id: o for o in (await s.execute(select(MeetingOccurrence))).scalars().all()
        }
    assert len(sent) > 20
    for occ_id, at in sent:
        occ = occurrences[occ_id]
        assert at.date() not in days_off(at.year), (at, occ.starts_at)
        assert occ.status != "cancelled", at
        assert (at.hour, at.minute) == _local(occ.starts_at)[1:], at  # DST: same wall time
    by_meeting: dict[tuple[int, date], list[date]] = {}
    for occ_id, at in sent:
        occ = occurrences[occ_id]
        by_meeting.setdefault((occ.series_id, _local(occ.starts_at)[0]), []).append(at.date())
    kalmar_id, krokom_id, berg_id = ids["Kalmar"], ids["Krokom"], ids["Berg"]
    # Boxing day's meeting, moved to the 27th: reminded on the 20th and, since the 26th,
    # 25th and 24th are days off, on Monday the 23rd.
    assert sorted(by_meeting[kalmar_id, date(2030, 12, 27)]) == [
        date(2030, 12, 20), date(2030, 12, 23),
    ]  # fmt: skip
    # The DST Sundays at 13:00 local, reminded a week and a day before at 13:00 local.
    berg = await _meetings(db, berg_id)
    for day in (date(2031, 3, 30), date(2031, 10, 26)):
        assert _local(berg[day].starts_at) == (day, 13, 0)
        assert sorted(by_meeting[berg_id, day]) == [day - 7 * DAY, day - DAY]
    assert berg[date(2031, 3, 30)].starts_at.hour == 11  # 13:00 CEST
    assert berg[date(2031, 10, 26)].starts_at.hour == 12  # 13:00 CET
    # Midsommarafton skipped: no reminder for it. A week before 13 June is nationaldagen:
    # that reminder comes on the 5th; the week before 27 June is midsommarafton: the 19th.
    krokom = await _meetings(db, krokom_id)
    assert krokom[date(2031, 6, 20)].status == "cancelled"
    assert (krokom_id, date(2031, 6, 20)) not in by_meeting
    assert sorted(by_meeting[krokom_id, date(2031, 6, 13)]) == [
        date(2031, 6, 5), date(2031, 6, 12),
    ]  # fmt: skip
    assert min(by_meeting[krokom_id, date(2031, 6, 27)]) == date(2031, 6, 19)
