"""cards/charts.py: Teams' native charts, checked against the chart schema, with fallbacks."""

from __future__ import annotations

from typing import Any

from cards.base import card
from cards.charts import share_gauge, trend_chart, units_chart
from cards.digest import chart_block
from core.indicators import Definition, Direction, Freshness, Period, Row, Status, Trend
from tests.cardschema import card_errors
from tests.cardschema_charts import chart_errors


def test_trend_line_has_axes_values_and_the_target_and_a_table_fallback() -> None:
    points = [(Period("month", 2026, m), v) for m, v in ((1, 1.2), (2, None), (3, 1.9))]
    chart = trend_chart(
        "sv", name="Utskrivningsklara dagar", unit="dagar", decimals=1, points=points, target=1.5
    )
    assert chart_errors(chart) == [] and card_errors(card([chart])) == []
    assert (chart["xAxisTitle"], chart["yAxisTitle"]) == ("Period", "dagar")
    own, target = chart["data"]
    assert [v["y"] for v in own["values"]] == [1.2, 1.9]  # the gap is left out, not zero
    assert [v["x"] for v in own["values"]] == ["januari 2026", "mars 2026"]
    assert target["legend"] == "Mål" and {v["y"] for v in target["values"]} == {1.5}
    rows = chart["fallback"]["rows"]
    assert rows[2]["cells"][1]["items"][0]["text"] == "1,9"


def test_unit_bars_are_coloured_by_status_and_the_gauge_by_good_direction() -> None:
    bars = units_chart(
        "en",
        unit="%",
        decimals=1,
        bars=[("A", 64.0, 60.0, True), ("B", 52.5, 60.0, False), ("C", None, 60.0, None)],
    )
    assert chart_errors(bars) == []
    assert [(d["x"], d["y"], d["color"]) for d in bars["data"]] == [
        ("A", 64.0, "good"),
        ("B", 52.5, "attention"),
    ]
    assert len(bars["fallback"]["rows"]) == 4  # header + every unit, C without a value too
    higher = share_gauge("sv", decimals=1, value=52.5, target=60, direction=Direction.HIGHER)
    lower = share_gauge("sv", decimals=1, value=5, target=10, direction=Direction.LOWER)
    assert chart_errors(higher) == [] and chart_errors(lower) == []
    assert [(s["size"], s["color"]) for s in higher["segments"]] == [
        (60.0, "attention"),
        (40.0, "good"),
    ]
    assert [s["color"] for s in lower["segments"]] == ["good", "attention"]
    assert higher["subLabel"] == "Mål 60,0\u00a0%"


def test_the_schema_refuses_a_chart_without_fallback_or_with_a_misspelt_property() -> None:
    bad: dict[str, Any] = {"type": "Chart.Line", "data": [{"values": [{"x": "a", "y": 1}]}]}
    assert any("no fallback" in e for e in chart_errors(bad))
    typo = {**bad, "xAxisTitel": "x", "fallback": {"type": "TextBlock", "text": "x"}}
    assert any("xAxisTitel" in e for e in chart_errors(typo))
    wrong_colour = {"type": "Chart.VerticalBar", "data": [{"x": "a", "y": 1, "color": "red"}]}
    assert chart_errors({**wrong_colour, "fallback": {"type": "TextBlock", "text": "x"}})
    assert card_errors(card([bad]))  # the card check sees it too


def test_a_digest_chart_is_named_once_by_the_caption_above_it_not_again_as_its_title() -> None:
    march = Period("month", 2026, 3)
    share = Definition(
        key="fast_lakarkontakt",
        name_sv="Fast läkarkontakt",
        name_en="Fixed physician contact",
        unit="%",
        direction=Direction.HIGHER,
        target=60.0,
        period_kind="month",
        source="test",
    )
    history = ((march.shift(-1), 55.0), (march, 58.0))
    row = Row(
        share, 60.0, march, 58.0, march, Status.OFF, Trend.IMPROVING, Freshness.CURRENT, history
    )
    caption, gauge, line = chart_block(row, "sv")
    assert caption["text"].startswith("**Fast läkarkontakt**: 58,0\u00a0% (mål 60,0\u00a0%)")
    assert (gauge["type"], line["type"]) == ("Chart.Gauge", "Chart.Line")
    assert "title" not in gauge and "title" not in line
    # Without charts: the caption still names what the tables under it show.
    plain = [e.get("fallback", e) for e in (caption, gauge, line)]
    assert [e["type"] for e in plain] == ["TextBlock", "Table", "Table"]
