"""When a pulse takes answers: its window of working days, and the cool-down before a
unit's next pulse. Pure.

The cool-down is an anonymity rule: consecutive pulses of one unit are kept apart
(`next_start`), so two results cannot be subtracted to isolate the few who joined or
left in between (the other differencing rules: core/pulse_differencing.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.holidays import add_working_days, is_working_day, previous_working_day

DEFAULT_WINDOW_DAYS = 5
DEFAULT_COOLDOWN_DAYS = 7
MAX_COOLDOWN_DAYS = 365
CLOSE_AT = time(16, 0)
REMIND_AT = time(9, 0)


@dataclass(frozen=True)
class Window:
    opens_at: datetime
    closes_at: datetime
    remind_at: datetime | None


def answer_window(
    opened_at: datetime,
    zone: ZoneInfo,
    working_days: int = DEFAULT_WINDOW_DAYS,
    close_at: time = CLOSE_AT,
    remind_at: time = REMIND_AT,
) -> Window:
    """Open from `opened_at` (UTC) until `close_at` local time on the Nth working day.

    The opening day counts when it is a working day and the pulse opens before
    the closing hour. The reminder goes out at `remind_at` on the working day
    before the last one (on the last day itself for a one-day window), if that
    is still in the future.
    """
    if working_days < 1:
        raise ValueError("working_days must be at least 1")
    local = opened_at.astimezone(zone)
    first = local.date()
    if not is_working_day(first) or local.time() >= close_at:
        first += timedelta(days=1)
    last = add_working_days(first, working_days)
    closes = datetime.combine(last, close_at, tzinfo=zone).astimezone(UTC)
    remind_day = previous_working_day(last) if working_days > 1 else last
    remind = datetime.combine(remind_day, remind_at, tzinfo=zone).astimezone(UTC)
    return Window(
        opens_at=opened_at.astimezone(UTC),
        closes_at=closes,
        remind_at=remind if remind > opened_at else None,
    )


def takes_answers(closed_at: datetime | None, closes_at: datetime, now: datetime) -> bool:
    """A pulse takes answers until it is closed or its window ends, whichever comes
    first: the close sweep may run a little after `closes_at`."""
    return closed_at is None and now < closes_at


def effective_cooldown(configured: object = None) -> int:
    """Days between a unit's pulse closing and its next opening: default 7; a value
    that is not a whole number of days from 1 to 365 means the default."""
    if isinstance(configured, bool) or not isinstance(configured, int):
        return DEFAULT_COOLDOWN_DAYS
    return configured if 1 <= configured <= MAX_COOLDOWN_DAYS else DEFAULT_COOLDOWN_DAYS


def next_start(last_closed_at: datetime | None, cooldown_days: int) -> datetime | None:
    """The earliest a unit's next pulse may open, or None if nothing holds it back."""
    if last_closed_at is None:
        return None
    return last_closed_at + timedelta(days=cooldown_days)
