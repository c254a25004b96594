"""Indicator rules: periods, status, trend, freshness, roll-up, cadence."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.indicators import (
    Definition,
    Direction,
    Freshness,
    Period,
    Rollup,
    Status,
    Trend,
    align,
    county_row,
    digest_trigger,
    evaluate,
    headline,
    parse_definitions,
    parse_period,
    reference_period,
    resolve_period_arg,
    rollup,
    status,
    trend,
)
from core.numbers import parse_number

DAYS = Definition(
    key="days",
    name_sv="Utskrivningsklara dagar",
    name_en="Days ready for discharge",
    unit="dagar",
    direction=Direction.LOWER,
    target=1.5,
    period_kind="month",
    source="Överenskommelse",
    rollup=Rollup.RATE,
    tolerance=0.1,
)


# -- periods --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "label"),
    [
        ("2026-03", "2026-03"),
        ("2026-3", "2026-03"),
        ("202603", "2026-03"),
        ("2026 Q1", "2026-Q1"),
        ("2026-Q1", "2026-Q1"),
        ("Q1 2026", "2026-Q1"),
        ("2026K1", "2026-Q1"),
        ("2026", "2026"),
        (2026, "2026"),
        ("mars 2026", "2026-03"),
        (date(2026, 3, 15), "2026-03"),
    ],
)
def test_periods_as_people_write_them(raw: object, label: str) -> None:
    assert parse_period(raw).label == label


@pytest.mark.parametrize("raw", ["", "2026-13", "2026 Q5", "Q0 2026", "soon", "26-03", None])
def test_bad_periods_are_refused(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_period(raw)


@given(st.sampled_from(["month", "quarter", "year"]), st.integers(1950, 2150), st.integers(1, 12))
def test_label_round_trip_and_ordinal(kind: str, year: int, n: int) -> None:
    limit = {"month": 12, "quarter": 4, "year": 1}[kind]
    p = Period(kind, year, (n - 1) % limit + 1)
    assert parse_period(p.label) == p
    assert Period.from_ordinal(kind, p.ordinal) == p
    assert p.shift(1) > p and p.shift(1).shift(-1) == p
    assert p.contains(p.start) and not p.contains(p.end)


@given(st.dates(date(1950, 1, 1), date(2150, 12, 31)))
def test_alignment_contains_the_day(day: date) -> None:
    month = Period("month", day.year, day.month)
    quarter = align(month, "quarter")
    assert quarter.contains(day) and align(month, "year").contains(day)
    # Finer from coarser: the last month of the quarter, which maps back to it.
    last = align(quarter, "month")
    assert align(last, "quarter") == quarter and last.end == quarter.end


def test_q1_without_a_year_is_the_latest_q1_started() -> None:
    assert resolve_period_arg("Q1", date(2026, 2, 10)).label == "2026-Q1"
    assert resolve_period_arg("Q3", date(2026, 2, 10)).label == "2025-Q3"
    assert resolve_period_arg("mars", date(2026, 2, 10)).label == "2025-03"
    assert resolve_period_arg("2026-03", date(2026, 4, 1)).label == "2026-03"


def test_reference_period_is_last_complete_less_lag() -> None:
    today = date(2026, 4, 6)
    assert reference_period(DAYS, today).label == "2026-03"
    yearly = Definition(**{**DAYS.__dict__, "period_kind": "year", "lag_periods": 1})
    assert reference_period(yearly, today).label == "2024"
    assert reference_period(DAYS, today, Period("quarter", 2025, 4)).label == "2025-12"


# -- numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("12,5", 12.5),
        ("1 234,5", 1234.5),
        ("1\u00a0234", 1234.0),
        ("−3,2", -3.2),
        ("87 %", 87.0),
        (4, 4.0),
        ("0.5", 0.5),
    ],
)
def test_swedish_numbers(raw: object, value: float) -> None:
    assert parse_number(raw) == value


@pytest.mark.parametrize("raw", ["", "1,234.5", "12,5,1", "abc", "nan", "inf", True, None])
def test_bad_numbers(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_number(raw)


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=3, allow_nan=False))
def test_decimal_comma_round_trip(d: object) -> None:
    text = str(d).replace(".", ",")
    assert parse_number(text) == pytest.approx(float(str(d)))


# -- status and trend -----------------------------------------------------------------


def test_status_follows_direction() -> None:
    assert status(1.2, 1.5, Direction.LOWER) is Status.ON
    assert status(1.5, 1.5, Direction.LOWER) is Status.ON
    assert status(1.6, 1.5, Direction.LOWER) is Status.OFF
    assert status(61, 60, Direction.HIGHER) is Status.ON
    assert status(59, 60, Direction.HIGHER) is Status.OFF
    assert status(59, None, Direction.HIGHER) is Status.NO_TARGET
    assert status(None, 60, Direction.HIGHER) is Status.MISSING


finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@given(finite, finite, st.sampled_from(list(Direction)))
def test_status_flips_with_direction_except_at_target(
    value: float, target: float, d: Direction
) -> None:
    other = Direction.LOWER if d is Direction.HIGHER else Direction.HIGHER
    if value != target:
        assert (status(value, target, d) is Status.ON) != (
            status(value, target, other) is Status.ON
        )
    else:
        assert status(value, target, d) is Status.ON


def test_trend_examples() -> None:
    assert trend([3.0, 2.5, 2.0], Direction.LOWER, 0.1) is Trend.IMPROVING
    assert trend([3.0, 2.5, 2.0], Direction.HIGHER, 0.1) is Trend.WORSENING
    assert trend([2.0, 2.05, 2.0], Direction.LOWER, 0.1) is Trend.FLAT
    assert trend([2.0, None, 3.0], Direction.HIGHER, 0.1) is Trend.IMPROVING
    assert trend([None, 2.0, None], Direction.HIGHER) is Trend.UNKNOWN
    # Equal values are flat even with no tolerance (rounding in the mean is not movement).
    same = 2731.164729603822
    assert trend([None, same, same, None, same], Direction.HIGHER, 0.0) is Trend.FLAT


series = st.lists(
    st.one_of(st.none(), st.floats(-1e4, 1e4, allow_nan=False)), min_size=0, max_size=8
)


@given(series, st.sampled_from(list(Direction)), st.floats(0, 100))
def test_trend_mirrors(values: list[float | None], d: Direction, tol: float) -> None:
    got = trend(values, d, tol)
    other = Direction.LOWER if d is Direction.HIGHER else Direction.HIGHER
    swap = {Trend.IMPROVING: Trend.WORSENING, Trend.WORSENING: Trend.IMPROVING}
    # The opposite direction reads the same movement the other way.
    assert trend(values, other, tol) is swap.get(got, got)
    # Negating every value mirrors it too.
    assert trend([None if v is None else -v for v in values], other, tol) is got
    # Reversing time reverses it.
    assert trend(list(reversed(values)), d, tol) is swap.get(got, got)


@given(series, st.sampled_from(list(Direction)), st.floats(0, 100), st.floats(-1e4, 1e4))
def test_trend_ignores_a_level_shift(
    values: list[float | None], d: Direction, tol: float, shift: float
) -> None:
    shifted = [None if v is None else v + shift for v in values]
    got, moved = trend(values, d, tol), trend(shifted, d, tol)
    if got is not moved:  # only float rounding right at the tolerance may differ
        assert Trend.FLAT in (got, moved)


@given(st.floats(-1e4, 1e4, allow_nan=False), st.integers(2, 8), st.sampled_from(list(Direction)))
def test_constant_series_is_flat(v: float, n: int, d: Direction) -> None:
    assert trend([v] * n, d) is Trend.FLAT


# -- evaluate, freshness, headline ----------------------------------------------------


def m(label: str) -> Period:
    return parse_period(label)


def test_evaluate_current_stale_missing() -> None:
    ref = m("2026-03")
    current = evaluate(DAYS, {m("2026-01"): 2.0, m("2026-02"): 1.8, m("2026-03"): 1.4}, ref, 1.5)
    assert (current.status, current.freshness, current.trend) == (
        Status.ON,
        Freshness.CURRENT,
        Trend.IMPROVING,
    )
    stale = evaluate(DAYS, {m("2025-11"): 2.0}, ref, 1.5)
    assert (
        stale.freshness is Freshness.STALE
        and stale.period == m("2025-11")
        and stale.status is Status.OFF
    )
    missing = evaluate(DAYS, {}, ref, 1.5)
    assert missing.freshness is Freshness.MISSING and missing.status is Status.MISSING
    # Values after the reference period are not used.
    later = evaluate(DAYS, {m("2026-04"): 9.0, m("2026-03"): 1.0}, ref, 1.5)
    assert later.value == 1.0
    h = headline([current, stale, missing, later])
    assert (h.on, h.measured, h.stale, h.missing, h.total) == (2, 2, 1, 1, 4)


# -- roll-up --------------------------------------------------------------------------


def test_rate_rollup_is_weighted() -> None:
    r = rollup([(10.0, 1000.0), (50.0, 10.0)], Rollup.RATE)
    assert r.weighted and r.value == pytest.approx((10 * 1000 + 50 * 10) / 1010)
    unweighted = rollup([(10.0, 1000.0), (50.0, None)], Rollup.RATE)
    assert not unweighted.weighted and unweighted.value == 30.0
    assert rollup([(1.0, None), (2.0, None)], Rollup.SUM).value == 3.0
    assert rollup([], Rollup.MEAN).value is None


pairs = st.lists(st.tuples(st.floats(-1e4, 1e4), st.floats(0.01, 1e5)), min_size=1, max_size=20)


@given(pairs, st.floats(0.01, 1000))
def test_weighted_rollup_properties(values: list[tuple[float, float]], scale: float) -> None:
    r = rollup(values, Rollup.RATE)
    assert r.value is not None and r.units == len(values)
    lo, hi = min(v for v, _ in values), max(v for v, _ in values)
    assert lo - 1e-6 * max(1, abs(lo)) <= r.value <= hi + 1e-6 * max(1, abs(hi))
    scaled = rollup([(v, d * scale) for v, d in values], Rollup.RATE)
    assert scaled.value == pytest.approx(r.value, rel=1e-6, abs=1e-6)
    equal = rollup([(v, 7.0) for v, _ in values], Rollup.RATE)
    assert equal.value == pytest.approx(sum(v for v, _ in values) / len(values), rel=1e-6, abs=1e-6)


def test_county_row_lists_off_target_units_worst_first() -> None:
    ref = m("2026-03")
    values = {
        1: {ref: (1.2, 100.0)},
        2: {ref: (3.0, 50.0)},
        3: {ref: (2.0, 50.0)},
        4: {m("2026-02"): (1.0, 10.0)},  # nothing for the reference period
    }
    row = county_row(DAYS, values, {1: 1.5, 2: 1.5, 3: 2.5, 4: 1.5}, [1, 2, 3, 4], ref)
    assert row.rollup.weighted and row.rollup.value == pytest.approx((120 + 150 + 100) / 200)
    assert [u for u, _, _ in row.off_units] == [2]  # unit 3 has its own target 2.5
    assert (row.on, row.measured, row.missing) == (2, 3, 1)


# -- definitions and cadence ----------------------------------------------------------


def test_definition_problems_name_their_path() -> None:
    defs, _, problems = parse_definitions(
        {
            "indicators": [
                {
                    "id": "Bad Id",
                    "name": {"sv": "x"},
                    "direction": "up",
                    "period": "week",
                    "targett": 1,
                }
            ]
        }
    )
    assert defs == []
    text = "\n".join(problems)
    for part in (
        "indicators[0].id",
        "indicators[0].direction",
        "indicators[0].period",
        "indicators[0].targett",
    ):
        assert part in text


def test_digest_cadence() -> None:
    assert digest_trigger(None) == {"day_of_week": "mon", "day": "1-7", "hour": 8, "minute": 0}
    assert digest_trigger("quarterly first tuesday 09:30") == {
        "day_of_week": "tue", "day": "1-7", "month": "1,4,7,10", "hour": 9, "minute": 30,
    }  # fmt: skip
    assert digest_trigger("weekly friday 14:00") == {"day_of_week": "fri", "hour": 14, "minute": 0}
    assert digest_trigger("off") is None
    with pytest.raises(ValueError):
        digest_trigger("monthly monday 25:00")
