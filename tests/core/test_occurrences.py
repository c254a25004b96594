"""Schedule occurrences across daylight-saving transitions (core/occurrences.py)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from hypothesis import given, settings
from hypothesis import strategies as st

from core.occurrences import (
    InvalidSpec,
    latest_occurrence,
    latest_occurrences,
    next_occurrence,
    occurrences,
    validate_spec,
)

STHLM = ZoneInfo("Europe/Stockholm")
SPRING = date(2026, 3, 29)  # 02:00 CET -> 03:00 CEST
AUTUMN = date(2026, 10, 25)  # 03:00 CEST -> 02:00 CET


def local_day(day: date, zone: ZoneInfo = STHLM) -> tuple[datetime, datetime]:
    """The UTC instants bounding a local day: (start-of-day - 1 µs, end-of-day)."""
    start = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
    nxt = day + timedelta(days=1)
    end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone).astimezone(UTC)
    return start - timedelta(microseconds=1), end - timedelta(microseconds=1)


def on_day(spec: Mapping[str, object], day: date) -> list[str]:
    start, end = local_day(day)
    return [o.astimezone(STHLM).strftime("%H:%M%z") for o in occurrences(spec, STHLM, start, end)]


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# -- the rules, on the 2026 transition days ----------------------------------------------


@pytest.mark.parametrize("day", [SPRING, AUTUMN])
def test_13_00_fires_once_at_13_00_local_on_transition_days(day: date) -> None:
    assert on_day({"hour": 13, "minute": 0}, day) == [
        "13:00+0200" if day == SPRING else "13:00+0100"
    ]


def test_13_00_in_utc_moves_with_the_offset() -> None:
    spec = {"hour": 13, "minute": 0}
    assert occurrences(spec, STHLM, utc(2026, 3, 28), utc(2026, 3, 30)) == [
        utc(2026, 3, 28, 12),
        utc(2026, 3, 29, 11),
    ]


def test_skipped_02_30_fires_once_at_03_00() -> None:
    spec = {"hour": 2, "minute": 30}
    assert on_day(spec, SPRING - timedelta(days=1)) == ["02:30+0100"]
    assert on_day(spec, SPRING) == ["03:00+0200"]
    assert on_day(spec, SPRING + timedelta(days=1)) == ["02:30+0200"]
    assert next_occurrence(spec, STHLM, utc(2026, 3, 28, 12)) == utc(2026, 3, 29, 1)


def test_repeated_02_30_fires_once_the_first_time() -> None:
    spec = {"hour": 2, "minute": 30}
    assert on_day(spec, AUTUMN) == ["02:30+0200"]
    assert occurrences(spec, STHLM, utc(2026, 10, 24, 12), utc(2026, 10, 25, 12)) == [
        utc(2026, 10, 25, 0, 30)
    ]


def test_occurrences_inside_the_gap_collapse_into_one_at_03_00() -> None:
    assert on_day({"hour": "1-3", "minute": "*/15"}, SPRING) == [
        "01:00+0100",
        "01:15+0100",
        "01:30+0100",
        "01:45+0100",
        "03:00+0200",  # 02:00, 02:15, 02:30, 02:45 and 03:00 itself: once
        "03:15+0200",
        "03:30+0200",
        "03:45+0200",
    ]


def test_hourly_skips_the_second_pass_of_the_repeated_hour() -> None:
    assert on_day({"hour": "1-4", "minute": 30}, AUTUMN) == [
        "01:30+0200",
        "02:30+0200",
        "03:30+0100",
        "04:30+0100",
    ]


def test_from_inside_the_second_pass_the_next_is_after_it() -> None:
    second_pass_0230 = datetime(2026, 10, 25, 2, 30, tzinfo=STHLM, fold=1)
    nxt = next_occurrence({"minute": "*/30"}, STHLM, second_pass_0230.astimezone(UTC))
    assert nxt is not None
    assert nxt.astimezone(STHLM).strftime("%H:%M%z") == "03:00+0100"


def test_apscheduler_crontrigger_disagrees_on_transition_days() -> None:
    """Why the live scheduler uses our trigger: CronTrigger fires a skipped 02:30 at
    03:30 and a repeated 02:30 twice. (If this starts failing, APScheduler fixed it.)"""
    trig = CronTrigger(hour=2, minute=30, timezone=STHLM)
    spring = trig.get_next_fire_time(None, datetime(2026, 3, 29, tzinfo=STHLM))
    assert spring.astimezone(UTC).astimezone(STHLM).strftime("%H:%M") == "03:30"
    first = trig.get_next_fire_time(None, datetime(2026, 10, 25, tzinfo=STHLM))
    second = trig.get_next_fire_time(first, first + timedelta(microseconds=1))
    assert second.astimezone(UTC) > first.astimezone(UTC)
    assert second.astimezone(STHLM).date() == AUTUMN


def test_first_monday_of_the_month_at_8() -> None:
    spec = {"day_of_week": "mon", "day": "1-7", "hour": 8, "minute": 0}
    found = occurrences(spec, STHLM, utc(2026, 1, 1), utc(2026, 6, 30))
    assert [o.astimezone(STHLM).strftime("%a %d %b %H:%M") for o in found] == [
        "Mon 05 Jan 08:00",
        "Mon 02 Feb 08:00",
        "Mon 02 Mar 08:00",
        "Mon 06 Apr 08:00",
        "Mon 04 May 08:00",
        "Mon 01 Jun 08:00",
    ]


def test_window_is_start_exclusive_end_inclusive() -> None:
    spec = {"minute": 0}
    found = occurrences(spec, STHLM, utc(2026, 1, 1, 10), utc(2026, 1, 1, 12))
    assert found == [utc(2026, 1, 1, 11), utc(2026, 1, 1, 12)]


def test_latest_occurrences_looks_back_from_the_end() -> None:
    spec = {"second": "*"}
    end = utc(2026, 1, 8, 12)
    found = latest_occurrences(spec, STHLM, utc(2026, 1, 1), end, 50)
    assert found == [end - timedelta(seconds=49 - i) for i in range(50)]
    daily = {"hour": 8, "minute": 0}
    assert latest_occurrence(daily, STHLM, utc(2026, 1, 8, 7, 0, 5), timedelta(hours=1)) == utc(
        2026, 1, 8, 7
    )
    assert latest_occurrence(daily, STHLM, utc(2026, 1, 8, 9), timedelta(hours=1)) is None


@pytest.mark.parametrize(
    "spec",
    [{}, {"hour": 8, "jitter": 5}, {"hour": "25"}, {"day_of_week": "funday"}, {"minute": "*/x"}],
)
def test_invalid_specs_are_refused(spec: dict[str, object]) -> None:
    with pytest.raises(InvalidSpec):
        validate_spec(spec)


# -- properties over random specs and transition days ---------------------------------------

ZONES = [
    "Europe/Stockholm",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "America/Santiago",
]


@cache
def transitions(zone_name: str, year: int) -> tuple[datetime, ...]:
    """The UTC instants where the zone's offset changes during `year`."""
    zone = ZoneInfo(zone_name)
    found: list[datetime] = []
    at = datetime(year, 1, 1, tzinfo=UTC)
    step = timedelta(minutes=30)
    while at.year == year:
        if (at + step).astimezone(zone).utcoffset() != at.astimezone(zone).utcoffset():
            lo, hi = at, at + step
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(zone).utcoffset() == lo.astimezone(zone).utcoffset():
                    lo = mid
                else:
                    hi = mid
            found.append(hi.replace(microsecond=0))
        at += step
    return tuple(found)


