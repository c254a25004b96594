"""Pulse differencing: the suppression rule (no subtraction reveals a small group)."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from core.pulse_differencing import Cell, publishable, residuals


def test_sibling_differencing_hides_the_total_when_a_slice_is_public() -> None:
    # Parent with two units: A's pulse (6) was published at close, B's (2) was not.
    cells = {
        "pA": Cell(own=6, forced=True),
        "pB": Cell(own=2),
        "A": Cell(own=0, children=("pA",)),
        "B": Cell(own=0, children=("pB",)),
        "P": Cell(own=0, children=("A", "B")),
    }
    assert publishable(cells, 5) == {"pA", "A"}


def test_sibling_differencing_withdraws_the_slice_when_it_can() -> None:
    cells = {"A": Cell(own=6), "B": Cell(own=2), "P": Cell(own=0, children=("A", "B"))}
    assert publishable(cells, 5) == {"P"}
    cells = {"A": Cell(own=6), "B": Cell(own=5), "P": Cell(own=0, children=("A", "B"))}
    assert publishable(cells, 5) == {"A", "B", "P"}


def test_series_differencing() -> None:
    # Two pulses in one month: the first published at close (7), the second small (3).
    cells = {"p1": Cell(own=7, forced=True), "p2": Cell(own=3), "month": Cell(0, ("p1", "p2"))}
    assert publishable(cells, 5) == {"p1"}


@st.composite
def forests(draw: st.DrawFn) -> tuple[dict[int, Cell[int]], int]:
    n = draw(st.integers(1, 7))
    k = draw(st.integers(3, 6))
    parents = [None] + [draw(st.one_of(st.none(), st.integers(0, i - 1))) for i in range(1, n)]
    own = [draw(st.integers(0, 12)) for _ in range(n)]
    kids: dict[int, list[int]] = {i: [] for i in range(n)}
    for i, p in enumerate(parents):
        if p is not None:
            kids[p].append(i)
    cells = {}
    for i in range(n):
        forced = not kids[i] and own[i] >= k and draw(st.booleans())
        cells[i] = Cell(own=own[i], children=tuple(kids[i]), forced=forced)
    return cells, k


def _subtree(cells: dict[int, Cell[int]], i: int) -> set[int]:
    out = {i}
    for c in cells[i].children:
        out |= _subtree(cells, c)
    return out


@settings(max_examples=400, deadline=None)
@given(forests())
def test_no_subtraction_reveals_a_small_group(case: tuple[dict[int, Cell[int]], int]) -> None:
    cells, k = case
    shown = publishable(cells, k)
    assert {i for i, c in cells.items() if c.forced} <= shown
    # Every combination of published cells with coefficients -1, 0, 1 that picks out a
    # real group of answers (each node's own answers counted 0 or 1 times) picks out
    # either nobody or at least k people — except groups made only of public slices.
    members = sorted(shown)
    forced = {i for i in shown if cells[i].forced}
    for coeffs in itertools.product((-1, 0, 1), repeat=len(members)):
        weight = dict.fromkeys(cells, 0)
        for c, m in zip(coeffs, members, strict=True):
            for node in _subtree(cells, m):
                weight[node] += c
        if any(w not in (0, 1) for node, w in weight.items() if cells[node].own):
            continue
        picked = {node for node, w in weight.items() if w == 1 and cells[node].own}
        size = sum(cells[node].own for node in picked)
        if picked and picked <= forced:
            continue  # already public on its own
        assert size == 0 or size >= k, (coeffs, members, size)


@settings(max_examples=300, deadline=None)
@given(forests())
def test_shown_cells_reach_the_threshold_and_residuals_hold(
    case: tuple[dict[int, Cell[int]], int],
) -> None:
    cells, k = case
    shown = publishable(cells, k)
    res = residuals(cells, shown)
    for i in shown:
        if not cells[i].forced:
            assert res[i] == 0 or res[i] >= k
            assert sum(cells[n].own for n in _subtree(cells, i)) >= k
    # Nothing is withdrawn needlessly when every cell is big and clean.
    if all(not c.forced for c in cells.values()) and all(
        c.own == 0 or c.own >= k for c in cells.values()
    ):
        assert shown == {i for i in cells if sum(cells[n].own for n in _subtree(cells, i)) >= k}
