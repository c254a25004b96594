"""Which wider groups a pulse result may be shown beside, and its trend. Pure.

A unit's results card may show, per question, the same question's mean over the
parent unit and over the county (the root) for the same month, so a team sees where
it stands. Each of those groups is the set of closed pulses in that unit's subtree
that month. They are shown only where:

- the group's unit is publishable in the month's laminar family of cells (every
  pulse, every unit; `period_cells`), as for the indicator roll-up
  (core.pulse_differencing.publishable): at least the threshold of answers, and no subtraction
  between it, the pulses already published and the other shown groups isolates
  fewer than the threshold;
- every pulse in the group asked the question (same id and kind, as asked): then the
  group is exactly the roll-up's set of answers, never a differently cut one that
  could be subtracted from it;
- it is not the same set of pulses as the unit's own (nothing to compare) or as the
  parent's (the county would repeat it).

The caller gives only finished months with no pulse open (a value that changes as
pulses close could be subtracted from its earlier self).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from core.pulse_differencing import Cell, publishable

When = TypeVar("When")  # what a trend point is placed by: the pulse's opening day

Key = tuple[str, int]  # ("unit", id) | ("pulse", id)


def period_cells(
    children: Mapping[int, Sequence[int]],
    pulses_of: Mapping[int, Sequence[int]],
    stored: Mapping[int, int],
    thresholds: Mapping[int, int],
    units: Sequence[int],
) -> dict[Key, Cell[Key]]:
    """The month's cells: every pulse (forced when its result was shown at close, that is
    when at least its threshold of answers are stored) and every unit (its pulses and
    its child units)."""
    cells: dict[Key, Cell[Key]] = {}
    for unit in units:
        for p in pulses_of.get(unit, ()):
            cells[("pulse", p)] = Cell(own=stored[p], forced=stored[p] >= thresholds[p])
    for unit in units:
        kids: list[Key] = [("unit", c) for c in children.get(unit, ())]
        kids += [("pulse", p) for p in pulses_of.get(unit, ())]
        cells[("unit", unit)] = Cell(own=0, children=tuple(kids))
    return cells


def subtree(unit: int, children: Mapping[int, Sequence[int]]) -> list[int]:
    """The unit and every unit below it."""
    out, stack = [], [unit]
    while stack:
        u = stack.pop()
        out.append(u)
        stack.extend(children.get(u, ()))
    return out


@dataclass(frozen=True)
class Beside:
    unit: int
    pulses: frozenset[int]


def beside(
    unit: int,
    ancestors: Sequence[int],
    children: Mapping[int, Sequence[int]],
    pulses_of: Mapping[int, Sequence[int]],
    stored: Mapping[int, int],
    thresholds: Mapping[int, int],
    asked: frozenset[int],
    threshold: int,
) -> list[Beside]:
    """The parent (ancestors[0]) and the county (ancestors[-1]) groups that may be shown
    beside `unit`'s result for a question `asked` by the pulses in `asked`; see the
    module's docstring. `ancestors` runs from the parent up to the root."""
    if not ancestors:
        return []
    units = sorted({u for a in (unit, *ancestors) for u in subtree(a, children)})
    cells = period_cells(children, pulses_of, stored, thresholds, units)
    shown = publishable(cells, threshold)

    def pulses_under(u: int) -> frozenset[int]:
        return frozenset(p for s in subtree(u, children) for p in pulses_of.get(s, ()))

    def total(pulses: frozenset[int]) -> int:
        return sum(stored[p] for p in pulses)

    own = pulses_under(unit)
    if total(own) < threshold:  # the unit's own result is not shown: nothing to compare
        return []
    out: list[Beside] = []
    wanted = [ancestors[0]] + ([ancestors[-1]] if len(ancestors) > 1 else [])
    previous = own
    for group in wanted:
        pulses = pulses_under(group)
        if ("unit", group) not in shown or not pulses <= asked:
            continue
        if total(pulses) == total(previous):  # nested: the same answers, nothing to add
            continue
        out.append(Beside(group, pulses))
        previous = pulses
    return out


def trend_points(
    pulses: Sequence[tuple[When, int, int, Mapping[str, float | None]]],
    questions: Sequence[str],
    limit: int = 12,
) -> list[tuple[When, dict[str, float]]]:
    """(when, {question: mean}) of a unit's earlier pulses, oldest first, for the trend:
    only pulses whose result was shown at close (stored >= threshold: already public),
    and only the questions given. Input rows: (when, stored, threshold, means)."""
    out = []
    for label, kept, threshold, means in pulses:
        if kept < threshold:
            continue
        point = {q: m for q in questions if (m := means.get(q)) is not None}
        if point:
            out.append((label, point))
    return out[-limit:]
