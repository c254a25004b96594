"""The .ics mapping, read back with icalendar: the series' RRULE in local time with its
Europe/Stockholm VTIMEZONE, skipped meetings as EXDATE, a moved one as an override with
RECURRENCE-ID, stable UIDs, and times that hold across daylight saving."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar

from core.invitations import Meeting, Occurrence, calendar
from core.recurrence import parse_rule
from tests.support.ics import exdates, rrule

SE = ZoneInfo("Europe/Stockholm")
NOW = datetime(2030, 11, 25, 8, tzinfo=UTC)


def _at(y: int, m: int, d: int, h: int) -> datetime:
    return datetime(y, m, d, h, tzinfo=SE).astimezone(UTC)


def _utc_offset_hours(d: datetime) -> float:
    offset = d.utcoffset()
    assert offset is not None
    return offset.total_seconds() // 3600


def _series() -> Meeting:
    rule = parse_rule("sista torsdagen varje månad 13-15 till och med 2031-12-31", NOW.date())
    return Meeting(
        uid="series-7.app@samverkan",
        summary="Samverkansmöte",
        description="Kalmar: sista torsdagen varje månad kl. 13.00–15.00",
        zone="Europe/Stockholm",
        first_start=_at(2030, 11, 28, 13),
        first_end=_at(2030, 11, 28, 15),
        rrule=rule.rrule,
        until_utc=datetime(2031, 12, 31, 23, 59, 59, tzinfo=SE),
        place="Rum 2",
        updated_at=datetime(2030, 11, 25, 8, tzinfo=UTC),
        exceptions=[
            Occurrence(
                _at(2030, 12, 26, 13),
                _at(2030, 12, 27, 13),
                _at(2030, 12, 27, 15),
                "moved",
                "Rum 2",
                NOW,
            ),  # annandag jul, moved to the 27th
            Occurrence(
                _at(2031, 5, 29, 13), _at(2031, 5, 29, 13), _at(2031, 5, 29, 15), "cancelled"
            ),
        ],
    )


def test_a_series_reads_back_as_one_recurring_event_with_its_exceptions() -> None:
    data = calendar(_series(), NOW)
    cal = Calendar.from_ical(data)
    assert cal["METHOD"] == "PUBLISH"
    [tz] = cal.walk("VTIMEZONE")
    assert tz["TZID"] == "Europe/Stockholm"
    main, moved = cal.walk("VEVENT")
    assert main["UID"] == moved["UID"] == "series-7.app@samverkan"
    assert main.decoded("DTSTART") == datetime(2030, 11, 28, 13, tzinfo=SE)
    assert main["DTSTART"].params["TZID"] == "Europe/Stockholm"
    recur = rrule(main)
    assert recur["FREQ"] == ["MONTHLY"] and recur["BYDAY"] == ["-1TH"]
    assert recur["UNTIL"] == [datetime(2031, 12, 31, 22, 59, 59, tzinfo=UTC)]
    assert exdates(main) == [datetime(2031, 5, 29, 13, tzinfo=SE)]
    assert moved.decoded("RECURRENCE-ID") == datetime(2030, 12, 26, 13, tzinfo=SE)
    assert moved.decoded("DTSTART") == datetime(2030, 12, 27, 13, tzinfo=SE)
    assert main["LOCATION"] == "Rum 2" and main["STATUS"] == "CONFIRMED"
    # The same series exports with the same UID and bytes but for DTSTAMP.
    again = Calendar.from_ical(calendar(_series(), NOW))
    assert [e["UID"] for e in again.walk("VEVENT")] == [main["UID"], moved["UID"]]


def test_the_calendar_expands_the_rule_at_13_local_across_dst() -> None:
    cal = Calendar.from_ical(calendar(_series(), NOW))
    from dateutil.rrule import rrulestr

    main = cal.walk("VEVENT")[0]
    start = main.decoded("DTSTART")
    expanded = list(rrulestr(rrule(main).to_ical().decode(), dtstart=start))
    assert {d.astimezone(SE).hour for d in expanded} == {13}
    assert {_utc_offset_hours(d) for d in expanded} == {1, 2}  # CET and CEST


def test_one_meeting_cancelled() -> None:
    meeting = Meeting(
        uid="meeting-12.app@samverkan", summary="Samverkansmöte", description="",
        zone="Europe/Stockholm", first_start=_at(2030, 12, 3, 13),
        first_end=_at(2030, 12, 3, 15), rrule=None, status="cancelled",
    )  # fmt: skip
    [event] = Calendar.from_ical(calendar(meeting, NOW)).walk("VEVENT")
    assert event["STATUS"] == "CANCELLED" and "RRULE" not in event
    assert event.decoded("DTEND") == datetime(2030, 12, 3, 15, tzinfo=SE)
