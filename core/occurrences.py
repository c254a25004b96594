"""When a schedule's occurrences fall: a cron spec in local time -> UTC instants.

A spec is the dict of APScheduler `CronTrigger` fields (year, month, day, week,
day_of_week, hour, minute, second) read as **local wall-clock time** in the
schedule's zone, e.g. `{"day_of_week": "mon", "day": "1-7", "hour": 8, "minute": 0}`
is "the first Monday of the month at 08:00". Fields below the smallest one given
default to their minimum (`{"hour": 8}` is 08:00:00), as in CronTrigger.

Daylight saving time (Europe/Stockholm: clocks go 02:00 -> 03:00 on the last Sunday
of March, 03:00 -> 02:00 on the last Sunday of October):

- An occurrence outside the changed hour fires exactly once at its local time on
  the transition days too (13:00 is 13:00, whatever the UTC offset).
- An occurrence inside the skipped hour (02:30 on 2026-03-29) fires once, at the
  end of the gap (03:00). Several occurrences in the gap (every 15 minutes) and an
  occurrence at 03:00 itself all collapse into that one 03:00 firing.
- An occurrence inside the repeated hour (02:30 on 2026-10-25) fires once, the
  first time the clock shows it (02:30 summer time); the second pass is skipped,
  so an hourly job runs 02:30 CEST, then 03:30 CET.

So occurrences are strictly increasing, no local time fires twice, and a daily
spec fires exactly once on every local day.

APScheduler 3.11's own CronTrigger does not follow these rules on transition days
(it fires a skipped 02:30 at 03:30, and fires a repeated 02:30 twice or goes
backwards), so the live scheduler asks this module instead. The cron arithmetic
itself is APScheduler's, run in UTC where no clock ever jumps: that keeps every
expression CronTrigger accepts ("last fri", "*/15", "mon-fri") meaning the same.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

CRON_FIELDS = ("year", "month", "day", "week", "day_of_week", "hour", "minute", "second")
_ONE_US = timedelta(microseconds=1)


class InvalidSpec(ValueError):
    """A trigger dict that is not a cron spec we can schedule."""


def validate_spec(spec: Mapping[str, Any]) -> None:
    """Raise InvalidSpec unless `spec` holds only cron fields with valid expressions."""
    _naive_trigger(_canonical(spec))


def next_occurrence(
    spec: Mapping[str, Any], zone: str | ZoneInfo, after: datetime
) -> datetime | None:
    """The first occurrence strictly after the instant `after` (UTC), or None if none is left."""
    return next(iter_occurrences(spec, zone, after), None)


def occurrences(
    spec: Mapping[str, Any],
    zone: str | ZoneInfo,
    start: datetime,
    end: datetime,
    *,
    limit: int | None = None,
) -> list[datetime]:
    """Occurrences in the window (start, end], as UTC instants, oldest first."""
    found: list[datetime] = []
    for when in iter_occurrences(spec, zone, start):
        if when > end or (limit is not None and len(found) >= limit):
            break
        found.append(when)
    return found


def latest_occurrences(
    spec: Mapping[str, Any], zone: str | ZoneInfo, start: datetime, end: datetime, count: int
) -> list[datetime]:
    """The last `count` occurrences in (start, end], oldest first.

    Looks back in growing windows from `end`, so a long downtime over a
    per-second spec costs in proportion to `count`, not to the downtime.
    """
    window = timedelta(seconds=2)
    while True:
        lower = max(start, end - window)
        found = occurrences(spec, zone, lower, end)
        if len(found) >= count or lower == start:
            return found[-count:] if count else []
        window *= 4


def latest_occurrence(
    spec: Mapping[str, Any], zone: str | ZoneInfo, at: datetime, within: timedelta
) -> datetime | None:
    """The last occurrence in (at - within, at], or None."""
    found = latest_occurrences(spec, zone, at - within, at, 1)
    return found[-1] if found else None


def iter_occurrences(
    spec: Mapping[str, Any], zone: str | ZoneInfo, after: datetime
) -> Iterator[datetime]:
    """Occurrences strictly after the instant `after`, as UTC instants, forever (or until none)."""
    if after.tzinfo is None:
        raise ValueError("`after` must be timezone-aware")
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    trigger = _naive_trigger(_canonical(spec))
    # Wall-clock matches are computed by a UTC CronTrigger (UTC never jumps) and then
    # placed in the zone. Mapping wall time -> instant never goes backwards, so
    # starting at the wall time of `after` misses nothing.
    wall = after.astimezone(tz).replace(tzinfo=UTC, fold=0)
    naive = trigger.get_next_fire_time(None, wall)
    last: datetime | None = None
    while naive is not None:
        instant = _to_instant(naive.replace(tzinfo=None), tz)
        if instant > after and instant != last:
            last = instant
            yield instant
        naive = trigger.get_next_fire_time(naive, naive + _ONE_US)


def local_minute(instant: datetime, zone: str | ZoneInfo) -> datetime:
    """The local wall-clock minute of an instant (naive), for display and checks."""
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    return instant.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0)


def _to_instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant a local wall-clock time fires at, by the rules above."""
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)  # fold=0: the first pass
    if first.astimezone(tz).replace(tzinfo=None) == wall:
        return first
    return _gap_end(wall, tz)


def _gap_end(wall: datetime, tz: ZoneInfo) -> datetime:
    """For a wall time the clocks skip: the instant the skip happens (03:00 local)."""
    before = wall.replace(tzinfo=tz, fold=0).utcoffset()  # offset before the jump
    after = wall.replace(tzinfo=tz, fold=1).utcoffset()  # offset after it
    assert before is not None and after is not None
    lo = (wall - after).replace(tzinfo=UTC)  # still before the jump
    hi = (wall - before).replace(tzinfo=UTC)  # already after it
    # Transitions fall on whole seconds: bisect to the first second with the new offset.
    while hi - lo > timedelta(seconds=1):
        mid = lo + timedelta(seconds=((hi - lo).total_seconds() // 2))
        if mid.astimezone(tz).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    return hi


def _canonical(spec: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    if not isinstance(spec, Mapping):
        raise InvalidSpec("a cron spec must be a mapping of cron fields")
    unknown = sorted(set(spec) - set(CRON_FIELDS))
    if unknown:
        raise InvalidSpec(f"unknown cron field(s): {', '.join(unknown)}")
    if not spec:
        raise InvalidSpec("a cron spec needs at least one field")
    return tuple((name, str(spec[name])) for name in CRON_FIELDS if name in spec)


@lru_cache(maxsize=4096)
def _naive_trigger(fields: tuple[tuple[str, str], ...]) -> CronTrigger:
    # Cached: thousands of schedules share a handful of specs.
    try:
        return CronTrigger(**dict(fields), timezone=UTC)
    except (ValueError, TypeError) as exc:
        raise InvalidSpec(str(exc)) from None
