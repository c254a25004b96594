"""Parent unit and county beside a pulse result: the differencing rule (pure)."""

from __future__ import annotations

from datetime import date
from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cards.pulse_trend import trend_chart, without_charts
from core.pulse_compare import beside, trend_points
from tests.cardschema import assert_valid_card

# County 1 > cluster 2 > teams 3, 4; cluster 5 (no children). One pulse per unit, id = unit id.
CHILDREN = {1: [2, 5], 2: [3, 4]}
ALL = frozenset({1, 2, 3, 4, 5})


def _beside(stored: dict[int, int], asked: frozenset[int] = ALL, t: int = 5) -> list[int]:
    pulses_of = {u: [u] for u in stored}
    thresholds = {p: t for p in stored}
    ancestors = {3: [2, 1], 4: [2, 1], 2: [1], 5: [1], 1: []}
    return [
        g.unit for g in beside(3, ancestors[3], CHILDREN, pulses_of, stored, thresholds, asked, t)
    ]


def test_parent_and_county_beside_when_every_group_is_large_enough() -> None:
    assert _beside({3: 6, 4: 7, 2: 0, 5: 9, 1: 0}) == [2, 1]


def test_a_small_unpublished_pulse_withdraws_what_would_expose_it() -> None:
    # Team 4's two stored answers (never shown) would be the parent minus team 3, and
    # the county minus cluster 5 and team 3: neither is shown.
    assert _beside({3: 6, 4: 2, 2: 0, 5: 9, 1: 0}) == []
    # Not even beside the cluster's own published pulse: that too can be subtracted.
    assert _beside({3: 6, 4: 2, 2: 5, 5: 9, 1: 0}) == []
    # A small pulse's answers are never written (storage/answer_writer.py): then both can.
    assert _beside({3: 6, 4: 0, 2: 5, 5: 9, 1: 0}) == [2, 1]


def test_same_set_as_the_unit_or_the_parent_is_not_repeated() -> None:
    assert _beside({3: 6, 4: 0, 2: 0, 5: 0, 1: 0}) == []  # the parent is only team 3
    assert _beside({3: 6, 4: 6, 2: 0, 5: 0, 1: 0}) == [2]  # the county is the parent


def test_a_group_where_some_pulse_did_not_ask_the_question_is_not_shown() -> None:
    asked = frozenset({3, 4, 2, 1})  # cluster 5 asked another question
    assert _beside({3: 6, 4: 7, 2: 0, 5: 9, 1: 0}, asked) == [2]


def _subtree(u: int) -> set[int]:
    out = {u}
    for c in CHILDREN.get(u, []):
        out |= _subtree(c)
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.fixed_dictionaries({u: st.integers(0, 12) for u in ALL}),
    st.integers(3, 6),
)
def test_no_subtraction_between_shown_groups_isolates_a_small_group(
    stored: dict[int, int], t: int
) -> None:
    """Whatever the counts: each group shown has at least t answers, and the difference
    between any two shown or published sets (the unit's own pulse, the pulses published
    at close, the groups beside) is empty or at least t."""
    shown = _beside(stored, t=t)
    if stored[3] < t:  # the unit's own result is not shown: nothing beside it
        assert shown == []
        return
    sets = [frozenset({3})] + [frozenset(_subtree(g)) for g in shown]
    sets += [frozenset({p}) for p, n in stored.items() if n >= t]  # published at close

    def total(s: frozenset[int]) -> int:
        return sum(stored[p] for p in s)

    for g in shown:
        assert total(frozenset(_subtree(g))) >= t
    for a, b in combinations(sets, 2):
        if a <= b:
            assert total(b - a) == 0 or total(b - a) >= t, (a, b)


