"""Pulse results: the threshold and what a summary shows."""

from __future__ import annotations

import random

import pytest

from core.pulse_results import effective_threshold, summarize
from core.pulse_templates import SAMVERKANSPULS as T


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
