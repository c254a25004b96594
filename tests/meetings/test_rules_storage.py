"""A series is stored with its RRULE and planned from it, on SQLite and PostgreSQL: the
meetings and their reminders keep their local time across both daylight-saving weekends,
a counted series stops, and a series stored before RRULEs keeps working."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from sqlalchemy import update
from sqlmodel import col

from core.recurrence import Recurrence, parse_rule
from storage import meeting_occurrences_repo, meeting_series_repo, schedules_repo
from storage.db import Database
from storage.meeting_models import MeetingSeries
from storage.models import Unit

SE = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


async def _unit(db: Database) -> int:
    async with db.session() as s:
        unit = Unit(name="Östersund", level="cluster", defaults={})
        s.add(unit)
        await s.flush()
        assert unit.id is not None
        return unit.id


async def _save(db: Database, unit_id: int, text: str, now: datetime = NOW) -> MeetingSeries:
    async with db.session() as s:
        return await meeting_series_repo.save_series(
            s, unit_id, name="Samverkansmöte", rule=parse_rule(text, now.date()),
            rule_text=text, place=None, now=now,
        )  # fmt: skip


async def test_the_dst_sundays_meet_at_13_local_and_are_reminded_at_13(db: Database) -> None:
    unit_id = await _unit(db)
    series = await _save(db, unit_id, "sista söndagen i mars och oktober 13-15")
    assert series.rrule == (
        "DTSTART;TZID=Europe/Stockholm:20270328T130000\nRRULE:FREQ=YEARLY;BYMONTH=3,10;BYDAY=-1SU"
    )
    async with db.session() as s:
        fresh = await s.get(MeetingSeries, series.id)
        assert fresh is not None
        occs = await meeting_occurrences_repo.upcoming(s, fresh, NOW)
        # The stored RRULE, read by any RFC 5545 reader, gives the meetings planned.
        # types-python-dateutil types rrule[slice] as one datetime; it is a list.
        from_rrule = [d.astimezone(UTC) for d in rrulestr(fresh.rrule)[:2]]  # type: ignore[attr-defined]
        assert (
            [o.starts_at for o in occs]
            == from_rrule
            == [
                datetime(2027, 3, 28, 11, tzinfo=UTC),  # 13:00 CEST, the morning the clocks jump
                datetime(2027, 10, 31, 12, tzinfo=UTC),  # 13:00 CET, the day they go back
            ]
        )
        assert [o.ends_at - o.starts_at for o in occs] == [timedelta(hours=2)] * 2
        for occ in occs:
            assert occ.id is not None
            for lead in (7, 1):
                schedule = await schedules_repo.get_schedule(
                    s, meeting_occurrences_repo.reminder_key(occ.id, lead)
                )
                assert schedule is not None and schedule.timezone == "Europe/Stockholm"
                local = occ.starts_at.astimezone(SE)
                day = local.date() - timedelta(days=lead)
                assert schedule.trigger == {
                    "year": day.year, "month": day.month, "day": day.day,
                    "hour": 13, "minute": 0,
                }  # fmt: skip


async def test_a_counted_series_stops_after_its_last_meeting(db: Database) -> None:
    unit_id = await _unit(db)
    series = await _save(db, unit_id, "varannan torsdag 9-10 3 gånger")
    assert "COUNT=3" in series.rrule
    async with db.session() as s:
        fresh = await s.get(MeetingSeries, series.id)
        assert fresh is not None
        seen = set()
        for now in (NOW, datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 20, tzinfo=UTC)):
            seen |= {o.starts_at for o in await meeting_occurrences_repo.plan_series(s, fresh, now)}
        assert sorted(d.astimezone(SE).strftime("%m-%d %H:%M") for d in seen) == [
            "11-26 09:00", "12-10 09:00", "12-24 09:00",
        ]  # fmt: skip
        assert (
            await meeting_occurrences_repo.plan_series(s, fresh, datetime(2026, 12, 25, tzinfo=UTC))
            == []
        )
        assert await meeting_series_repo.sync_all(s, datetime(2027, 1, 4, tzinfo=UTC)) == 1


async def test_a_series_stored_before_rrules_is_planned_and_gets_its_rrule(db: Database) -> None:
    unit_id = await _unit(db)
    old_rule = {"freq": "monthly", "weekday": 1, "start": "13:00", "end": "15:00",
                "interval": 1, "nth": 1, "anchor": None}  # fmt: skip
    async with db.session() as s:
        s.add(MeetingSeries(unit_id=unit_id, name="Samverkansmöte", rule_text="x", rule=old_rule))
    async with db.session() as s:
        [series] = await meeting_series_repo.series_of(s, unit_id)
        assert series.rrule == ""
        occs = await meeting_occurrences_repo.plan_series(s, series, NOW)
        assert [o.starts_at.astimezone(SE).strftime("%Y-%m-%d %H:%M") for o in occs] == [
            "2026-12-01 13:00", "2027-01-05 13:00",
        ]  # fmt: skip
        # `möte plats …` saves the stored rule again: it gets its first meeting and RRULE.
        await meeting_series_repo.save_series(
            s, unit_id, name="Samverkansmöte", rule=Recurrence.from_dict(series.rule),
            rule_text="x", place="Rum 2", now=NOW,
        )  # fmt: skip
    async with db.session() as s:
        [series] = await meeting_series_repo.series_of(s, unit_id)
        assert series.rrule == (
            "DTSTART;TZID=Europe/Stockholm:20261201T130000\nRRULE:FREQ=MONTHLY;BYDAY=1TU"
        )
        assert series.rule["anchor"] == "2026-12-01" and series.rule["days"] == [[1, 1]]


async def test_the_org_file_reports_the_words_it_did_not_understand(db: Database) -> None:
    unit_id = await _unit(db)
    async with db.session() as s:
        await s.execute(
            update(Unit)
            .where(col(Unit.id) == unit_id)
            .values(defaults={"meetings": [{"rule": "varje tisdag utom jul 13-15"}]})
        )
    async with db.session() as s:
        unit = await s.get(Unit, unit_id)
        assert unit is not None
        problems = await meeting_series_repo.sync_unit_from_org(s, unit, NOW)
        assert problems == ["meetings[0].rule: unknown_words: utom, jul"]
        assert await meeting_series_repo.series_of(s, unit_id) == []