def test_trend_only_from_pulses_whose_results_were_shown() -> None:
    rows = [
        (date(2026, 1, 5), 6, 5, {"a": 3.5}),
        (date(2026, 2, 2), 3, 5, {"a": 1.0}),  # too few: never public, not in the trend
        (date(2026, 3, 2), 8, 5, {"a": 4.0, "b": 2.0}),
    ]
    assert trend_points(rows, ["a"]) == [
        (date(2026, 1, 5), {"a": 3.5}),
        (date(2026, 3, 2), {"a": 4.0}),
    ]
    chart = trend_chart("sv", [("a", "Samarbetet")], trend_points(rows, ["a"]))
    assert chart is not None and chart["type"] == "Chart.Line"
    assert chart["data"] == [
        {
            "legend": "Samarbetet",
            "values": [{"x": "5 jan. 2026", "y": 3.5}, {"x": "2 mars 2026", "y": 4.0}],
        }
    ]
    # Clients without charts get a table of the same numbers, valid Adaptive Cards 1.5.
    card = {"type": "AdaptiveCard", "version": "1.5", "body": [chart]}
    plain = without_charts(card)
    assert isinstance(plain, dict)
    assert_valid_card(plain)
    assert "3,5" in str(plain) and "4,0" in str(plain)
    assert "5 jan. 2026" in str(plain) and "2026-01-05" not in str(plain)
    assert trend_chart("sv", [("a", "x")], trend_points(rows[:1], ["a"])) is None


def test_the_fullest_results_card_fits_the_message_budget() -> None:
    """Three questions of 500-character comments from 40 people, buttons under each,
    a year of trend, groups beside and ten follow-ups: still one valid card, in budget."""
    from cards.bounds import BUDGET, message_size
    from cards.pulse import results_card
    from cards.pulse_followups import followups
    from core.pulse_results import summarize
    from core.pulse_templates import template_from_config

    q = "Q" * 200
    template = template_from_config(
        "full",
        {
            "name": "N" * 60,
            "questions": [
                {"id": "a", "kind": "scale10", "text": q, "low": "l" * 40, "high": "h" * 40},
                {"id": "b", "kind": "scale5", "text": q, "low": "l" * 40, "high": "h" * 40},
                {"id": "d", "kind": "text", "text": q},
                {"id": "e", "kind": "text", "text": q},
                {"id": "f", "kind": "text", "text": q},
            ],
        },
    )
    answers = [
        {"a": i % 11, "b": 1 + i % 5, "d": f"{i} " + "ö" * 497, "e": "å" * 500, "f": "x" * 500}
        for i in range(40)
    ]
    points = [(date(2026, m, 1), {"a": 5.0, "b": 3.0}) for m in range(1, 13)]
    card = results_card(
        "sv",
        template,
        summarize(template, answers, 5),
        unit="U" * 100,
        period="2026-11",
        beside={"a": [("P" * 100, 3.3, 40), ("C" * 100, 3.1, 400)]},
        trend=trend_chart("sv", [("a", q), ("b", q)], points),
        extra=followups("sv", [(i, "T" * 200, "open", "A" * 400) for i in range(10)]),
        comment_ref="r" * 22,
        made={},
    )
    assert message_size(card) <= BUDGET
    shown = without_charts(card)
    assert isinstance(shown, dict)
    assert_valid_card(shown)
    assert "svar till, som inte får plats" in str(card)  # counted, not shown


def test_the_trend_dates_read_in_the_readers_language_and_a_second_pulse_a_day_apart() -> None:
    points = [
        (date(2026, 3, 2), {"a": 3.0}),
        (date(2026, 3, 2), {"a": 3.5}),  # closed early and started again the same day
        (date(2026, 5, 4), {"a": 4.0}),
    ]
    chart = trend_chart("en", [("a", "Cooperation")], points)
    assert chart is not None
    shown = ["2 Mar 2026", "2 Mar 2026′", "4 May 2026"]
    assert [v["x"] for v in chart["data"][0]["values"]] == shown
    table = without_charts(chart)
    assert isinstance(table, dict)
    assert [r["cells"][0]["items"][0]["text"] for r in table["rows"][1:]] == shown
