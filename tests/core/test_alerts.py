"""core/alerts.py: when a new value raises an alert, and who is told."""

from __future__ import annotations

from core.alerts import AlertKind, alert_for, alert_recipients
from core.indicators import Definition, Direction, Period

DAYS = Definition(
    "dagar", "Dagar", "Days", "dagar", Direction.LOWER, 1.5, "month", "", tolerance=0.1
)
SHARE = Definition("andel", "Andel", "Share", "%", Direction.HIGHER, 60, "quarter", "")


def months(*values: float, start: Period = Period("month", 2026, 1)) -> dict[Period, float]:
    return {start.shift(i): v for i, v in enumerate(values)}


def test_crossing_the_target_to_the_wrong_side() -> None:
    series = months(1.2, 1.4, 1.7)
    alert = alert_for(DAYS, series, Period("month", 2026, 3), 1.5)
    assert alert is not None and alert.kind is AlertKind.CROSSED
    assert (alert.value, alert.previous, alert.target) == (1.7, 1.4, 1.5)
    assert [v for _, v in alert.values] == [1.2, 1.4, 1.7]
    # Already off before: no new crossing; back on target: nothing.
    assert alert_for(DAYS, months(1.6, 1.7), Period("month", 2026, 2), 1.5) is None
    assert alert_for(DAYS, months(1.7, 1.4), Period("month", 2026, 2), 1.5) is None
    # A share "higher is better": 62 -> 58 against 60 crosses.
    q = {Period("quarter", 2026, 1): 62.0, Period("quarter", 2026, 2): 58.0}
    got = alert_for(SHARE, q, Period("quarter", 2026, 2), 60)
    assert got is not None and got.kind is AlertKind.CROSSED
    # No target: never a crossing; a first value: nothing to cross from.
    assert alert_for(DAYS, months(1.2, 1.7), Period("month", 2026, 2), None) is None
    assert alert_for(DAYS, months(1.7), Period("month", 2026, 1), 1.5) is None


def test_worsening_three_periods_running_by_the_good_direction() -> None:
    p = Period("month", 2026, 4)
    worse = alert_for(DAYS, months(1.8, 2.0, 2.2, 2.5), p, 1.5)  # off all along, rising
    assert worse is not None and worse.kind is AlertKind.WORSENING
    assert alert_for(DAYS, months(2.5, 2.2, 2.0, 1.8), p, 1.5) is None  # improving
    assert alert_for(DAYS, months(1.8, 2.0, 1.9, 2.5), p, 1.5) is None  # not three running
    assert alert_for(DAYS, months(1.8, 1.85, 1.9, 1.95), p, 1.5) is None  # within tolerance
    assert alert_for(DAYS, months(1.8, 2.0, 2.2, 2.5), p, None) is not None  # no target needed
    gap = months(1.8, 2.0, 2.2, 2.5)
    del gap[Period("month", 2026, 2)]
    assert alert_for(DAYS, gap, p, 1.5) is None  # a missing period breaks the run
    falling = {Period("quarter", 2025, 3): 70.0}
    falling |= {Period("quarter", 2025, 4): 66.0, Period("quarter", 2026, 1): 63.0}
    falling[Period("quarter", 2026, 2)] = 61.0
    got = alert_for(SHARE, falling, Period("quarter", 2026, 2), 60)
    assert got is not None and got.kind is AlertKind.WORSENING


def test_recipients_are_the_units_managers_and_coordinators_or_the_nearest_above() -> None:
    parents = {1: None, 2: 1, 3: 2}
    people = {
        1: {"manager": ["lan.chef@x.se"], "coordinator": ["lan.sam@x.se"]},
        2: {"coordinator": ["sara@x.se", "group:abc"], "manager": ["maja@x.se"], "admin": ["a@x"]},
        3: {"admin": ["only.admin@x.se"]},
    }
    assert alert_recipients(2, parents, people) == ["maja@x.se", "sara@x.se"]
    assert alert_recipients(3, parents, people) == ["maja@x.se", "sara@x.se"]  # none at 3
    assert alert_recipients(1, parents, {}) == []
