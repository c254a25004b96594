"""A series' RRULE as Microsoft Graph `patternedRecurrence` objects, pure.

Graph's recurrence (resources/patternedrecurrence) is narrower than RFC 5545: one
`index` (first…last) per relative pattern, one `month` per yearly pattern, no week
numbers. A rule Graph cannot say in one pattern becomes several Graph series that
together give the same meetings:

    första och tredje tisdagen             two relativeMonthly series (index first, third)
    första tisdagen i mars, juni, sept.    three relativeYearly series (month 3, 6, 9)
    varje måndag utom juli                 Unsupported: Graph has no excluded months
    tisdagar udda veckor                   Unsupported: Graph has no week numbers

`Unsupported` names why; such a series stays in Samverkan (reminders, .ics) without a
group-calendar event. COUNT splits are refused too (a count over several Graph series
is not the same meetings); UNTIL carries over as the range's endDate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.recurrence import Recurrence

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
INDEX = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


@dataclass(frozen=True)
class Unsupported:
    reason: str  # week_numbers | excluded_months | ordinal | count_split | no_anchor


def _range(rule: Recurrence, start: date, zone: str) -> dict[str, Any]:
    out: dict[str, Any] = {"startDate": start.isoformat(), "recurrenceTimeZone": zone}
    if rule.until is not None:
        out.update(type="endDate", endDate=rule.until.isoformat())
    elif rule.count is not None:
        out.update(type="numbered", numberOfOccurrences=rule.count)
    else:
        out["type"] = "noEnd"
    return out


def patterns(rule: Recurrence, zone: str) -> list[dict[str, Any]] | Unsupported:
    """The Graph recurrences (pattern + range) that together give the rule's meetings."""
    if rule.anchor is None:
        return Unsupported("no_anchor")
    if rule.weeks:
        return Unsupported("week_numbers")
    start = rule.anchor
    days = [DAYS[wd] for wd in rule.weekdays]
    out: list[dict[str, Any]] = []
    if rule.freq == "weekly":
        if rule.months:
            return Unsupported("excluded_months")
        pattern = {"type": "weekly", "interval": rule.interval, "daysOfWeek": days,
                   "firstDayOfWeek": "monday"}  # fmt: skip
        return [{"pattern": pattern, "range": _range(rule, start, zone)}]
    ordinals = sorted({n for n, _ in rule.days if n is not None}, key=lambda n: (n < 0, n))
    if not ordinals or any(n not in INDEX for n in ordinals):
        return Unsupported("ordinal")
    months: list[int | None] = list(rule.months) or [None]
    if rule.freq == "monthly" and rule.months:
        return Unsupported("excluded_months")
    pieces = [(n, m) for n in ordinals for m in months]
    if len(pieces) > 1 and rule.count is not None:
        return Unsupported("count_split")
    for n, month in pieces:
        wanted = [DAYS[wd] for k, wd in rule.days if k == n]
        relative: dict[str, Any] = {"interval": rule.interval, "daysOfWeek": wanted,
                                    "index": INDEX[n], "firstDayOfWeek": "monday"}  # fmt: skip
        if rule.freq == "monthly":
            relative["type"] = "relativeMonthly"
        else:
            relative.update(type="relativeYearly", month=month)
        out.append({"pattern": relative, "range": _range(rule, start, zone)})
    return out


def event_body(
    *,
    subject: str,
    description: str,
    start: datetime,
    end: datetime,
    zone: str,
    place: str | None,
    recurrence: dict[str, Any],
) -> dict[str, Any]:
    """A Graph event (a series master) for the group calendar, as a Teams meeting: the
    first meeting's local start and end in the series' zone, and its recurrence."""
    tz = ZoneInfo(zone)

    def local(at: datetime) -> dict[str, str]:
        return {"dateTime": at.astimezone(tz).strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": zone}

    body: dict[str, Any] = {
        "subject": subject,
        "body": {"contentType": "text", "content": description},
        "start": local(start),
        "end": local(end),
        "recurrence": recurrence,
        "isOnlineMeeting": True,
        "onlineMeetingProvider": "teamsForBusiness",
    }
    if place:
        body["location"] = {"displayName": place}
    return body


def instant(value: Any) -> datetime | None:
    """A Graph dateTimeTimeZone ({dateTime, timeZone}) or DateTimeOffset, as UTC."""
    if isinstance(value, dict):
        text, zone = str(value.get("dateTime", "")), str(value.get("timeZone") or "UTC")
        try:
            naive = datetime.fromisoformat(text[:19])
            tz = UTC if zone.upper() == "UTC" else ZoneInfo(zone)
        except (ValueError, KeyError):
            return None
        return naive.replace(tzinfo=tz).astimezone(UTC)
    if isinstance(value, str):
        try:
            found = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return found.astimezone(UTC) if found.tzinfo else found.replace(tzinfo=UTC)
    return None


@dataclass(frozen=True)
class Moved:
    slot: datetime  # where the series put it (Graph's originalStart), UTC
    start: datetime
    end: datetime


def moved_instances(instances: list[dict[str, Any]]) -> list[Moved]:
    """The meetings someone moved in Outlook: Graph's exceptions whose start differs from
    where the series put them."""
    out: list[Moved] = []
    for item in instances:
        if item.get("type") != "exception":
            continue
        slot = instant(item.get("originalStart"))
        start, end = instant(item.get("start")), instant(item.get("end"))
        if slot is None or start is None or end is None or start == slot:
            continue
        out.append(Moved(slot, start, end))
    return out


def deleted_slots(instances: list[dict[str, Any]], expected: Iterable[datetime]) -> list[datetime]:
    """Of the meetings Samverkan expects in the calendar (their slots, UTC), those deleted
    in Outlook. Graph leaves a deleted occurrence out of a series' `instances` (no
    exception, no tombstone); a cancelled one still listed has `isCancelled: true`.
    When none of the expected meetings is there, the calendar and the series disagree as
    a whole (not a deletion of some): nothing is reported."""
    listed: dict[datetime, bool] = {}
    for item in instances:
        slot = instant(item.get("originalStart"))
        if slot is not None:
            listed[slot] = bool(item.get("isCancelled"))
    wanted = sorted(set(expected))
    if not any(slot in listed and not listed[slot] for slot in wanted):
        return []
    return [slot for slot in wanted if listed.get(slot, True)]
