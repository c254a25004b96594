"""core/indicator_checks.py: what an uploaded value may not be, and what looks off."""

from __future__ import annotations

from datetime import date

from core.indicator_checks import check_value, usual_level
from core.indicators import Definition, Direction, Period, Rollup

TODAY = date(2026, 11, 26)
SHARE = Definition(
    "andel", "Andel", "Share", "%", Direction.HIGHER, 60, "quarter", "", rollup=Rollup.RATE
)
DAYS = Definition(
    "dagar", "Dagar", "Days", "dagar", Direction.LOWER, 1.5, "month", "", rollup=Rollup.RATE
)
SCORE = Definition("poang", "Poäng", "Score", "poäng", Direction.HIGHER, 4, "month", "")


def keys(verdict_part: tuple[object, ...]) -> list[str]:
    return [r.key for r in verdict_part]  # type: ignore[attr-defined]


def test_a_share_above_100_or_below_0_is_refused() -> None:
    assert keys(check_value(SHARE, Period("quarter", 2026, 2), 100.5, TODAY).refused) == [
        "checks.share_over"
    ]
    assert keys(check_value(SHARE, Period("quarter", 2026, 2), 100.0, TODAY).refused) == []
    assert keys(check_value(SHARE, Period("quarter", 2026, 2), -1, TODAY).refused) == [
        "checks.negative"
    ]


def test_a_negative_rate_is_refused_a_negative_mean_only_flagged() -> None:
    assert "checks.negative" in keys(
        check_value(DAYS, Period("month", 2026, 9), -0.1, TODAY).refused
    )
    verdict = check_value(SCORE, Period("month", 2026, 9), -1, TODAY)
    assert verdict.refused == () and keys(verdict.flagged) == ["checks.negative_flag"]


def test_a_period_not_begun_is_refused_one_not_ended_flagged() -> None:
    assert keys(check_value(DAYS, Period("month", 2026, 12), 1.0, TODAY).refused) == [
        "checks.future"
    ]
    current = check_value(DAYS, Period("month", 2026, 11), 1.0, TODAY)
    assert current.refused == () and keys(current.flagged) == ["checks.not_ended"]
    assert check_value(DAYS, Period("month", 2026, 10), 1.0, TODAY) == check_value(
        DAYS, Period("month", 2026, 10), 1.0, TODAY, []
    )


def test_ten_times_off_the_units_history_is_flagged_either_way() -> None:
    history = [1.8, 2.0, 2.2, 1.9]
    p = Period("month", 2026, 10)
    assert keys(check_value(DAYS, p, 20.0, TODAY, history).flagged) == ["checks.off_history"]
    assert keys(check_value(DAYS, p, 0.19, TODAY, history).flagged) == ["checks.off_history"]
    assert check_value(DAYS, p, 15.0, TODAY, history).flagged == ()
    assert check_value(DAYS, p, 0.5, TODAY, history).flagged == ()
    assert check_value(DAYS, p, 500.0, TODAY, []).flagged == ()  # no history: nothing to compare
    assert usual_level([0, 0, 3.0]) == 3.0 and usual_level([0.0]) is None
