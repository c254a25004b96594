"""Meeting rules as coordinators say them: each parses completely into an RFC 5545 RRULE
with its meetings in Stockholm wall-clock time, or is refused naming what was not understood.

The table below is the contract (issue 17, "Rules never lose words"): Swedish and English
phrasings, each with its RRULE and its first three meetings from Monday 23 November 2026,
and the refusals, each with the words it names.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from core.recurrence import Recurrence, RuleError, nth_weekday, occurrences_after, parse_rule

TODAY = date(2026, 11, 23)  # a Monday
SE = "Europe/Stockholm"
TZ = ZoneInfo(SE)
FROM = datetime(2026, 11, 23, tzinfo=TZ)  # the first meetings counted from this midnight

ODD = ",".join(str(w) for w in range(1, 54, 2))
EVEN = ",".join(str(w) for w in range(2, 53, 2))

PARSED = [
    (
        "första tisdagen varje månad 13–15",
        "FREQ=MONTHLY;BYDAY=1TU",
        ["2026-12-01 13:00", "2027-01-05 13:00", "2027-02-02 13:00"],
    ),
    (
        "första och tredje tisdagen varje månad 13-15",
        "FREQ=MONTHLY;BYDAY=1TU,3TU",
        ["2026-12-01 13:00", "2026-12-15 13:00", "2027-01-05 13:00"],
    ),
    (
        "1:a och 3:e tisdagen i månaden kl. 13.00-15.00",
        "FREQ=MONTHLY;BYDAY=1TU,3TU",
        ["2026-12-01 13:00", "2026-12-15 13:00", "2027-01-05 13:00"],
    ),
    (
        "andra och fjärde onsdagen 9-10",
        "FREQ=MONTHLY;BYDAY=2WE,4WE",
        ["2026-11-25 09:00", "2026-12-09 09:00", "2026-12-23 09:00"],
    ),
    (
        "sista torsdagen i månaden 13.00-15.00",
        "FREQ=MONTHLY;BYDAY=-1TH",
        ["2026-11-26 13:00", "2026-12-31 13:00", "2027-01-28 13:00"],
    ),
    (
        "näst sista fredagen varje månad 8-9",
        "FREQ=MONTHLY;BYDAY=-2FR",
        ["2026-12-18 08:00", "2027-01-22 08:00", "2027-02-19 08:00"],
    ),
    (
        "första tisdagen och tredje torsdagen varje månad 13-15",
        "FREQ=MONTHLY;BYDAY=1TU,3TH",
        ["2026-12-01 13:00", "2026-12-17 13:00", "2027-01-05 13:00"],
    ),
    (
        "sista söndagen i mars 10-12",
        "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        ["2027-03-28 10:00", "2028-03-26 10:00", "2029-03-25 10:00"],
    ),
    (
        "sista söndagen i oktober kl 10",
        "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        ["2027-10-31 10:00", "2028-10-29 10:00", "2029-10-28 10:00"],
    ),
    (
        "första måndagen i mars, juni och september 13-15",
        "FREQ=YEARLY;BYMONTH=3,6,9;BYDAY=1MO",
        ["2027-03-01 13:00", "2027-06-07 13:00", "2027-09-06 13:00"],
    ),
    (
        "andra torsdagen varannan månad 9-12",
        "FREQ=MONTHLY;INTERVAL=2;BYDAY=2TH",
        ["2026-12-10 09:00", "2027-02-11 09:00", "2027-04-08 09:00"],
    ),
    (
        "andra onsdagen var tredje månad 10-12",
        "FREQ=MONTHLY;INTERVAL=3;BYDAY=2WE",
        ["2026-12-09 10:00", "2027-03-10 10:00", "2027-06-09 10:00"],
    ),
    (
        "varannan torsdag 9-10",
        "FREQ=WEEKLY;INTERVAL=2;WKST=MO;BYDAY=TH",
        ["2026-11-26 09:00", "2026-12-10 09:00", "2026-12-24 09:00"],
    ),
    (
        "varannan vecka på tisdag kl 14.15-15",
        "FREQ=WEEKLY;INTERVAL=2;WKST=MO;BYDAY=TU",
        ["2026-11-24 14:15", "2026-12-08 14:15", "2026-12-22 14:15"],
    ),
    (
        "var tredje vecka fredag 10-11",
        "FREQ=WEEKLY;INTERVAL=3;WKST=MO;BYDAY=FR",
        ["2026-11-27 10:00", "2026-12-18 10:00", "2027-01-08 10:00"],
    ),
    (
        "var 4:e vecka måndag 8.30",
        "FREQ=WEEKLY;INTERVAL=4;WKST=MO;BYDAY=MO",
        ["2026-11-23 08:30", "2026-12-21 08:30", "2027-01-18 08:30"],
    ),
    (
        "varje vecka måndag 8.30",
        "FREQ=WEEKLY;BYDAY=MO",
        ["2026-11-23 08:30", "2026-11-30 08:30", "2026-12-07 08:30"],
    ),
    (
        "onsdagar kl 14.15-15",
        "FREQ=WEEKLY;BYDAY=WE",
        ["2026-11-25 14:15", "2026-12-02 14:15", "2026-12-09 14:15"],
    ),
    (
        "måndagar och torsdagar 8-9",
        "FREQ=WEEKLY;BYDAY=MO,TH",
        ["2026-11-23 08:00", "2026-11-26 08:00", "2026-11-30 08:00"],
    ),
    (
        "tisdagar udda veckor 13-14",
        "FREQ=YEARLY;WKST=MO;BYWEEKNO=" + ODD + ";BYDAY=TU",
        ["2026-12-01 13:00", "2026-12-15 13:00", "2026-12-29 13:00"],
    ),
    (
        "onsdag jämna veckor 9-10",
        "FREQ=YEARLY;WKST=MO;BYWEEKNO=" + EVEN + ";BYDAY=WE",
        ["2026-11-25 09:00", "2026-12-09 09:00", "2026-12-23 09:00"],
    ),
    (
        "torsdag vecka 10, 20 och 30 13-15",
        "FREQ=YEARLY;WKST=MO;BYWEEKNO=10,20,30;BYDAY=TH",
        ["2027-03-11 13:00", "2027-05-20 13:00", "2027-07-29 13:00"],
    ),
    (
        "varje måndag utom juli 8.30",
        "FREQ=WEEKLY;BYMONTH=1,2,3,4,5,6,8,9,10,11,12;BYDAY=MO",
        ["2026-11-23 08:30", "2026-11-30 08:30", "2026-12-07 08:30"],
    ),
    (
        "första tisdagen varje månad utom i juli och augusti 13-15",
        "FREQ=MONTHLY;BYMONTH=1,2,3,4,5,6,9,10,11,12;BYDAY=1TU",
        ["2026-12-01 13:00", "2027-01-05 13:00", "2027-02-02 13:00"],
    ),
    (
        "varje tisdag i juni och augusti 13-15",
        "FREQ=WEEKLY;BYMONTH=6,8;BYDAY=TU",
        ["2027-06-01 13:00", "2027-06-08 13:00", "2027-06-15 13:00"],
    ),
    (
        "första tisdagen varje månad 13-15 till och med 2027-03-31",
        "FREQ=MONTHLY;UNTIL=20270331T235959;BYDAY=1TU",
        ["2026-12-01 13:00", "2027-01-05 13:00", "2027-02-02 13:00"],
    ),
    (
        "varannan torsdag 9-10 t.o.m. 24 december 2026",
        "FREQ=WEEKLY;UNTIL=20261224T235959;INTERVAL=2;WKST=MO;BYDAY=TH",
        ["2026-11-26 09:00", "2026-12-10 09:00", "2026-12-24 09:00"],
    ),
    (
        "varannan torsdag 9-10 3 gånger",
        "FREQ=WEEKLY;COUNT=3;INTERVAL=2;WKST=MO;BYDAY=TH",
        ["2026-11-26 09:00", "2026-12-10 09:00", "2026-12-24 09:00"],
    ),
    (
        "mellan 13 och 15 varje onsdag",
        "FREQ=WEEKLY;BYDAY=WE",
        ["2026-11-25 13:00", "2026-12-02 13:00", "2026-12-09 13:00"],
    ),
    (
        "varje onsdag från 13 till 15",
        "FREQ=WEEKLY;BYDAY=WE",
        ["2026-11-25 13:00", "2026-12-02 13:00", "2026-12-09 13:00"],
    ),
    (
        "sista söndagen i mars vartannat år 10-12",
        "FREQ=YEARLY;INTERVAL=2;BYMONTH=3;BYDAY=-1SU",
        ["2027-03-28 10:00", "2029-03-25 10:00", "2031-03-30 10:00"],
    ),
    (
        "first tuesday monthly 13:00-15:00",
        "FREQ=MONTHLY;BYDAY=1TU",
        ["2026-12-01 13:00", "2027-01-05 13:00", "2027-02-02 13:00"],
    ),
    (
        "first and third tuesday monthly 13-15",
        "FREQ=MONTHLY;BYDAY=1TU,3TU",
        ["2026-12-01 13:00", "2026-12-15 13:00", "2027-01-05 13:00"],
    ),
    (
        "the 1st and 3rd tuesday of every month 13-15",
        "FREQ=MONTHLY;BYDAY=1TU,3TU",
        ["2026-12-01 13:00", "2026-12-15 13:00", "2027-01-05 13:00"],
    ),
    (
        "last thursday of every month 13-15",
        "FREQ=MONTHLY;BYDAY=-1TH",
        ["2026-11-26 13:00", "2026-12-31 13:00", "2027-01-28 13:00"],
    ),
    (
        "second to last friday of the month 8-9",
        "FREQ=MONTHLY;BYDAY=-2FR",
        ["2026-12-18 08:00", "2027-01-22 08:00", "2027-02-19 08:00"],
    ),
    (
        "second thursday every 2 months 09:00-12:00",
        "FREQ=MONTHLY;INTERVAL=2;BYDAY=2TH",
        ["2026-12-10 09:00", "2027-02-11 09:00", "2027-04-08 09:00"],
    ),
    (
        "every other thursday 9-10",
        "FREQ=WEEKLY;INTERVAL=2;WKST=MO;BYDAY=TH",
        ["2026-11-26 09:00", "2026-12-10 09:00", "2026-12-24 09:00"],
    ),
    (
        "every second thursday 9-10",
        "FREQ=WEEKLY;INTERVAL=2;WKST=MO;BYDAY=TH",
        ["2026-11-26 09:00", "2026-12-10 09:00", "2026-12-24 09:00"],
    ),
    (
        "every second tuesday of the month 13-15",
        "FREQ=MONTHLY;BYDAY=2TU",
        ["2026-12-08 13:00", "2027-01-12 13:00", "2027-02-09 13:00"],
    ),
    (
        "fortnightly on wednesday at 10",
        "FREQ=WEEKLY;INTERVAL=2;WKST=MO;BYDAY=WE",
        ["2026-11-25 10:00", "2026-12-09 10:00", "2026-12-23 10:00"],
    ),
    (
        "every third week on friday 10-11",
        "FREQ=WEEKLY;INTERVAL=3;WKST=MO;BYDAY=FR",
        ["2026-11-27 10:00", "2026-12-18 10:00", "2027-01-08 10:00"],
    ),
    (
        "every 3 weeks on friday 10-11",
        "FREQ=WEEKLY;INTERVAL=3;WKST=MO;BYDAY=FR",
        ["2026-11-27 10:00", "2026-12-18 10:00", "2027-01-08 10:00"],
    ),
    (
        "every monday at 8",
        "FREQ=WEEKLY;BYDAY=MO",
        ["2026-11-23 08:00", "2026-11-30 08:00", "2026-12-07 08:00"],
    ),
    (
        "mondays and thursdays 8-9",
        "FREQ=WEEKLY;BYDAY=MO,TH",
        ["2026-11-23 08:00", "2026-11-26 08:00", "2026-11-30 08:00"],
    ),
    (
        "last sunday of march 10-12",
        "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        ["2027-03-28 10:00", "2028-03-26 10:00", "2029-03-25 10:00"],
    ),
    (
        "first monday in march, june and september 13-15",
        "FREQ=YEARLY;BYMONTH=3,6,9;BYDAY=1MO",
        ["2027-03-01 13:00", "2027-06-07 13:00", "2027-09-06 13:00"],
    ),
    (
        "odd weeks tuesday 13-14",
        "FREQ=YEARLY;WKST=MO;BYWEEKNO=" + ODD + ";BYDAY=TU",
        ["2026-12-01 13:00", "2026-12-15 13:00", "2026-12-29 13:00"],
    ),
    (
        "even weeks wednesday 9-10",
        "FREQ=YEARLY;WKST=MO;BYWEEKNO=" + EVEN + ";BYDAY=WE",
        ["2026-11-25 09:00", "2026-12-09 09:00", "2026-12-23 09:00"],
    ),
    (
        "tuesday in weeks 10, 20 and 30 13-15",
        "FREQ=YEARLY;WKST=MO;BYWEEKNO=10,20,30;BYDAY=TU",
        ["2027-03-09 13:00", "2027-05-18 13:00", "2027-07-27 13:00"],
    ),
    (
        "every monday except july 8:30",
        "FREQ=WEEKLY;BYMONTH=1,2,3,4,5,6,8,9,10,11,12;BYDAY=MO",
        ["2026-11-23 08:30", "2026-11-30 08:30", "2026-12-07 08:30"],
    ),
    (
        "every tuesday in june 13-15",
        "FREQ=WEEKLY;BYMONTH=6;BYDAY=TU",
        ["2027-06-01 13:00", "2027-06-08 13:00", "2027-06-15 13:00"],
    ),
    (
        "first tuesday monthly 13-15 until 2027-03-31",
        "FREQ=MONTHLY;UNTIL=20270331T235959;BYDAY=1TU",
        ["2026-12-01 13:00", "2027-01-05 13:00", "2027-02-02 13:00"],
    ),
    (
        "every other thursday 9-10 until 24 december 2026",
        "FREQ=WEEKLY;UNTIL=20261224T235959;INTERVAL=2;WKST=MO;BYDAY=TH",
        ["2026-11-26 09:00", "2026-12-10 09:00", "2026-12-24 09:00"],
    ),
    (
        "every other thursday 9-10 3 times",
        "FREQ=WEEKLY;COUNT=3;INTERVAL=2;WKST=MO;BYDAY=TH",
        ["2026-11-26 09:00", "2026-12-10 09:00", "2026-12-24 09:00"],
    ),
    (
        "between 13 and 15 every wednesday",
        "FREQ=WEEKLY;BYDAY=WE",
        ["2026-11-25 13:00", "2026-12-02 13:00", "2026-12-09 13:00"],
    ),
]

REFUSED = [
    ("varje tisdag blå 13-15", "unknown_words", ("blå",)),
    ("Varje Tisdag BLÅ 13-15", "unknown_words", ("BLÅ",)),
    ("första tisdagen varje månad 13-15 utom helgdagar", "unknown_words", ("utom", "helgdagar")),
    ("every tuesday 13-15 starting 2027-01-01", "unknown_words", ("starting", "2027-01-01")),
    ("varje tisdag utom jul 13-15", "unknown_words", ("utom", "jul")),
    ("varje tisdag 13", "unknown_words", ("13",)),
    ("varje tisdag 13-15 16-17", "unknown_words", ("16-17",)),
    ("tisdag varje månad 13-15", "no_ordinal", ()),
    ("första tisdagen varannan vecka 13-15", "conflict", ("första", "varannan vecka")),
    ("första tisdagen och torsdagar 13-15", "no_ordinal", ()),
    ("varje månad 13-15", "no_weekday", ()),
    ("tisdag 15-13", "bad_time", ()),
    ("tisdag 25:00", "bad_time", ()),
    ("varje tisdag 13-15 till och med 2020-01-01", "past_end", ()),
    (
        "varje tisdag 13-15 till och med 2027-06-30 10 gånger",
        "conflict",
        ("till och med 2027-06-30", "10 gånger"),
    ),
    ("var 20:e vecka tisdag 13-15", "bad_interval", ()),
    ("tisdag vecka 54 13-15", "bad_week", ("vecka 54",)),
    ("varannan torsdag udda veckor 9-10", "conflict", ("varannan torsdag", "udda veckor")),
    ("första tisdagen udda veckor 13-15", "conflict", ("första", "udda veckor")),
    ("varje vardag 9-10", "unknown_words", ("vardag",)),
    ("every weekday 9-10", "unknown_words", ("weekday",)),
    ("every tuesday except christmas 13-15", "unknown_words", ("except", "christmas")),
    ("first tuesday every other week 13-15", "conflict", ("first", "every other week")),
    ("tuesday monthly 13-15", "no_ordinal", ()),
    ("every tuesday at noon", "unknown_words", ("noon",)),
    ("varje tisdag 13-15 0 gånger", "bad_count", ()),
    ("första tisdagen i mars utom juli 13-15", "conflict", ("mars", "utom juli")),
    (
        "varannan torsdag var tredje vecka 9-10",
        "conflict",
        ("varannan torsdag", "var tredje vecka"),
    ),
    ("varje vecka varje månad första tisdagen 13-15", "conflict", ("vecka", "månad")),
    ("tisdag första 13-15", "unknown_words", ("första",)),
    ("femte måndagen i februari vecka 10 13-15", "conflict", ("femte", "vecka 10")),
]


def _local(rows: list[tuple[datetime, datetime]]) -> list[str]:
    return [s.astimezone(TZ).strftime("%Y-%m-%d %H:%M") for s, _ in rows]


def test_the_table_is_large_enough() -> None:
    assert len(PARSED) + len(REFUSED) >= 40
    assert len({p for p, *_ in PARSED}) == len(PARSED)


@pytest.mark.parametrize(("text", "rrule", "first"), PARSED)
def test_a_rule_parses_completely(text: str, rrule: str, first: list[str]) -> None:
    rule = parse_rule(text, TODAY)
    assert rule.rrule == rrule
    assert _local(occurrences_after(rule, SE, FROM, 3)) == first
    # What is stored reads back as the same rule.
    assert Recurrence.from_dict(rule.to_dict()) == rule
    # The RRULE alone, from the anchor, gives the same meetings (it drives reminders and .ics).
    assert rule.dtstart is not None
    # types-python-dateutil types rrule[slice] as one datetime; it is a list.
    local = [
        d.strftime("%Y-%m-%d %H:%M")
        for d in rrulestr(rule.rrule, dtstart=rule.dtstart)[:3]  # type: ignore[attr-defined]
    ]
    assert [d for d in local if d >= "2026-11-23"] == first[: len(local)]


@pytest.mark.parametrize(("text", "code", "words"), REFUSED)
def test_a_rule_not_understood_is_refused_naming_the_words(
    text: str, code: str, words: tuple[str, ...]
) -> None:
    with pytest.raises(RuleError) as err:
        parse_rule(text, TODAY)
    assert (err.value.code, err.value.words) == (code, words)
    for word in words:
        assert f'"{word}"' in err.value.args_["words"]


def test_several_ordinals_are_all_kept() -> None:
    """The old parser read "första och tredje tisdagen" as the third Tuesday only."""
    rule = parse_rule("första och tredje tisdagen varje månad 13–15", TODAY)
    days = [s.astimezone(TZ).date() for s, _ in occurrences_after(rule, SE, FROM, 6)]
    assert days == [
        date(2026, 12, 1), date(2026, 12, 15), date(2027, 1, 5),
        date(2027, 1, 19), date(2027, 2, 2), date(2027, 2, 16),
    ]  # fmt: skip
    assert all(d.weekday() == 1 and (d.day <= 7 or 15 <= d.day <= 21) for d in days)


def test_the_last_sunday_of_march_is_once_a_year() -> None:
    """The old parser made "sista söndagen i mars" every month."""
    rule = parse_rule("sista söndagen i mars 10-12", TODAY)
    assert rule.freq == "yearly" and rule.months == (3,)
    days = [s.astimezone(TZ).date() for s, _ in occurrences_after(rule, SE, FROM, 3)]
    assert days == [date(2027, 3, 28), date(2028, 3, 26), date(2029, 3, 25)]


@pytest.mark.parametrize(
    ("text", "last", "total"),
    [
        ("första tisdagen varje månad 13-15 till och med 2027-03-31", "2027-03-02 13:00", 4),
        ("första tisdagen varje månad 13-15 till och med 2027-03-02", "2027-03-02 13:00", 4),
        ("varannan torsdag 9-10 3 gånger", "2026-12-24 09:00", 3),
        ("every other thursday 9-10 until 24 december 2026", "2026-12-24 09:00", 3),
        ("first tuesday monthly 13-15 10 times", "2027-09-07 13:00", 10),
    ],
)
def test_a_series_with_an_end_stops_there(text: str, last: str, total: int) -> None:
    rule = parse_rule(text, TODAY)
    rows = occurrences_after(rule, SE, FROM, 50)
    assert len(rows) == total and _local(rows)[-1] == last
    # Counted from the first meeting, not from whenever the question is asked.
    assert len(occurrences_after(rule, SE, rows[1][0], 50)) == total - 2


def test_odd_weeks_follow_iso_week_numbers_across_new_year() -> None:
    """2026 has a week 53: weeks 53 and 1 are both odd, so they meet two weeks running."""
    rule = parse_rule("tisdagar udda veckor 13-14", TODAY)
    days = [s.astimezone(TZ).date() for s, _ in occurrences_after(rule, SE, FROM, 5)]
    assert [d.isocalendar().week for d in days] == [49, 51, 53, 1, 3]
    assert days[3] - days[2] == timedelta(weeks=1)
    even = parse_rule("jämna veckor onsdag 9-10", TODAY)
    weeks = [s.astimezone(TZ).isocalendar().week for s, _ in occurrences_after(even, SE, FROM, 8)]
    assert all(w % 2 == 0 for w in weeks)


def test_every_other_thursday_keeps_its_phase() -> None:
    rule = parse_rule("varannan torsdag 9-10", TODAY)
    assert rule.anchor == date(2026, 11, 26)
    rows = occurrences_after(rule, SE, datetime(2026, 11, 27, tzinfo=UTC), 3)
    assert _local(rows) == ["2026-12-10 09:00", "2026-12-24 09:00", "2027-01-07 09:00"]
    # Years on, the phase is the same (the first meeting is not walked from on every call).
    later = occurrences_after(rule, SE, datetime(2031, 6, 1, tzinfo=UTC), 2)
    assert all((s.astimezone(TZ).date() - rule.anchor).days % 14 == 0 for s, _ in later)


def test_every_other_said_on_a_friday_starts_next_week() -> None:
    rule = parse_rule("varannan torsdag 9-10", date(2026, 11, 27))
    assert rule.anchor == date(2026, 12, 3)


def test_a_rule_stored_before_rrules_reads_the_same() -> None:
    old = {"freq": "monthly", "weekday": 1, "start": "13:00", "end": "15:00",
           "interval": 1, "nth": 1, "anchor": None}  # fmt: skip
    rule = Recurrence.from_dict(old)
    assert rule.rrule == "FREQ=MONTHLY;BYDAY=1TU" and rule.anchor is None
    assert _local(occurrences_after(rule, SE, FROM, 2)) == ["2026-12-01 13:00", "2027-01-05 13:00"]
    weekly = Recurrence.from_dict({"freq": "weekly", "weekday": 3, "start": "09:00",
                                   "end": "10:00", "interval": 2, "nth": None,
                                   "anchor": "2026-11-26"})  # fmt: skip
    assert weekly.rrule == "FREQ=WEEKLY;INTERVAL=2;WKST=MO;BYDAY=TH"
    assert _local(occurrences_after(weekly, SE, FROM, 2)) == [
        "2026-11-26 09:00",
        "2026-12-10 09:00",
    ]
    # ... and what is written now still carries the fields the old code reads.
    stored = parse_rule("första och tredje tisdagen 13-15", TODAY).to_dict()
    assert (stored["weekday"], stored["nth"]) == (1, 1)


def test_ical_lines_parse_back_to_the_same_meetings() -> None:
    rule = parse_rule("första tisdagen varje månad 13-15 till och med 2027-03-02", TODAY)
    lines = rule.ical(SE)
    assert lines.splitlines() == [
        "DTSTART;TZID=Europe/Stockholm:20261201T130000",
        # UNTIL in UTC beside a DTSTART with a zone (RFC 5545): 23:59:59 CET that day.
        "RRULE:FREQ=MONTHLY;UNTIL=20270302T225959Z;BYDAY=1TU",
    ]
    from_ics = [d.astimezone(UTC) for d in rrulestr(lines)]
    assert from_ics == [s for s, _ in occurrences_after(rule, SE, FROM, 10)]


def test_a_meeting_in_the_skipped_hour_falls_at_the_end_of_the_gap() -> None:
    rule = parse_rule("sista söndagen i mars kl 2.30", TODAY)
    [(start, end)] = occurrences_after(rule, SE, datetime(2027, 3, 1, tzinfo=UTC), 1)
    assert start == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)  # 03:00 CEST
    assert end == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # its stated end, 03:30 CEST
    # 02:00-03:00 would start and end at 03:00: it keeps its hour instead of vanishing.
    rule = parse_rule("sista söndagen i mars 2-3", TODAY)
    [(start, end)] = occurrences_after(rule, SE, datetime(2027, 3, 1, tzinfo=UTC), 1)
    assert (start, end - start) == (datetime(2027, 3, 28, 1, 0, tzinfo=UTC), timedelta(hours=1))


def test_13_is_13_on_both_dst_sundays() -> None:
    rule = parse_rule("sista söndagen i mars och oktober 13-15", TODAY)
    rows = occurrences_after(rule, SE, FROM, 2)
    assert _local(rows) == ["2027-03-28 13:00", "2027-10-31 13:00"]
    assert [s.hour for s, _ in rows] == [11, 12]  # CEST on the spring Sunday, CET in autumn
    assert all(e - s == timedelta(hours=2) for s, e in rows)


def test_take_times() -> None:
    from core.recurrence import take_times

    assert take_times("3/12 13-15") == (time(13), time(15), "3/12  ")
    assert take_times("3/12 kl 9") == (time(9), time(10), "3/12  ")
    assert take_times("3/12") == (None, None, "3/12")


def test_nth_weekday() -> None:
    assert nth_weekday(2026, 12, 1, 1) == date(2026, 12, 1)
    assert nth_weekday(2026, 12, 3, -1) == date(2026, 12, 31)
    assert nth_weekday(2026, 2, 0, 5) is None


# -- any rule said, on the daylight-saving weekends -----------------------------------------

SV_DAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
EN_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SV_NTH = {1: "första", 2: "andra", 3: "tredje", 4: "fjärde", -1: "sista"}
EN_NTH = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


@st.composite
def said_rules(draw: st.DrawFn) -> tuple[str, time]:
    """A rule as a person might say it, in Swedish or English, and its stated start."""
    sv = draw(st.booleans())
    names = SV_DAYS if sv else EN_DAYS
    join = " och " if sv else " and "
    weekdays = draw(st.lists(st.integers(0, 6), min_size=1, max_size=2, unique=True))
    days = join.join(names[d] for d in weekdays)
    hour, minute = draw(st.integers(0, 22)), draw(st.sampled_from([0, 15, 30, 45]))
    at = (
        f"{hour}.{minute:02d}-{hour + 1}.{minute:02d}"
        if sv
        else f"{hour:02d}:{minute:02d}-{hour + 1:02d}:{minute:02d}"
    )
    shape = draw(st.sampled_from(["weekly", "interval", "nth", "months", "weeks", "end"]))
    day = names[weekdays[0]]
    if shape == "weekly":
        text = f"varje {days} {at}" if sv else f"every {days} {at}"
    elif shape == "interval":
        n = draw(st.integers(2, 4))
        text = f"var {n}:e vecka {days} {at}" if sv else f"every {n} weeks on {days} {at}"
    elif shape == "nth":
        nths = draw(
            st.lists(st.sampled_from([1, 2, 3, 4, -1]), min_size=1, max_size=2, unique=True)
        )
        words = join.join((SV_NTH if sv else EN_NTH)[n] for n in nths)
        text = (
            f"{words} {day}en varje månad {at}" if sv else f"the {words} {day} of every month {at}"
        )
    elif shape == "months":  # the DST Sundays themselves are the last Sundays of these months
        words = join.join((SV_NTH if sv else EN_NTH)[n] for n in [-1])
        text = (
            f"{words} {day}en i mars{join}oktober {at}"
            if sv
            else f"{words} {day} of march{join}october {at}"
        )
    elif shape == "weeks":
        parity = draw(st.sampled_from(["udda", "jämna"] if sv else ["odd", "even"]))
        text = f"{days} {parity} veckor {at}" if sv else f"{days} {parity} weeks {at}"
    else:
        text = (
            f"varje {days} {at} till och med 2040-12-31"
            if sv
            else f"every {days} {at} until 2040-12-31"
        )
    return text, time(hour, minute)


def _dst_sunday(year: int, month: int) -> date:
    last = date(year, month, 31)
    return last - timedelta(days=(last.weekday() + 1) % 7)


@settings(max_examples=150, deadline=None)
@given(said_rules(), st.integers(2027, 2039), st.sampled_from([3, 10]))
def test_any_rule_meets_at_its_local_time_on_both_dst_weekends(
    said: tuple[str, time], year: int, month: int
) -> None:
    text, stated = said
    rule = parse_rule(text, date(2026, 11, 23))  # said well before: its phase is kept
    sunday = _dst_sunday(year, month)
    friday = datetime.combine(sunday - timedelta(days=2), time(0), TZ)
    rows = occurrences_after(rule, SE, friday, 6)
    assert rows, text
    starts = [s for s, _ in rows]
    assert starts == sorted(set(starts)) and starts[0] > friday
    for s, e in rows:
        local = s.astimezone(TZ)
        assert local.weekday() in rule.weekdays, text
        if local.date() == _dst_sunday(local.year, 3) and stated.hour == 2:
            assert (local.hour, local.minute) == (3, 0), text  # the skipped hour: end of gap
        else:
            assert (local.hour, local.minute) == (stated.hour, stated.minute), text
        assert e > s
    on_weekend = [
        s.astimezone(TZ)
        for s in starts
        if sunday - timedelta(days=1) <= s.astimezone(TZ).date() <= sunday
    ]
    for local in on_weekend:  # the offset is the one the wall clock shows that day
        assert local.utcoffset() == local.replace(tzinfo=None).replace(tzinfo=TZ).utcoffset()
    if rule.interval > 1 and rule.freq == "weekly" and len(rule.weekdays) == 1:
        days = [s.astimezone(TZ).date() for s in starts]
        assert all((b - a).days == 7 * rule.interval for a, b in itertools.pairwise(days))


def test_the_dst_property_sees_a_dst_sunday() -> None:
    """The property's "months" shape lands on the change days themselves."""
    rule = parse_rule("last sunday of march and october 13:00-14:00", TODAY)
    rows = occurrences_after(rule, SE, datetime(2030, 3, 29, tzinfo=TZ), 2)
    assert [s.astimezone(TZ).date() for s, _ in rows] == [
        _dst_sunday(2030, 3),
        _dst_sunday(2030, 10),
    ]
    assert [s.astimezone(TZ).strftime("%H:%M %z") for s, _ in rows] == [
        "13:00 +0200",
        "13:00 +0100",
    ]
