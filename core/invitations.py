"""Meetings as iCalendar (RFC 5545) invitations: the content mapping, pure.

A series is one VEVENT with the series' DTSTART (its first meeting, local time with
TZID) and RRULE; a meeting the unit skipped or cancelled is an EXDATE, a meeting moved
(by a coordinator or the holiday policy) an overriding VEVENT with the same UID and a
RECURRENCE-ID naming the slot it moved from. A single meeting is a VEVENT of its own
(its own UID; STATUS:CANCELLED once cancelled). Times are written in the series' zone
with its VTIMEZONE (Europe/Stockholm), so a calendar keeps 13:00 at 13:00 across
daylight-saving changes; UIDs are stable (the same meeting exports with the same UID
every time, so a second import updates instead of duplicating) and SEQUENCE grows with
each change. METHOD:PUBLISH: the file adds the meeting to the reader's own calendar
(no organizer or attendee list: Samverkan sends no meeting requests on anyone's behalf).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur

PRODID = "-//Samverkan//Meetings//SV"


@dataclass(frozen=True)
class Occurrence:
    slot_at: datetime  # where the rule put it (UTC): RECURRENCE-ID / EXDATE
    starts_at: datetime  # where it is (UTC)
    ends_at: datetime
    status: str  # scheduled | moved | cancelled
    place: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Meeting:
    """What goes into the file: the series (or one meeting) as plain data."""

    uid: str
    summary: str
    description: str
    zone: str
    first_start: datetime  # DTSTART (UTC), the series' first meeting
    first_end: datetime
    rrule: str | None  # the RRULE value (core.recurrence.Recurrence.rrule), None: one meeting
    until_utc: datetime | None = None  # UNTIL, in UTC as RFC 5545 needs with a TZID
    place: str | None = None
    url: str | None = None  # the Teams join link, when there is one
    status: str = "scheduled"
    updated_at: datetime | None = None
    exceptions: list[Occurrence] = field(default_factory=list)  # cancelled or moved


def sequence(updated_at: datetime | None) -> int:
    """SEQUENCE: minutes since 2020 of the last change (grows with every change)."""
    if updated_at is None:
        return 0
    return max(0, int((updated_at - datetime(2020, 1, 1, tzinfo=UTC)).total_seconds() // 60))


def _stamp(updated_at: datetime | None, now: datetime) -> datetime:
    return (updated_at or now).astimezone(UTC)


def _event(m: Meeting, start: datetime, end: datetime, now: datetime) -> Event:
    tz = ZoneInfo(m.zone)
    event = Event()
    event.add("uid", m.uid)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("summary", m.summary)
    event.add("description", m.description)
    event.add("dtstart", start.astimezone(tz))
    event.add("dtend", end.astimezone(tz))
    if m.place:
        event.add("location", m.place)
    if m.url:
        event.add("url", m.url)
    return event


def calendar(meeting: Meeting, now: datetime) -> bytes:
    """The .ics file for a series (with its exceptions) or for one meeting."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    cal.add("calscale", "GREGORIAN")
    main = _event(meeting, meeting.first_start, meeting.first_end, now)
    main.add("sequence", sequence(meeting.updated_at))
    main.add("last-modified", _stamp(meeting.updated_at, now))
    main.add("status", "CANCELLED" if meeting.status == "cancelled" else "CONFIRMED")
    tz = ZoneInfo(meeting.zone)
    if meeting.rrule:
        recur = vRecur.from_ical(meeting.rrule)
        if meeting.until_utc is not None:
            recur["UNTIL"] = [meeting.until_utc.astimezone(UTC)]
        main.add("rrule", recur)
        skipped = [o.slot_at.astimezone(tz) for o in meeting.exceptions if o.status == "cancelled"]
        if skipped:
            main.add("exdate", sorted(skipped))
    cal.add_component(main)
    if meeting.rrule:
        for occ in meeting.exceptions:
            if occ.status == "cancelled" or occ.starts_at == occ.slot_at:
                continue
            moved = _event(meeting, occ.starts_at, occ.ends_at, now)
            if occ.place and occ.place != meeting.place:
                moved["location"] = occ.place
            moved.add("recurrence-id", occ.slot_at.astimezone(tz))
            moved.add("sequence", sequence(occ.updated_at))
            moved.add("status", "CONFIRMED")
            cal.add_component(moved)
    cal.add_missing_timezones()
    return cal.to_ical()
