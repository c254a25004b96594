"""Who gets which nudge, when: the rules of personal reminders as plain functions.

Everything waiting for one person is gathered into one card per Swedish working day
(core/holidays.py), sent inside a window (default 08:00-17:00 Europe/Stockholm), except
what the org file marks urgent. Each person chooses how often: `daily`, `weekly` (the
first working day of the week, normally Monday) or `urgent` (only what is urgent).

The org file sets the rules per unit under `defaults.nudges` (all optional):

    defaults:
      nudges:
        window: "08:00-17:00"          # when nudges go out (local time)
        due_soon_days: 2               # working days before a due date: "due soon"
        overdue_tell_after_days: 3     # working days overdue before the coordinator hears
        snooze_max_days: 14            # the longest snooze
        urgent: [item_waiting]         # kinds sent at once, not gathered (see KINDS)

Follow-up never stops: an overdue action is in its owner's nudge every nudge day, and
from `overdue_tell_after_days` working days overdue also in its unit coordinators'.
Snoozing (`snooze_until`) hides one subject (or all, "*") until a day, within the maximum.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Literal

from core.holidays import is_working_day

Pref = Literal["daily", "weekly", "urgent"]
PREFS: tuple[Pref, ...] = ("daily", "weekly", "urgent")
DEFAULT_PREF: Pref = "daily"
ALL = "*"  # a snooze of every subject

# What can wait for a person, most pressing first (the card's order).
KINDS = (
    "action_overdue",  # my action, past its due date
    "action_overdue_other",  # an action in a unit I coordinate, overdue beyond the limit
    "item_waiting",  # an item at a unit I coordinate, not yet acknowledged
    "action_today",
    "item_assigned",  # an item assigned to me (acknowledged with me as owner)
    "item_answered",  # an item I raised or was assigned got an answer (or came back)
    "indicator_alert",  # a figure of a unit I manage or coordinate went off (core/alerts.py)
    "pulse_closing",  # a pulse in my unit closes soon and I have not answered
    "action_soon",
    "action_later",  # an open action not yet due soon (only on the `mitt` card)
)
_ORDER = {k: i for i, k in enumerate(KINDS)}


@dataclass(frozen=True)
class Policy:
    start: time = time(8, 0)
    end: time = time(17, 0)
    due_soon_days: int = 2
    overdue_tell_after_days: int = 3
    snooze_max_days: int = 14
    urgent: frozenset[str] = frozenset()


DEFAULT_POLICY = Policy()
_WINDOW = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*[-–]\s*(\d{1,2})[:.](\d{2})\s*$")


def _days(value: Any, default: int, minimum: int = 0) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
        return value
    return default


def policy_for(defaults: Mapping[str, Any] | None) -> Policy:
    """The nudge rules of a unit, from its stored defaults (`nudges`); unknown or invalid
    values fall back to the defaults."""
    raw = (defaults or {}).get("nudges")
    if not isinstance(raw, Mapping):
        return DEFAULT_POLICY
    start, end = DEFAULT_POLICY.start, DEFAULT_POLICY.end
    window = raw.get("window")
    m = _WINDOW.match(window) if isinstance(window, str) else None
    if m:
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        if h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60 and (h1, m1) < (h2, m2):
            start, end = time(h1, m1), time(h2, m2)
    urgent = raw.get("urgent")
    kinds = frozenset(
        str(k) for k in (urgent if isinstance(urgent, list) else []) if str(k) in _ORDER
    )
    return Policy(
        start=start,
        end=end,
        due_soon_days=_days(raw.get("due_soon_days"), DEFAULT_POLICY.due_soon_days),
        overdue_tell_after_days=_days(
            raw.get("overdue_tell_after_days"), DEFAULT_POLICY.overdue_tell_after_days, 1
        ),
        snooze_max_days=_days(raw.get("snooze_max_days"), DEFAULT_POLICY.snooze_max_days, 1),
        urgent=kinds,
    )


# -- the calendar -----------------------------------------------------------------------


@lru_cache(maxsize=8192)
def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def first_working_day_of_week(day: date) -> date:
    monday = day - timedelta(days=day.weekday())
    for i in range(5):
        if is_working_day(monday + timedelta(days=i)):
            return monday + timedelta(days=i)
    return monday  # a week without a working day (never in Sweden): Monday


def in_window(local: datetime, policy: Policy = DEFAULT_POLICY) -> bool:
    """Whether a nudge may go out at this local time: a working day, inside the window."""
    return is_working_day(local.date()) and policy.start <= local.time() < policy.end


def is_nudge_day(day: date, pref: str | None) -> bool:
    """Whether the gathered nudge goes out on `day` for someone with preference `pref`."""
    if not is_working_day(day):
        return False
    choice = pref if pref in PREFS else DEFAULT_PREF
    if choice == "daily":
        return True
    if choice == "weekly":
        return day == first_working_day_of_week(day)
    return False


# -- what waits ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    """One thing waiting for a person. `subject` identifies it for snoozes and keys."""

    kind: str
    subject: str
    unit_id: int
    title: str
    ref: int | str = 0
    due: date | None = None
    days: int = 0  # overdue: working days overdue; soon: working days left

    @property
    def order(self) -> tuple[int, int, str]:
        return (_ORDER.get(self.kind, len(_ORDER)), -self.days, self.subject)


def action_stage(due: date, today: date, policy: Policy = DEFAULT_POLICY) -> tuple[str, int] | None:
    """(kind, days) for an open action due `due` seen on `today`, or None (not yet)."""
    if due < today:
        return "action_overdue", max(1, working_days_between(due, today))
    if due == today:
        return "action_today", 0
    left = working_days_between(today, due)
    if left <= policy.due_soon_days:
        return "action_soon", left
    return None


def coordinator_hears(due: date, today: date, policy: Policy = DEFAULT_POLICY) -> bool:
    """An overdue action reaches its unit's coordinators once it is this far overdue."""
    return due < today and working_days_between(due, today) >= policy.overdue_tell_after_days


