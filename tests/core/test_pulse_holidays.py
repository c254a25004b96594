"""Swedish holidays and working days, against the almanac."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from core.holidays import add_working_days, days_off, easter_sunday, is_working_day


def test_easter_known_years() -> None:
    assert easter_sunday(2024) == date(2024, 3, 31)
    assert easter_sunday(2025) == date(2025, 4, 20)
    assert easter_sunday(2026) == date(2026, 4, 5)
    assert easter_sunday(2038) == date(2038, 4, 25)  # latest possible
    assert easter_sunday(2285) == date(2285, 3, 22)  # earliest possible


@given(st.integers(min_value=1900, max_value=2200))
def test_easter_is_a_sunday_in_its_window(year: int) -> None:
    e = easter_sunday(year)
    assert e.weekday() == 6 and date(year, 3, 22) <= e <= date(year, 4, 25)


def test_2026_days_off() -> None:
    off = days_off(2026)
    assert off[date(2026, 4, 3)] == "Långfredagen"
    assert off[date(2026, 4, 6)] == "Annandag påsk"
    assert off[date(2026, 5, 14)] == "Kristi himmelsfärdsdag"
    assert off[date(2026, 6, 19)] == "Midsommarafton"
    assert off[date(2026, 6, 20)] == "Midsommardagen"
    assert off[date(2026, 10, 31)] == "Alla helgons dag"
    assert len(off) == 16


def test_working_days_skip_easter() -> None:
    # Thursday before Easter 2026: Thu, (Fri, Sat, Sun, Mon off), Tue, Wed, Thu, Fri
    assert add_working_days(date(2026, 4, 2), 5) == date(2026, 4, 10)
    assert not is_working_day(date(2026, 12, 24))


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(1, 15))
def test_add_working_days_counts_exactly(start: date, n: int) -> None:
    end = add_working_days(start, n)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    assert sum(is_working_day(d) for d in days) == n and is_working_day(end)
