"""The calendar periods of pulses: the month a pulse belongs to, and the months, quarters
and years its results and indicator roll up over. Pure."""

from __future__ import annotations

import re
from datetime import date

_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2})|-Q([1-4]))?$")


def period_of(day: date) -> str:
    """The monthly period a pulse belongs to: "YYYY-MM" of its opening day (local)."""
    return f"{day.year:04d}-{day.month:02d}"


def period_bounds(period: str) -> tuple[date, date]:
    """[start, end) of "YYYY", "YYYY-Qn" or "YYYY-MM"."""
    m = _PERIOD.match(period)
    if not m:
        raise ValueError(f"not a period: {period!r} (YYYY, YYYY-Qn or YYYY-MM)")
    year = int(m.group(1))
    if m.group(2):
        month = int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"not a month: {period!r}")
        start = date(year, month, 1)
        end = date(year + (month == 12), month % 12 + 1, 1)
    elif m.group(3):
        q = int(m.group(3))
        start = date(year, 3 * q - 2, 1)
        end = date(year + (q == 4), (3 * q) % 12 + 1, 1)
    else:
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
    return start, end


def periods_within(period: str) -> list[str]:
    """The monthly periods inside `period`."""
    start, end = period_bounds(period)
    out = []
    day = start
    while day < end:
        out.append(period_of(day))
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return out
