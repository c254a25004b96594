"""`samverkan meetings ics`: the series and one meeting as .ics files, parsed back with
icalendar, from the stored series (both backends). A Thursday series with the `skip`
policy always has Kristi himmelsfärdsdag within a year: an EXDATE."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar
from typer.testing import CliRunner

from cli.main import app
from core.holidays import days_off
from core.recurrence import parse_rule
from storage import meeting_series_repo
from storage.db import Database
from storage.types import utcnow
from tests.support.ics import exdates, rrule
from tests.support.scheduler import unit_with_channel

SE = ZoneInfo("Europe/Stockholm")
RULE = "varje torsdag 13-15"


def test_the_series_and_one_meeting_as_ics(db_url: str, tmp_path: Path) -> None:
    async def setup() -> None:
        db = Database(db_url)
        try:
            async with db.session() as s:
                unit = await unit_with_channel(s, "Kalmar")
                unit.defaults = {"meeting_holidays": "skip"}
                await s.flush()
                assert unit.id is not None
                now = utcnow()
                await meeting_series_repo.save_series(
                    s, unit.id, name="Samverkansmöte", rule=parse_rule(RULE, now.date()),
                    rule_text=RULE, place="Rum 2", now=now,
                )  # fmt: skip
        finally:
            await db.dispose()

    asyncio.run(setup())
    env = {"DATABASE_URL": db_url}
    result = CliRunner().invoke(
        app, ["meetings", "ics", "--unit", "Kalmar", "-o", str(tmp_path)], env=env
    )
    assert result.exit_code == 0, result.output
    written = tmp_path / "samverkansmote.ics"
    cal = Calendar.from_ical(written.read_bytes())
    [event] = cal.walk("VEVENT")
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Stockholm"]
    assert rrule(event)["FREQ"] == ["WEEKLY"] and rrule(event)["BYDAY"] == ["TH"]
    assert event["LOCATION"] == "Rum 2"
    skipped = exdates(event)
    assert skipped and all(d.date() in days_off(d.year) for d in skipped)
    assert all((d.hour, d.tzinfo.key) == (13, "Europe/Stockholm") for d in skipped)  # type: ignore[union-attr]
    uid = event["UID"]

    again = CliRunner().invoke(app, ["meetings", "ics", "--unit", "Kalmar"], env=env)
    assert Calendar.from_ical(again.stdout.encode()).walk("VEVENT")[0]["UID"] == uid

    one = CliRunner().invoke(app, ["meetings", "ics", "--unit", "Kalmar", "--next"], env=env)
    assert one.exit_code == 0, one.output
    [meeting] = Calendar.from_ical(one.stdout.encode()).walk("VEVENT")
    start = meeting.decoded("DTSTART")
    assert start.weekday() == 3 and start.hour == 13 and "RRULE" not in meeting
    assert start - utcnow().astimezone(SE) < timedelta(days=8) and meeting["UID"] != uid

    missing = CliRunner().invoke(app, ["meetings", "ics", "--unit", "Nowhere"], env=env)
    assert missing.exit_code == 1 and "No unit called" in missing.output
