"""Meeting recurrences as coordinators say them, and when they fall.

Pure. `parse_rule` reads Swedish or English:

    första tisdagen varje månad 13–15          first tuesday monthly 13:00-15:00
    sista torsdagen i månaden 13.00-15.00      last thursday of every month 13-15
    andra torsdagen varannan månad 9-12        second thursday every 2 months 09:00-12:00
    varannan torsdag 9-10                      every other thursday 9-10
    varje vecka måndag 8.30                    every monday 8:30   /  weekly monday at 8.30

into a `Recurrence` (weekly or monthly; every N weeks/months; the nth or last weekday
of the month; start and end wall-clock time, an hour by default when only a start is
given). "Every other" needs a phase: `anchor` is the first matching date on or after
the day the rule was said, and counting goes from there.

`occurrences_after` gives the meetings as UTC instants, computed in the local zone
(Europe/Stockholm) so 13:00 stays 13:00 across daylight-saving changes; the local ->
UTC step is core.occurrences' (a wall time the clocks skip falls at the end of the gap).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.dates import weekday_name
from core.occurrences import next_occurrence
from core.refusal import Refused

_ORDINALS = {
    "första": 1, "forsta": 1, "1:a": 1, "1a": 1, "first": 1, "1st": 1,
    "andra": 2, "2:a": 2, "2a": 2, "second": 2, "2nd": 2,
    "tredje": 3, "3:e": 3, "3e": 3, "third": 3, "3rd": 3,
    "fjärde": 4, "fjarde": 4, "4:e": 4, "4e": 4, "fourth": 4, "4th": 4,
    "sista": -1, "last": -1,
}  # fmt: skip
_INTERVAL_WORDS = {
    "varannan": 2, "varannat": 2, "other": 2, "second": 2, "fortnightly": 2, "biweekly": 2,
    "tredje": 3, "third": 3, "fjärde": 4, "fjarde": 4, "fourth": 4,
}  # fmt: skip
_MONTH_WORDS = ("månad", "manad", "månaden", "månader", "month", "months", "monthly", "månatlig")
_WEEK_WORDS = ("vecka", "veckan", "veckor", "week", "weeks", "weekly")

# Not inside a date ("2026-11-27", "3/12"): no digit, slash, dot or dash around it.
_RANGE = re.compile(
    r"(?<![\d/.-])(\d{1,2})(?:[:.](\d{2}))?\s*-\s*(\d{1,2})(?:[:.](\d{2}))?(?![\d/-])"
)
_SINGLE = re.compile(r"(?<![\d/.-])(\d{1,2})[:.](\d{2})(?![\d/.-])")
_AFTER_KL = re.compile(r"(?:\bkl\.?|\bklockan|\bat)\s*(\d{1,2})\b(?!\s*(?::|\.\d))")
_EVERY_N = re.compile(
    r"\b(?:every|var|vart)\s+(\d{1,2})(?::?[ae]|st|nd|rd|th)?\s+(vecka|veckor|week|weeks|månad|manad|månader|month|months)\b"
)

DEFAULT_MINUTES = 60
MAX_INTERVAL = 12


class RuleError(Refused, ValueError):
    """What is missing or wrong; `code` picks the message shown to the person."""

    def __init__(self, code: str) -> None:
        super().__init__(f"mtg.err.{code}")
        self.code = code


@dataclass(frozen=True)
class Recurrence:
    freq: str  # weekly | monthly
    weekday: int  # 0 Monday ... 6 Sunday
    start: time | None
    end: time | None
    interval: int = 1  # every N weeks or months
    nth: int | None = None  # monthly: 1..4, -1 for the last
    anchor: date | None = None  # interval > 1: a date the counting starts from

    def to_dict(self) -> dict[str, Any]:
        return {
            "freq": self.freq,
            "weekday": self.weekday,
            "start": self.start.strftime("%H:%M") if self.start else None,
            "end": self.end.strftime("%H:%M") if self.end else None,
            "interval": self.interval,
            "nth": self.nth,
            "anchor": self.anchor.isoformat() if self.anchor else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Recurrence:
        def t(value: Any) -> time | None:
            return time.fromisoformat(value) if value else None

        return cls(
            freq=str(data["freq"]),
            weekday=int(data["weekday"]),
            start=t(data.get("start")),
            end=t(data.get("end")),
            interval=int(data.get("interval") or 1),
            nth=data.get("nth"),
            anchor=date.fromisoformat(data["anchor"]) if data.get("anchor") else None,
        )

    def with_times(self, start: time, end: time | None = None) -> Recurrence:
        return replace(self, start=start, end=end or _plus_minutes(start, DEFAULT_MINUTES))


def parse_rule(text: str, today: date) -> Recurrence:
    """The rule said in `text`; raises RuleError("no_weekday" | "bad_time" | ...)."""
    s = unicodedata.normalize("NFC", text).casefold()
    s = re.sub(r"[–—−]", "-", s)
    s = re.sub(r"\s+", " ", s).strip()
    start, end, s = take_times(s)
    interval = 1
    monthly = any(w in s.split() for w in _MONTH_WORDS)
    m = _EVERY_N.search(s)
    if m:
        interval = int(m.group(1))
        monthly = monthly or m.group(2).startswith(("m", "må"))
        s = s[: m.start()] + " " + s[m.end() :]
    words = s.replace(",", " ").split()
    nth: int | None = None
    weekday: int | None = None
    i = 0
    while i < len(words):
        w = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else ""
        after = words[i + 2] if i + 2 < len(words) else ""
        if w in ("every", "var", "vart") and nxt in _INTERVAL_WORDS:
            interval = _INTERVAL_WORDS[nxt]  # "every other", "var tredje"
            i += 2
            continue
        if w in ("varannan", "varannat", "fortnightly", "biweekly"):
            interval = 2
        elif w in _ORDINALS and (weekday_name(nxt) is not None or weekday_name(after) is not None):
            nth = _ORDINALS[w]  # "första tisdagen", "first tuesday"
        elif weekday is None and weekday_name(w) is not None:
            weekday = weekday_name(w)
        i += 1
    if weekday is None:
        raise RuleError("no_weekday")
    if not 1 <= interval <= MAX_INTERVAL:
        raise RuleError("bad_interval")
    freq = "monthly" if (nth is not None or monthly) else "weekly"
    if freq == "monthly" and nth is None:
        nth = 1  # "every month on tuesday": the first one
    rule = Recurrence(freq, weekday, start, end, interval, nth)
    if interval > 1:
        rule = replace(rule, anchor=next(_dates(rule, today)))
    return rule


def take_times(s: str) -> tuple[time | None, time | None, str]:
    """The time or time range in `s` ("13–15", "kl. 8.30"), and `s` without it."""
    m = _RANGE.search(s)
    if m:
        start = _time(m.group(1), m.group(2))
        end = _time(m.group(3), m.group(4))
        if start is None or end is None or end <= start:
            raise RuleError("bad_time")
        return start, end, s[: m.start()] + " " + s[m.end() :]
    m = _SINGLE.search(s) or _AFTER_KL.search(s)
    if m:
        start = _time(m.group(1), m.group(2) if m.re is _SINGLE else None)
        if start is None:
            raise RuleError("bad_time")
        return start, _plus_minutes(start, DEFAULT_MINUTES), s[: m.start()] + " " + s[m.end() :]
    return None, None, s


def _time(hour: str, minute: str | None) -> time | None:
    h, mnt = int(hour), int(minute or 0)
    if h > 23 or mnt > 59:
        return None
    return time(h, mnt)


def _plus_minutes(t: time, minutes: int) -> time:
    total = min(t.hour * 60 + t.minute + minutes, 23 * 60 + 59)
    return time(total // 60, total % 60)


# -- when it falls ------------------------------------------------------------------------


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    """The nth (1..5) or last (-1) `weekday` of the month, or None if there is no such day."""
    if nth == -1:
        last = (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    day = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    return day if day.month == month else None


def _dates(rule: Recurrence, start: date) -> Iterator[date]:
    """Meeting dates on or after `start`, forever."""
    if rule.freq == "weekly":
        day = start + timedelta(days=(rule.weekday - start.weekday()) % 7)
        if rule.interval > 1 and rule.anchor is not None:
            while ((day - rule.anchor).days // 7) % rule.interval:
                day += timedelta(days=7)
        while True:
            yield day
            day += timedelta(days=7 * rule.interval)
    year, month = start.year, start.month
    while True:
        months_from_anchor = (
            (year - rule.anchor.year) * 12 + month - rule.anchor.month if rule.anchor else 0
        )
        if months_from_anchor % rule.interval == 0:
            found = nth_weekday(year, month, rule.weekday, rule.nth or 1)
            if found is not None and found >= start:
                yield found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def local_instant(day: date, at: time, zone: str) -> datetime:
    """The UTC instant of a local wall-clock time (DST rules of core.occurrences)."""
    spec = {
        "year": day.year,
        "month": day.month,
        "day": day.day,
        "hour": at.hour,
        "minute": at.minute,
    }
    before = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(days=2)
    found = next_occurrence(spec, zone, before)
    assert found is not None
    return found


def occurrences_after(
    rule: Recurrence, zone: str, after: datetime, count: int
) -> list[tuple[datetime, datetime]]:
    """The next `count` meetings starting strictly after `after`: (start, end) in UTC."""
    if rule.start is None:
        raise RuleError("no_time")
    end_time = rule.end or _plus_minutes(rule.start, DEFAULT_MINUTES)
    local_day = after.astimezone(ZoneInfo(zone)).date() - timedelta(days=1)
    out: list[tuple[datetime, datetime]] = []
    for day in _dates(rule, local_day):
        begins = local_instant(day, rule.start, zone)
        if begins <= after:
            continue
        out.append((begins, local_instant(day, end_time, zone)))
        if len(out) >= count:
            break
    return out
