"""Indicator alerts: when a new value deserves telling someone, and whom. Pure rules.

A new value for a unit and period raises an alert when

- it **crosses its target to the wrong side**: the unit's previous value (the period
  before, or the latest earlier one) was on target and this one is off; or
- it **worsens three periods running**: the last four consecutive periods each moved the
  wrong way (by the indicator's good direction) by more than its tolerance.

Crossing wins when both hold (it says more). The people told are the unit's managers and
coordinators; a unit with none has its nearest ancestor's told instead. Entra groups
(`group:<id>`) are left out: a group cannot be addressed by name. Where they are told
(channel, personal chat) is the shell's choice (services/alerts.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

from core.indicators import Definition, Direction, Period, Status, default_tolerance, status
from core.roles import ancestors

RUNNING = 3  # worsening this many periods in a row


class AlertKind(StrEnum):
    CROSSED = "crossed"
    WORSENING = "worsening"


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    period: Period
    value: float
    target: float | None
    previous: float | None
    # The values behind it, oldest first: what the item raised from it carries.
    values: tuple[tuple[Period, float], ...]


def _worse(a: float, b: float, direction: Direction, tolerance: float) -> bool:
    """Whether moving from a to b is worse by more than the tolerance."""
    change = b - a
    return (change < -tolerance) if direction is Direction.HIGHER else (change > tolerance)


def alert_for(
    defn: Definition, series: Mapping[Period, float], period: Period, target: float | None
) -> Alert | None:
    """The alert the value at `period` raises, if any."""
    value = series.get(period)
    if value is None:
        return None
    earlier = sorted(p for p in series if p.kind == period.kind and p < period)
    previous = series[earlier[-1]] if earlier else None
    shown = tuple((p, series[p]) for p in [*earlier[-RUNNING:], period])
    if (
        previous is not None
        and status(previous, target, defn.direction) is Status.ON
        and status(value, target, defn.direction) is Status.OFF
    ):
        return Alert(AlertKind.CROSSED, period, value, target, previous, shown)
    run = [period.shift(-i) for i in range(RUNNING, -1, -1)]
    if all(p in series for p in run):
        values = [series[p] for p in run]
        tolerance = defn.tolerance if defn.tolerance is not None else default_tolerance(values)
        if all(_worse(a, b, defn.direction, tolerance) for a, b in pairwise(values)):
            return Alert(AlertKind.WORSENING, period, value, target, previous, shown)
    return None


def alert_recipients(
    unit_id: int,
    parents: Mapping[int, int | None],
    people: Mapping[int, Mapping[str, Sequence[str]]],
) -> list[str]:
    """The managers, then the coordinators, of the unit, or of its nearest ancestor that
    has any (people as the org names them: UPN or object id)."""
    for uid in ancestors(unit_id, parents):
        roles = people.get(uid, {})
        found = [
            p
            for role in ("manager", "coordinator")
            for p in roles.get(role, ())
            if not p.startswith("group:")
        ]
        if found:
            return list(dict.fromkeys(found))
    return []