hours = st.one_of(
    st.integers(0, 23).map(str),
    st.sampled_from(["*", "*/2", "*/3", "1-4", "0,2,3", "22-23"]),
)
minutes = st.one_of(st.integers(0, 59).map(str), st.sampled_from(["*/15", "*/20", "0,30", "59"]))
cron_specs = st.fixed_dictionaries(
    {"hour": hours, "minute": minutes},
    optional={"day_of_week": st.sampled_from(["sun", "sat,sun", "mon-fri", "*"])},
)


@st.composite
def windows_around_transitions(draw: st.DrawFn) -> tuple[ZoneInfo, datetime, datetime]:
    zone = draw(st.sampled_from(ZONES))
    year = draw(st.integers(2024, 2030))
    moment = draw(st.sampled_from(transitions(zone, year)))
    start = moment - timedelta(minutes=draw(st.integers(0, 36 * 60)))
    return ZoneInfo(zone), start, start + timedelta(hours=draw(st.integers(1, 48)))


@settings(max_examples=150, deadline=None)
@given(spec=cron_specs, window=windows_around_transitions())
def test_occurrences_are_increasing_unique_and_one_per_local_minute(
    spec: dict[str, str], window: tuple[ZoneInfo, datetime, datetime]
) -> None:
    zone, start, end = window
    found = occurrences(spec, zone, start, end)
    assert all(a < b for a, b in itertools.pairwise(found))
    assert all(start < o <= end for o in found)
    walls = [o.astimezone(zone).replace(tzinfo=None, second=0) for o in found]
    assert len(set(walls)) == len(walls)
    naive = CronTrigger(**spec, timezone=UTC)
    for o, wall in zip(found, walls, strict=True):
        matches = naive.get_next_fire_time(None, wall.replace(tzinfo=UTC)) == wall.replace(
            tzinfo=UTC
        )
        # Either the local time is one the spec names, or it is the end of a skipped
        # stretch that held one (the 03:00 that stands in for a skipped 02:30).
        gap_end = (
            o.astimezone(zone).utcoffset()
            != (o - timedelta(seconds=1)).astimezone(zone).utcoffset()
        )
        assert matches or gap_end, (spec, o.astimezone(zone))


