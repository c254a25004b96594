"""Meetings and reminders on Swedish days off: the unit's policy, as plain rules.

Pure. A meeting the rule puts on a public holiday or a de-facto day off (julafton,
nyårsafton, midsommarafton: core.holidays.days_off) is handled by the unit's policy,
`defaults.meeting_holidays` in the org file:

    skip   the meeting is not held that time (cancelled; an .ics file gets an EXDATE)
    move   it moves to the next working day, same wall-clock time
    ask    the coordinator is asked with a card: skip, move, or keep it where it is

(`ask` when the org file says nothing: nothing moves without someone deciding.) The same
defaults say when the minutes card is posted after a meeting (`minutes_after_hours`,
1 hour when unset). A weekend
is not a day off here: a series that meets on Saturdays means to. A reminder never falls
on a day off: it moves earlier, to the previous working day, same time of day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from core.holidays import add_working_days, days_off, is_working_day

POLICIES = ("skip", "move", "ask")
CHOICES = ("skip", "move", "keep")  # what the coordinator may answer when asked
DEFAULT_POLICY = "ask"
POLICY_KEY = "meeting_holidays"


def day_off(day: date) -> str | None:
    """The holiday's Swedish name, when `day` is a public holiday or a de-facto day off."""
    return days_off(day.year).get(day)


def policy_of(defaults: Any) -> str:
    """The unit's policy from its (merged) org-file defaults; `ask` when unset or unknown."""
    value = defaults.get(POLICY_KEY) if isinstance(defaults, dict) else None
    return value if value in POLICIES else DEFAULT_POLICY


def policy_problem(value: Any) -> str | None:
    """Why an org file's `meeting_holidays` value is wrong, or None."""
    if value in POLICIES:
        return None
    return f"must be one of {', '.join(POLICIES)}"


@dataclass(frozen=True)
class Placement:
    """Where a meeting the rule put on `day` is held: `held_on` None means not held."""

    day: date
    holiday: str | None
    action: str | None  # None (a working day) | skip | move | ask | keep
    held_on: date | None


def place(day: date, policy: str) -> Placement:
    """The policy applied to a meeting the rule puts on `day` (`ask`: held where it is
    until the coordinator answers)."""
    holiday = day_off(day)
    if holiday is None:
        return Placement(day, None, None, day)
    if policy == "skip":
        return Placement(day, holiday, "skip", None)
    if policy == "move":
        return Placement(day, holiday, "move", next_working_day(day))
    return Placement(day, holiday, "ask", day)


def answer(day: date, choice: str) -> Placement:
    """The coordinator's answer to `ask` for a meeting the rule put on `day`."""
    placed = place(day, "move" if choice == "move" else "skip")
    if choice == "keep":
        return Placement(day, placed.holiday, "keep", day)
    return placed


def next_working_day(day: date) -> date:
    return add_working_days(day + timedelta(days=1), 1)


def reminder_day(meeting_day: date, lead_days: int) -> date:
    """The day a reminder `lead_days` before the meeting is sent: earlier while that is a
    public holiday or a day off (never later: it must come before the meeting)."""
    day = meeting_day - timedelta(days=lead_days)
    while day_off(day) is not None:
        day -= timedelta(days=1)
    return day


def collisions(days: list[date], policy: str) -> list[Placement]:
    """The meetings among `days` that fall on a day off, with what the policy does."""
    return [p for p in (place(d, policy) for d in days) if p.holiday is not None]


# -- after the meeting ---------------------------------------------------------------------

MINUTES_KEY = "minutes_after_hours"  # org file: when the minutes card is posted, by itself
DEFAULT_MINUTES_AFTER = timedelta(hours=1)
MAX_MINUTES_AFTER_HOURS = 168


def minutes_delay(defaults: Any) -> timedelta:
    """How long after a meeting ends its minutes card is posted (the unit's
    `minutes_after_hours`, 0–168, fractions allowed; 1 hour when unset)."""
    value = defaults.get(MINUTES_KEY) if isinstance(defaults, dict) else None
    if value is None or minutes_problem(value) is not None:
        return DEFAULT_MINUTES_AFTER
    return timedelta(hours=float(value))


def minutes_problem(value: Any) -> str | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if ok and 0 <= value <= MAX_MINUTES_AFTER_HOURS:
        return None
    return f"must be a number of hours from 0 to {MAX_MINUTES_AFTER_HOURS}"


__all__ = [
    "CHOICES",
    "DEFAULT_POLICY",
    "MINUTES_KEY",
    "POLICIES",
    "POLICY_KEY",
    "Placement",
    "answer",
    "collisions",
    "day_off",
    "is_working_day",
    "minutes_delay",
    "minutes_problem",
    "next_working_day",
    "place",
    "policy_of",
    "policy_problem",
    "reminder_day",
]
