"""core/holidays.py proved against the `holidays` package (a well-kept calendar that knows
Sweden): the public holidays, plus the de-facto days off (midsommarafton, julafton,
nyårsafton), agree for every year from 2005 to 2100, and so do the working days. (Before
2005 Annandag pingst was a holiday and 6 June was not: core/holidays.py knows only the
law since 2005, which is all the bot schedules for.)"""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import pytest

from core.holidays import days_off, is_working_day, public_holidays

YEARS = range(2005, 2101)


def _library(year: int, categories: tuple[str, ...]) -> set[date]:
    return set(
        holidays.country_holidays(
            "SE", years=year, include_sundays=False, categories=categories
        ).keys()
    )


@pytest.mark.parametrize("year", YEARS)
def test_public_holidays_and_days_off_agree_with_the_library(year: int) -> None:
    assert set(public_holidays(year)) == _library(year, ("public",))
    assert set(days_off(year)) == _library(year, ("public", "de_facto"))


def test_working_days_agree_with_the_library_day_by_day() -> None:
    off = set().union(*(_library(y, ("public", "de_facto")) for y in range(2024, 2031)))
    day = date(2024, 1, 1)
    while day.year < 2031:
        assert is_working_day(day) == (day.weekday() < 5 and day not in off), day
        day += timedelta(days=1)