@settings(max_examples=150, deadline=None)
@given(
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    zone_name=st.sampled_from(ZONES),
    year=st.integers(2024, 2030),
    data=st.data(),
)
def test_a_daily_spec_fires_exactly_once_on_every_local_day(
    hour: int, minute: int, zone_name: str, year: int, data: st.DataObject
) -> None:
    zone = ZoneInfo(zone_name)
    moment = data.draw(st.sampled_from(transitions(zone_name, year)))
    first = moment.astimezone(zone).date() - timedelta(days=2)
    days = [first + timedelta(days=i) for i in range(5)]
    start, _ = local_day(days[0], zone)
    _, end = local_day(days[-1], zone)
    found = occurrences({"hour": hour, "minute": minute}, zone, start, end)
    assert [o.astimezone(zone).date() for o in found] == days


@settings(max_examples=100, deadline=None)
@given(spec=cron_specs, offset_days=st.integers(0, 300), length_hours=st.integers(1, 72))
def test_away_from_transitions_it_agrees_with_crontrigger(
    spec: dict[str, str], offset_days: int, length_hours: int
) -> None:
    start = utc(2026, 1, 1) + timedelta(days=offset_days)
    end = start + timedelta(hours=length_hours)
    if any(
        start - timedelta(hours=3) <= t <= end + timedelta(hours=3)
        for t in transitions("Europe/Stockholm", 2026)
    ):
        return
    trig = CronTrigger(**spec, timezone=STHLM)
    expected: list[datetime] = []
    prev = None
    nxt = trig.get_next_fire_time(None, start + timedelta(microseconds=1))
    while nxt is not None and nxt <= end:
        expected.append(nxt.astimezone(UTC))
        prev = nxt
        nxt = trig.get_next_fire_time(prev, prev + timedelta(microseconds=1))
    assert occurrences(spec, STHLM, start, end) == expected
