"""When a unit's recurring pulse opens. Pure.

The org file sets a unit's cadence (`defaults.pulse.cadence`: monthly, quarterly or
off) and may name months without pulses (`skip_months`, default [7]: the Swedish
summer holiday). A pulse opens at 09:00 on the month's opening day: the first working
day on or after its first Monday (Easter Monday, Epiphany on a Monday and the like
move it to the next working day; core/holidays.py). Its answer window then counts
working days only (core.pulse_window.answer_window), so it closes and reminds on working days.

The schedule fires on every weekday of the first two weeks (`TRIGGERS`); the job opens
the pulse on the first of those firings on or after the opening day when the unit has
had no pulse that month (`opens_on`): a holiday moves the opening without a schedule
of its own per year, and a month held back by the cool-down (or a stopped server)
still gets its pulse a few days later.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from core.holidays import is_working_day

CADENCES = ("monthly", "quarterly", "off")
QUARTER_MONTHS = (1, 4, 7, 10)
DEFAULT_SKIP_MONTHS = (7,)
OPEN_HOUR = 9
# Weekdays of the first two weeks at 09:00 local: the opening day is always among them.
_FIRST_TWO_WEEKS = {"day_of_week": "mon-fri", "day": "1-14", "hour": OPEN_HOUR, "minute": 0}
TRIGGERS: dict[str, dict[str, Any]] = {
    "monthly": dict(_FIRST_TWO_WEEKS),
    "quarterly": {"month": ",".join(str(m) for m in QUARTER_MONTHS), **_FIRST_TWO_WEEKS},
}


def opening_day(year: int, month: int) -> date:
    """The first working day on or after the month's first Monday."""
    day = date(year, month, 1)
    day += timedelta(days=(7 - day.weekday()) % 7)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def skip_months(configured: object) -> tuple[int, ...]:
    """The months without pulses: a list of month numbers (1–12); anything else means
    the default (July)."""
    if _months(configured):
        assert isinstance(configured, list)
        return tuple(sorted(set(configured)))
    return DEFAULT_SKIP_MONTHS


def _months(value: object) -> bool:
    return isinstance(value, list) and all(
        isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= 12 for m in value
    )


def opens_on(
    day: date,
    cadence: str,
    skipped: Iterable[int] = DEFAULT_SKIP_MONTHS,
    *,
    opened_this_month: bool = False,
) -> bool:
    """Whether a unit with this cadence opens its recurring pulse on `day` (local): a
    working day on or after the month's opening day, in a month with pulses, when the
    unit has not had a pulse opened this month. So the opening day itself, or, when a
    cool-down or a stopped server held it back, the first firing after (the schedule
    fires in the first two weeks only)."""
    if cadence not in TRIGGERS or day.month in set(skipped) or opened_this_month:
        return False
    if cadence == "quarterly" and day.month not in QUARTER_MONTHS:
        return False
    return is_working_day(day) and day >= opening_day(day.year, day.month)


def cadence_problems(pulse_defaults: object) -> list[tuple[str, str]]:
    """(path below `pulse`, message) for a cadence or skip_months the org file got wrong."""
    if not isinstance(pulse_defaults, dict):
        return []
    out = []
    cadence = pulse_defaults.get("cadence")
    if cadence is not None and cadence not in CADENCES:
        out.append(("cadence", f"one of {', '.join(CADENCES)} (got {cadence!r})"))
    months = pulse_defaults.get("skip_months")
    if months is not None and not _months(months):
        out.append(("skip_months", f"a list of month numbers 1–12 (got {months!r})"))
    return out
