"""Typed reads of an icalendar event's properties for the .ics tests: icalendar types
`component[name]` as the union of every property class, so these narrow it to the one the
property is (and fail the test, as indexing it would, if it is another)."""

from __future__ import annotations

from datetime import datetime

from icalendar import Component, vDDDLists, vRecur


def rrule(event: Component) -> vRecur:
    """The event's RRULE, {part: [values]}."""
    prop = event["RRULE"]
    assert isinstance(prop, vRecur)
    return prop


def exdates(event: Component) -> list[datetime]:
    """The times of the event's (one) EXDATE property."""
    prop = event["EXDATE"]
    assert isinstance(prop, vDDDLists)
    times: list[datetime] = []
    for d in prop.dts:
        t = d.dt
        assert isinstance(t, datetime)
        times.append(t)
    return times
