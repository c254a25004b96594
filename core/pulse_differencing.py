"""Differencing: which aggregates may be published together. Pure.

Published aggregates form a laminar family (a pulse inside its unit's period, a unit
inside its parent's subtree). Subtracting published cells from each other can reveal
exactly the unions of their *residuals* (a cell minus its largest published sub-cells),
so every non-empty residual must reach the threshold too. `publishable` withdraws
slices (and if needed totals) until that holds. The cool-down between a unit's pulses
(core/pulse_window.py `next_start`) keeps consecutive results apart.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Cell(Generic[K]):
    """One aggregate that may be published: `own` answers not in any child cell, plus
    its children. `forced` cells are already public (a pulse's result shown at close)
    and cannot be withdrawn."""

    own: int
    children: tuple[K, ...] = ()
    forced: bool = False


def cell_totals(cells: Mapping[K, Cell[K]]) -> dict[K, int]:
    totals: dict[K, int] = {}

    def total(key: K, path: frozenset[K]) -> int:
        if key in totals:
            return totals[key]
        if key in path:
            raise ValueError("cells must form a forest (found a cycle)")
        cell = cells[key]
        value = cell.own + sum(total(c, path | {key}) for c in cell.children)
        totals[key] = value
        return value

    for key in cells:
        total(key, frozenset())
    return totals


def _maximal_published_below(cells: Mapping[K, Cell[K]], key: K, published: set[K]) -> list[K]:
    out: list[K] = []
    stack = list(cells[key].children)
    while stack:
        child = stack.pop()
        if child in published:
            out.append(child)
        else:
            stack.extend(cells[child].children)
    return out


def residuals(cells: Mapping[K, Cell[K]], published: set[K]) -> dict[K, int]:
    """For each published cell: its total minus the totals of its largest published sub-cells.

    These are exactly the smallest groups that subtraction between published cells
    can isolate; every union of them can be isolated too.
    """
    totals = cell_totals(cells)
    return {
        key: totals[key] - sum(totals[d] for d in _maximal_published_below(cells, key, published))
        for key in published
    }


def publishable(cells: Mapping[K, Cell[K]], threshold: int) -> set[K]:
    """The cells that can be shown together without any subtraction revealing a group
    of fewer than `threshold` answers.

    Cells below the threshold are never shown. When a cell's residual is non-empty
    but below the threshold, the smallest published slice under it that has a
    residual of its own is withdrawn (so totals survive, slices go); if there is
    none to withdraw (only already-public slices), the cell itself is withdrawn.
    Each cell's children must be listed in `cells`, and children must not be shared.
    """
    if threshold < 1:
        raise ValueError("threshold must be positive")
    totals = cell_totals(cells)
    published = {key for key, cell in cells.items() if cell.forced or totals[key] >= threshold}
    while True:
        res = residuals(cells, published)
        bad = [key for key in published if not cells[key].forced and 0 < res[key] < threshold]
        if not bad:
            return published
        # Deepest problem first (smallest total), deterministic by repr.
        key = min(bad, key=lambda k: (totals[k], repr(k)))
        withdrawable = [
            d
            for d in _maximal_published_below(cells, key, published)
            if not cells[d].forced and res[d] > 0
        ]
        if withdrawable:
            published.discard(min(withdrawable, key=lambda d: (totals[d], repr(d))))
        else:
            published.discard(key)
