"""core/nudges.py: who gets what, when — without network or database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.holidays import is_working_day
from core.nudges import (
    ALL,
    DEFAULT_POLICY,
    Policy,
    Snooze,
    SnoozeTooLong,
    Waiting,
    action_stage,
    alert_due,
    coordinator_hears,
    gather,
    in_window,
    is_nudge_day,
    parse_pref,
    parse_snooze,
    policy_for,
    pulse_reminder_day,
    snooze_until,
)

SE = ZoneInfo("Europe/Stockholm")


def w(kind: str, subject: str, days: int = 0) -> Waiting:
    return Waiting(kind=kind, subject=subject, unit_id=1, title=subject, days=days)


def test_nudge_days_skip_weekends_holidays_and_the_eves() -> None:
    # Midsommarafton 2026-06-19 (Fri), julafton and nyårsafton are days off in practice.
    for day in (date(2026, 6, 19), date(2026, 12, 24), date(2026, 12, 31), date(2026, 10, 24)):
        assert not is_nudge_day(day, "daily")
    assert is_nudge_day(date(2026, 6, 18), "daily")


def test_weekly_is_monday_or_the_first_working_day_after_a_holiday_monday() -> None:
    assert is_nudge_day(date(2026, 11, 23), "weekly")  # a Monday
    assert not is_nudge_day(date(2026, 11, 24), "weekly")
    assert not is_nudge_day(date(2026, 4, 6), "weekly")  # Annandag påsk
    assert is_nudge_day(date(2026, 4, 7), "weekly")  # the Tuesday after it
    assert not any(is_nudge_day(date(2026, 11, d), "urgent") for d in range(23, 28))


def test_the_window_is_local_time_across_the_dst_change() -> None:
    # Summer time ends on Sunday 2026-10-25: 08:00 local is 06:00 UTC on Friday, 07:00 UTC
    # on Monday. The window follows the clock on the wall, not UTC.
    friday = datetime(2026, 10, 23, 6, 0, tzinfo=UTC).astimezone(SE)
    monday_early = datetime(2026, 10, 26, 6, 30, tzinfo=UTC).astimezone(SE)
    monday = datetime(2026, 10, 26, 7, 0, tzinfo=UTC).astimezone(SE)
    assert in_window(friday) and not in_window(monday_early) and in_window(monday)
    sunday = datetime(2026, 10, 25, 10, 0, tzinfo=SE)
    assert not in_window(sunday)
    assert not in_window(datetime(2026, 10, 26, 17, 0, tzinfo=SE))


def test_action_stages_before_on_the_day_and_while_overdue() -> None:
    friday = date(2026, 11, 27)
    assert action_stage(friday, date(2026, 11, 20)) is None
    assert action_stage(friday, date(2026, 11, 25)) == ("action_soon", 2)
    assert action_stage(friday, friday) == ("action_today", 0)
    assert action_stage(friday, date(2026, 11, 30)) == ("action_overdue", 1)  # Monday
    assert not coordinator_hears(friday, date(2026, 12, 1))
    assert coordinator_hears(friday, date(2026, 12, 2))  # 3 working days overdue
    # 200 days overdue still reminds.
    assert action_stage(friday, friday + timedelta(days=200))[0] == "action_overdue"  # type: ignore[index]


def test_gather_one_card_most_pressing_first_snoozes_and_urgent_apart() -> None:
    today = date(2026, 11, 26)
    items = [
        w("action_soon", "action:3"),
        w("action_overdue", "action:1", 5),
        w("item_waiting", "item:9"),
        w("action_overdue", "action:1", 5),  # the same subject twice: once
        w("pulse_closing", "pulse:x"),
    ]
    nudge = gather(items, today, "daily", [Snooze("action:3", today + timedelta(days=1))])
    assert [r.subject for r in nudge.rows] == ["action:1", "item:9", "pulse:x"]
    assert gather(items, today, "daily", [Snooze(ALL, today + timedelta(days=2))]).empty
    only = gather(items, today, "urgent", urgent_kinds=frozenset({"item_waiting"}))
    assert only.rows == [] and [u.subject for u in only.urgent] == ["item:9"]
    assert gather(items, date(2026, 11, 28), "daily").empty  # Saturday


def test_pulse_reminder_once_on_the_last_working_day_before_close() -> None:
    closes = date(2026, 11, 30)  # Monday: the reminder goes on Friday
    days = [
        d
        for d in (date(2026, 11, 25) + timedelta(n) for n in range(7))
        if pulse_reminder_day(date(2026, 11, 23), closes, d)
    ]
    assert days == [date(2026, 11, 27)]
    # Opened on the Friday before: no working day between, so on the closing day.
    assert pulse_reminder_day(date(2026, 11, 27), closes, closes)
    assert not pulse_reminder_day(date(2026, 11, 27), closes, date(2026, 11, 27))


def test_snooze_within_the_org_maximum_and_the_words_for_it() -> None:
    policy = policy_for({"nudges": {"snooze_max_days": 7}})
    assert snooze_until(date(2026, 11, 26), 3, policy) == date(2026, 11, 29)
    with pytest.raises(SnoozeTooLong):
        snooze_until(date(2026, 11, 26), 8, policy)
    assert parse_snooze("påminn mig om 3 dagar") == 3
    assert parse_snooze("Snooze 3 days") == 3
    assert parse_snooze("snooze 10") == 10
    assert parse_snooze("påminn mig") is None
    assert (parse_pref("veckovis"), parse_pref("urgent"), parse_pref("ofta")) == (
        "weekly",
        "urgent",
        None,
    )


def test_policy_from_the_org_file_with_bad_values_falling_back() -> None:
    p = policy_for(
        {
            "nudges": {
                "window": "07:30-16:00",
                "urgent": ["item_waiting", "nonsense"],
                "due_soon_days": "x",
            }
        }
    )
    assert (p.start, p.end) == (time(7, 30), time(16, 0))
    assert (
        p.urgent == frozenset({"item_waiting"}) and p.due_soon_days == DEFAULT_POLICY.due_soon_days
    )
    assert policy_for({"nudges": {"window": "17:00-08:00"}}).start == Policy().start


@given(
    st.dates(min_value=date(2025, 1, 1), max_value=date(2035, 12, 31)),
    st.sampled_from(["daily", "weekly", "urgent", None]),
)
def test_never_a_gathered_nudge_on_a_day_off(day: date, pref: str | None) -> None:
    if not is_working_day(day):
        assert gather([w("action_overdue", "a:1", 1)], day, pref).empty


def test_an_indicator_alert_is_in_exactly_one_nudge_per_person() -> None:
    # 2026-12-04 is a Friday; Monday 12-07; 12-24..26 julafton, juldagen, annandag jul.
    fri, sat, mon, tue = date(2026, 12, 4), date(2026, 12, 5), date(2026, 12, 7), date(2026, 12, 8)
    days = [date(2026, 12, 1) + timedelta(days=i) for i in range(40)]

    def told(imported: date, pref: str, urgent: bool = False) -> list[date]:
        return [d for d in days if alert_due(imported, d, pref, urgent)]

    # Daily: the next working day after the import day (a weekend's imports on Monday).
    assert told(fri, "daily") == [mon]
    assert told(sat, "daily") == [mon]
    assert told(mon, "daily") == [tue]
    assert told(date(2026, 12, 23), "daily") == [date(2026, 12, 28)]
    # Weekly: the next week's first working day, whatever the day of the import.
    assert told(tue, "weekly") == [date(2026, 12, 14)]
    # "Only urgent": never gathered; urgent in the org file: from the import day on (the
    # outbox key sends it once).
    assert told(tue, "urgent") == []
    assert told(tue, "urgent", urgent=True)[0] == tue
