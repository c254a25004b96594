"""Recurrences as coordinators say them, and their occurrences in Stockholm time."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.recurrence import Recurrence, RuleError, nth_weekday, occurrences_after, parse_rule

TODAY = date(2026, 11, 23)
SE = "Europe/Stockholm"
TZ = ZoneInfo(SE)


@pytest.mark.parametrize(
    ("text", "freq", "weekday", "nth", "interval", "start", "end"),
    [
        ("första tisdagen varje månad 13–15", "monthly", 1, 1, 1, time(13), time(15)),
        ("first tuesday monthly 13:00-15:00", "monthly", 1, 1, 1, time(13), time(15)),
        ("sista torsdagen i månaden 13.00-15.00", "monthly", 3, -1, 1, time(13), time(15)),
        ("last thursday of every month 13-15", "monthly", 3, -1, 1, time(13), time(15)),
        ("second thursday every 2 months 09:00-12:00", "monthly", 3, 2, 2, time(9), time(12)),
        ("andra torsdagen varannan månad 9-12", "monthly", 3, 2, 2, time(9), time(12)),
        ("varannan torsdag 9-10", "weekly", 3, None, 2, time(9), time(10)),
        ("every other thursday", "weekly", 3, None, 2, None, None),
        ("every second thursday 9-10", "weekly", 3, None, 2, time(9), time(10)),
        ("varje vecka måndag 8.30", "weekly", 0, None, 1, time(8, 30), time(9, 30)),
        ("every monday at 8", "weekly", 0, None, 1, time(8), time(9)),
        ("onsdagar kl 14.15-15", "weekly", 2, None, 1, time(14, 15), time(15)),
        ("var tredje vecka fredag 10-11", "weekly", 4, None, 3, time(10), time(11)),
    ],
)
def test_parse(
    text: str,
    freq: str,
    weekday: int,
    nth: int | None,
    interval: int,
    start: time | None,
    end: time | None,
) -> None:
    rule = parse_rule(text, TODAY)
    assert (rule.freq, rule.weekday, rule.nth, rule.interval, rule.start, rule.end) == (
        freq,
        weekday,
        nth,
        interval,
        start,
        end,
    )
    assert Recurrence.from_dict(rule.to_dict()) == rule


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("varje månad 13-15", "no_weekday"),
        ("tisdag 15-13", "bad_time"),
        ("tisdag 25:00", "bad_time"),
    ],
)
def test_parse_errors(text: str, code: str) -> None:
    with pytest.raises(RuleError) as err:
        parse_rule(text, TODAY)
    assert err.value.code == code


def _local(rows: list[tuple[datetime, datetime]]) -> list[str]:
    return [s.astimezone(TZ).strftime("%Y-%m-%d %H:%M") for s, _ in rows]


def test_first_tuesday_monthly_across_dst() -> None:
    rule = parse_rule("första tisdagen varje månad 13–15", TODAY)
    rows = occurrences_after(rule, SE, datetime(2026, 2, 1, tzinfo=UTC), 4)
    assert _local(rows) == [
        "2026-02-03 13:00",
        "2026-03-03 13:00",
        "2026-04-07 13:00",
        "2026-05-05 13:00",
    ]
    # 13:00 local both sides of the March change: UTC 12:00 in winter, 11:00 in summer.
    assert rows[1][0].hour == 12 and rows[2][0].hour == 11
    assert all(e - s == timedelta(hours=2) for s, e in rows)


def test_every_other_thursday_keeps_its_phase() -> None:
    rule = parse_rule("varannan torsdag 9-10", TODAY)
    assert rule.anchor == date(2026, 11, 26)
    rows = occurrences_after(rule, SE, datetime(2026, 11, 27, tzinfo=UTC), 3)
    assert _local(rows) == ["2026-12-10 09:00", "2026-12-24 09:00", "2027-01-07 09:00"]


def test_every_two_months_from_the_anchor() -> None:
    rule = parse_rule("second thursday every 2 months 09:00-12:00", TODAY)
    rows = occurrences_after(rule, SE, datetime(2026, 11, 1, tzinfo=UTC), 3)
    assert _local(rows) == ["2026-12-10 09:00", "2027-02-11 09:00", "2027-04-08 09:00"]


def test_a_meeting_in_the_skipped_hour_falls_at_the_end_of_the_gap() -> None:
    rule = Recurrence("monthly", 6, time(2, 30), time(3, 30), 1, -1)  # last Sunday 02:30
    [(start, _)] = occurrences_after(rule, SE, datetime(2026, 3, 1, tzinfo=UTC), 1)
    assert start == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST


@settings(max_examples=60)
@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2060, 1, 1)),
    st.sampled_from(
        [
            "första tisdagen varje månad 13–15",
            "sista fredagen varje månad 8-9",
            "varannan torsdag 9-10",
            "varje vecka måndag 8.30",
            "andra onsdagen var tredje månad 10-12",
        ]
    ),
)
def test_occurrences_are_increasing_future_and_at_the_local_time(
    after: datetime, text: str
) -> None:
    rule = parse_rule(text, TODAY)
    after_utc = after.replace(tzinfo=UTC)
    rows = occurrences_after(rule, SE, after_utc, 5)
    assert len(rows) == 5
    starts = [s for s, _ in rows]
    assert starts == sorted(set(starts)) and starts[0] > after_utc
    for s, e in rows:
        local = s.astimezone(TZ)
        assert (local.hour, local.minute) == (rule.start.hour, rule.start.minute)  # type: ignore[union-attr]
        assert local.weekday() == rule.weekday and e > s
        if rule.nth == 1:
            assert local.day <= 7
    if rule.interval > 1 and rule.freq == "weekly":
        days = [s.astimezone(TZ).date() for s in starts]
        assert all((b - a).days == 7 * rule.interval for a, b in itertools.pairwise(days))


def test_nth_weekday() -> None:
    assert nth_weekday(2026, 12, 1, 1) == date(2026, 12, 1)
    assert nth_weekday(2026, 12, 3, -1) == date(2026, 12, 31)
    assert nth_weekday(2026, 2, 0, 5) is None
