"""`kalender ‹enhet›` in the personal chat: the unit's series or one meeting as an .ics file,
through Teams' file consent flow, parsed back with icalendar."""

from __future__ import annotations

from datetime import date, timedelta

import icalendar
from sqlmodel import select

from storage.meeting_models import MeetingSeries
from tests.fakes.onedrive import FakeOneDrive
from tests.support.files import accept_offer
from tests.support.harness import BotHarness
from tests.support.indicators import seed_county
from tests.teams import TeamsUser, new_channel

SARA = TeamsUser(name="Sara Samordnare", upn="sara@example.se")  # coordinator of Krokom
NILS = TeamsUser(name="Nils Sjuksköterska", upn="nils@example.se")  # no part in Krokom
WEEKDAYS = ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]


async def test_the_series_and_the_next_meeting_come_as_calendar_files(
    bot: BotHarness, drive: FakeOneDrive
) -> None:
    h = bot
    await seed_county(h.db, [("Krokom", SARA.aad_object_id, "coordinator")])
    channel = new_channel("Krokom samverkan")
    await h.say(h.teams.install_in_team(channel, SARA))
    await h.say(h.teams.channel_message(channel, SARA, "koppla Krokom"))
    weekday = WEEKDAYS[(date.today() + timedelta(days=3)).weekday()]
    await h.say(h.teams.channel_message(channel, SARA, f"möte ny Arbetsmöte varje {weekday} 13–15"))
    async with h.db.read() as s:
        assert (await s.execute(select(MeetingSeries))).scalars().first() is not None

    # In the channel: files only in the personal chat.
    await h.say(h.teams.channel_message(channel, SARA, "kalender"))
    await h.connector.wait_for(lambda p: "personliga chatt" in p.text)

    await h.say(h.teams.personal_message(SARA, "kalender Krokom"))
    name, upload = await accept_offer(h, drive, SARA)
    assert name.endswith(".ics")
    cal = icalendar.Calendar.from_ical(upload.data)
    [event] = [c for c in cal.walk("VEVENT")]
    assert str(event["SUMMARY"]) == "Arbetsmöte" and "RRULE" in event
    assert event.decoded("DTSTART").hour == 13

    mark = len(h.connector.posted)
    await h.say(h.teams.personal_message(SARA, "kalender Krokom nästa"))
    _name, upload = await accept_offer(h, drive, SARA, after=mark)
    [one] = [c for c in icalendar.Calendar.from_ical(upload.data).walk("VEVENT")]
    assert "RRULE" not in one
    assert one.decoded("DTSTART").date() > date.today()

    # A date without a meeting, and a unit the person has no part in, are told plainly.
    await h.say(h.teams.personal_message(SARA, "kalender Krokom 1999-01-01"))
    await h.connector.wait_for(lambda p: "har inget möte" in p.text)
    await h.say(h.teams.personal_message(SARA, "kalender Krokom 99 smurf"))
    await h.connector.wait_for(lambda p: "förstår inte datumet" in p.text)
    await h.say(h.teams.personal_message(NILS, "kalender Krokom"))
    await h.connector.wait_for(lambda p: "Du hör inte till Krokom" in p.text)
    assert len(drive.uploads) == 2
