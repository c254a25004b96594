"""Pulse rules: templates, answers, window, results and the suppression rule."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import answer_key as keys
from core.answer_mix import may_write_remainder, mix
from core.pulse_answers import Refusal, validate_answer
from core.pulse_differencing import Cell, publishable, residuals
from core.pulse_periods import period_bounds
from core.pulse_questions import InvalidTemplate, template_from_dict, template_to_dict
from core.pulse_results import effective_threshold, summarize
from core.pulse_templates import SAMVERKANSPULS
from core.pulse_window import answer_window, effective_cooldown, next_start

ZONE = ZoneInfo("Europe/Stockholm")
T = SAMVERKANSPULS


def test_default_template_round_trips() -> None:
    assert template_from_dict(template_to_dict(T)) == T
    assert [q.kind.value for q in T.questions] == ["likert", "yesno", "text"]


def test_template_limits() -> None:
    data = template_to_dict(T)
    data["questions"] = data["questions"] * 2
    with pytest.raises(InvalidTemplate):
        template_from_dict(data)  # duplicate ids and six questions
    with pytest.raises(InvalidTemplate):
        template_from_dict({**template_to_dict(T), "questions": []})


@pytest.mark.parametrize(
    ("data", "refusal"),
    [
        ({"q_collab": "6", "q_contact": "yes"}, Refusal.OUT_OF_RANGE),
        ({"q_collab": "0", "q_contact": "yes"}, Refusal.OUT_OF_RANGE),
        ({"q_collab": "4", "q_contact": "maybe"}, Refusal.OUT_OF_RANGE),
        ({"q_collab": "fyra", "q_contact": "yes"}, Refusal.TAMPERED),
        ({"q_collab": {"x": 1}, "q_contact": "yes"}, Refusal.TAMPERED),
        ({"q_collab": True, "q_contact": "yes"}, Refusal.TAMPERED),
        ({"q_collab": "4", "q_contact": "yes", "q_admin": "1"}, Refusal.TAMPERED),
        ({"q_contact": "yes"}, Refusal.MISSING),
        ({"q_collab": "4", "q_contact": "no", "q_example": "x" * 501}, Refusal.TOO_LONG),
        (
            {"q_collab": "4", "q_contact": "no", "q_example": "Pat 19121212-1212 fick hjälp"},
            Refusal.PERSONNUMMER,
        ),
    ],
)
def test_bad_answers_are_refused(data: dict[str, object], refusal: Refusal) -> None:
    check = validate_answer(T, data)
    assert check.refusal is refusal and check.values is None


def test_good_answer() -> None:
    check = validate_answer(
        T,
        {
            "action": "pulse.answer",
            "pulse": "x",
            "q_collab": "4",
            "q_contact": "yes",
            "q_example": " ",
        },
    )
    assert check.values == {"collab": 4, "contact": "yes"}


def test_window_respects_holidays_and_reminds_the_day_before() -> None:
    # Opened Thursday 2 April 2026 09:00: Easter takes Fri–Mon.
    w = answer_window(datetime(2026, 4, 2, 7, 0, tzinfo=UTC), ZONE)
    assert w.closes_at.astimezone(ZONE) == datetime(2026, 4, 10, 16, 0, tzinfo=ZONE)
    assert w.remind_at is not None
    assert w.remind_at.astimezone(ZONE) == datetime(2026, 4, 9, 9, 0, tzinfo=ZONE)
    # Opened after the closing hour: the day does not count.
    late = answer_window(datetime(2026, 4, 2, 15, 30, tzinfo=UTC), ZONE, working_days=1)
    assert late.closes_at.astimezone(ZONE).date().isoformat() == "2026-04-07"


def test_threshold_is_never_below_three() -> None:
    assert effective_threshold(None) == 5
    assert effective_threshold(2) == 3
    assert effective_threshold(8) == 8
    assert effective_threshold("1") == 5


def test_results_at_four_and_five() -> None:
    rows = [{"collab": v, "contact": "yes", "example": f"text {v}"} for v in (2, 3, 4, 5)]
    hidden = summarize(T, rows, 5, members=20)
    assert not hidden.shown and hidden.questions == () and hidden.answers == 4
    rows.append({"collab": 4, "contact": "no"})
    shown = summarize(T, rows, 5, members=20, rng=random.Random(1))
    assert shown.shown and shown.response_rate == 0.25
    collab = shown.questions[0]
    assert collab.mean == pytest.approx(3.6) and collab.counts == {
        "1": 0,
        "2": 1,
        "3": 1,
        "4": 2,
        "5": 1,
    }
    # Four people wrote free text: fewer than the threshold, so none of it is shown.
    assert shown.questions[2].texts == () and shown.questions[2].withheld == 4
    rows[-1]["example"] = "text 6"
    five = summarize(T, rows, 5, rng=random.Random(1))
    assert sorted(five.questions[2].texts) == ["text 2", "text 3", "text 4", "text 5", "text 6"]
    assert five.questions[2].withheld == 0


def test_a_lone_comment_is_withheld_and_the_count_of_people_shown_when_hidden() -> None:
    rows = [{"collab": 3, "contact": "yes"} for _ in range(6)]
    rows[2]["example"] = "Min chef lyssnar aldrig"
    result = summarize(T, rows, 5, rng=random.Random(2))
    assert result.shown and result.questions[2].texts == () and result.questions[2].withheld == 1
    # Four people answered but their answers were not kept: the count is still shown.
    hidden = summarize(T, [], 5, answered=4)
    assert not hidden.shown and hidden.answers == 4


def test_respondent_keys() -> None:
    secret = "s" * 40
    key = keys.respondent_key(secret, "ref1", "ABC")
    assert key == keys.respondent_key(secret, "ref1", " abc ") and len(key) == 64
    assert key != keys.respondent_key(secret, "ref2", "abc")  # per pulse
    assert key != keys.respondent_key("t" * 40, "ref1", "abc")  # per server secret
    ids = {keys.new_answer_id() for _ in range(1000)}
    assert len(ids) == 1000 and all(len(i) == 32 for i in ids)


def test_cool_down() -> None:
    assert effective_cooldown(None) == 7
    assert effective_cooldown(14) == 14
    assert effective_cooldown(0) == 7 and effective_cooldown(True) == 7
    assert effective_cooldown("3") == 7
    closed = datetime(2026, 11, 6, 15, 0, tzinfo=UTC)
    assert next_start(closed, 7) == datetime(2026, 11, 13, 15, 0, tzinfo=UTC)
    assert next_start(None, 7) is None


@given(
    held=st.integers(min_value=0, max_value=12),
    arriving=st.integers(min_value=0, max_value=30),
    keep=st.integers(min_value=0, max_value=10),
    seed=st.integers(),
)
def test_the_pool_mix_keeps_what_it_must_and_writes_the_rest(
    held: int, arriving: int, keep: int, seed: int
) -> None:
    pool = [("held", i) for i in range(held)]
    new = [("new", i) for i in range(arriving)]
    out, kept = mix(pool, new, keep, random.Random(seed))
    assert sorted(out + kept) == sorted(pool + new)
    assert len(kept) == min(keep, held + arriving)
    assert may_write_remainder(keep, keep) and not may_write_remainder(keep - 1, keep)


def test_periods() -> None:
    assert period_bounds("2026-12")[1].isoformat() == "2027-01-01"
    assert period_bounds("2026-Q4")[0].isoformat() == "2026-10-01"
    with pytest.raises(ValueError):
        period_bounds("2026-13")


# -- suppression ---------------------------------------------------------------------


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
