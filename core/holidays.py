"""Swedish public holidays and working days, computed (no tables, no I/O).

Public holidays (allmänna helgdagar, lag 1989:253): Nyårsdagen, Trettondedag jul,
Långfredagen, Påskdagen, Annandag påsk, Första maj, Kristi himmelsfärdsdag,
Pingstdagen, Sveriges nationaldag, Midsommardagen, Alla helgons dag, Juldagen,
Annandag jul. Midsommarafton, julafton and nyårsafton are not public holidays by
law but are days off in practice (collective agreements in the regions and
municipalities), so they are not working days either.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _weekday_between(year: int, month: int, first_day: int, last_day: int, weekday: int) -> date:
    """The one date in [first_day, last_day] of the month that falls on `weekday` (Mon=0)."""
    for day in range(first_day, last_day + 1):
        candidate = date(year, month, day)
        if candidate.weekday() == weekday:
            return candidate
    raise ValueError("no such weekday in range")


def _all_saints(year: int) -> date:
    """The Saturday from 31 October to 6 November."""
    start = date(year, 10, 31)
    return start + timedelta(days=(5 - start.weekday()) % 7)


@cache
def public_holidays(year: int) -> dict[date, str]:
    """Sweden's public holidays in `year`, with their Swedish names."""
    easter = easter_sunday(year)
    midsummer_day = _weekday_between(year, 6, 20, 26, 5)
    return {
        date(year, 1, 1): "Nyårsdagen",
        date(year, 1, 6): "Trettondedag jul",
        easter - timedelta(days=2): "Långfredagen",
        easter: "Påskdagen",
        easter + timedelta(days=1): "Annandag påsk",
        date(year, 5, 1): "Första maj",
        easter + timedelta(days=39): "Kristi himmelsfärdsdag",
        easter + timedelta(days=49): "Pingstdagen",
        date(year, 6, 6): "Sveriges nationaldag",
        midsummer_day: "Midsommardagen",
        _all_saints(year): "Alla helgons dag",
        date(year, 12, 25): "Juldagen",
        date(year, 12, 26): "Annandag jul",
    }


@cache
def days_off(year: int) -> dict[date, str]:
    """Public holidays plus the eves that are days off in practice."""
    out = dict(public_holidays(year))
    midsummer_eve = _weekday_between(year, 6, 19, 25, 4)
    out[midsummer_eve] = "Midsommarafton"
    out[date(year, 12, 24)] = "Julafton"
    out[date(year, 12, 31)] = "Nyårsafton"
    return out


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in days_off(day.year)


def add_working_days(start: date, count: int) -> date:
    """The `count`-th working day counting `start` as the first if it is one.

    `add_working_days(d, 1)` is d itself when d is a working day, else the next one.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    day = start
    seen = 0
    while True:
        if is_working_day(day):
            seen += 1
            if seen == count:
                return day
        day += timedelta(days=1)


def previous_working_day(day: date) -> date:
    day -= timedelta(days=1)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day