def pulse_reminder_day(opened_on: date, closes_on: date, today: date) -> bool:
    """One reminder before a pulse closes: on the last working day after its opening day
    and before its closing day, else on the closing day itself."""
    last = closes_on - timedelta(days=1)
    while last > opened_on and not is_working_day(last):
        last -= timedelta(days=1)
    return today == (last if last > opened_on else closes_on)


def previous_nudge_day(today: date, pref: str | None) -> date | None:
    """The person's last nudge day before `today` (None within a year: never)."""
    day = today
    for _ in range(370):
        day -= timedelta(days=1)
        if is_nudge_day(day, pref):
            return day
    return None


def alert_due(imported_on: date, today: date, pref: str | None, urgent: bool) -> bool:
    """Whether an indicator alert (a value imported on `imported_on`) is in today's nudge.

    Gathered (the default), it is told exactly once: in the person's first nudge after
    the day it was imported (daily: the next working day; weekly: the next week's first
    working day; `urgent` preference: never). Marked urgent in the org file, it goes on
    the first working day from its import day on (its outbox key is once per person).
    """
    if imported_on > today:
        return False
    if urgent:
        return True
    if not is_nudge_day(today, pref) or imported_on >= today:
        return False
    previous = previous_nudge_day(today, pref)
    return previous is None or imported_on >= previous


@dataclass(frozen=True)
class Snooze:
    subject: str  # a Waiting.subject, or ALL
    until: date  # hidden up to and including the day before `until`


def visible(w: Waiting, snoozes: Iterable[Snooze], today: date) -> bool:
    return not any(s.until > today and s.subject in (w.subject, ALL) for s in snoozes)


@dataclass(frozen=True)
class Nudge:
    """What one person gets today: the gathered card's rows, and the urgent ones apart."""

    rows: list[Waiting] = field(default_factory=list)
    urgent: list[Waiting] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.rows and not self.urgent


def gather(
    waiting: Iterable[Waiting],
    today: date,
    pref: str | None,
    snoozes: Iterable[Snooze] = (),
    urgent_kinds: frozenset[str] = frozenset(),
    limit: int = 25,
) -> Nudge:
    """Today's nudge for one person: everything visible, most pressing first, gathered
    into one card on their nudge days; what is urgent apart, every working day."""
    if not is_working_day(today):
        return Nudge()
    snoozes = list(snoozes)
    seen: set[str] = set()
    shown: list[Waiting] = []
    for w in sorted(waiting, key=lambda w: w.order):
        if w.subject in seen or not visible(w, snoozes, today):
            continue
        seen.add(w.subject)
        shown.append(w)
    urgent = [w for w in shown if w.kind in urgent_kinds]
    rows = shown[:limit] if is_nudge_day(today, pref) else []
    return Nudge(rows=rows, urgent=urgent)


# -- snooze -------------------------------------------------------------------------------


class SnoozeTooLong(ValueError):
    def __init__(self, asked: int, maximum: int) -> None:
        super().__init__(f"snooze of {asked} days over the maximum {maximum}")
        self.asked = asked
        self.maximum = maximum


def snooze_until(today: date, days: int, policy: Policy = DEFAULT_POLICY) -> date:
    """The day a snooze of `days` calendar days ends (nudges come back that day)."""
    if days < 1:
        raise SnoozeTooLong(days, policy.snooze_max_days)
    if days > policy.snooze_max_days:
        raise SnoozeTooLong(days, policy.snooze_max_days)
    return today + timedelta(days=days)


_SNOOZE = re.compile(
    r"^\s*(?:påminn\s+mig\s+(?:igen\s+)?om|snooze(?:\s+for)?|vänta)\s+(\d{1,4})\s*"
    r"(?:dagar|dag|days|day|d)?\s*$",
    re.IGNORECASE,
)


def parse_snooze(text: str) -> int | None:
    """Days in "påminn mig om 3 dagar" / "snooze 3 days" / "snooze 3"; None otherwise."""
    m = _SNOOZE.match(text or "")
    return int(m.group(1)) if m else None


_PREF_WORDS: dict[str, Pref] = {
    "daglig": "daily",
    "dagligen": "daily",
    "daily": "daily",
    "veckovis": "weekly",
    "vecka": "weekly",
    "weekly": "weekly",
    "brådskande": "urgent",
    "bradskande": "urgent",
    "akut": "urgent",
    "urgent": "urgent",
}


def parse_pref(word: str) -> Pref | None:
    return _PREF_WORDS.get((word or "").strip().lower())
