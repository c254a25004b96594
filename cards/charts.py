"""Teams' native Adaptive Card charts for the digest, each with a table as `fallback`.

Teams renders `Chart.Line`, `Chart.VerticalBar` and `Chart.Gauge` itself, in the reader's
theme (light, dark, high contrast), so there is no image to draw and no white box in dark
mode. Colours are Teams' semantic chart colours (`good`, `attention`, `neutral`), which
each theme maps to its own readable shade. A client without chart support renders the
element's `fallback`: a small table with the same figures (Adaptive Cards 1.5), so the
card says the same everywhere.

- `trend_chart`: a unit's values over the last periods (x: period, y: value, axis
  titles), with the target as a second, flat series.
- `units_chart`: one indicator, the units side by side (a page of them); bars off
  target in `attention`, on target in `good`, values shown on the bars.
- `share_gauge`: a share against its target: the gauge's segments are the wrong side
  (attention) and the right side (good) of the target.

The charts carry no title: the card names what each shows in the text right above it
(the digest's caption, the units card's title), which a title would only repeat; the
line's legend names the indicator too. The fallback tables sit under that same text.

Shapes as Microsoft documents them ("Charts in Adaptive Cards", Teams platform docs):
`Chart.Line {title, xAxisTitle, yAxisTitle, data: [{legend, color, values: [{x, y}]}]}`,
`Chart.VerticalBar {title, xAxisTitle, yAxisTitle, showBarValues, data: [{x, y, color}]}`,
`Chart.Gauge {title, min, max, value, valueFormat, subLabel, segments: [{size, color,
legend}]}`. tests/cardschema.py checks them against a schema written from that page.
"""

from __future__ import annotations

from collections.abc import Sequence

from cards.base import Element
from core.indicators import Direction, Period
from i18n import format as fmt
from i18n.texts import t

GOOD = "good"
ATTENTION = "attention"
NEUTRAL = "neutral"
MAX_LABEL = 40


def _cell(value: str, *, weight: str | None = None) -> Element:
    """A bare cell (no wrap, default size): fallbacks are many small cells, and every
    byte counts against the card limit."""
    block: Element = {"type": "TextBlock", "text": value}
    if weight:
        block["weight"] = weight
    return {"type": "TableCell", "items": [block]}


def fallback_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> Element:
    """A plain 1.5 Table: what a client without charts shows instead."""
    return {
        "type": "Table",
        "columns": [{"width": 1} for _ in header],
        "firstRowAsHeader": True,
        "showGridLines": False,
        "rows": [
            {"type": "TableRow", "cells": [_cell(h, weight="Bolder") for h in header]},
            *({"type": "TableRow", "cells": [_cell(c) for c in r]} for r in rows),
        ],
    }


def _y(value: float, decimals: int) -> float:
    return round(value, max(decimals, 0))


def trend_chart(
    lang: str,
    *,
    name: str,
    unit: str,
    decimals: int,
    points: Sequence[tuple[Period, float | None]],
    target: float | None,
) -> Element:
    """A Chart.Line of the values by period (gaps left out), with the target line."""
    present = [(p, v) for p, v in points if v is not None]
    x = [fmt.period(lang, p) for p, _ in present]
    data: list[Element] = [
        {
            "legend": name[:MAX_LABEL],
            "color": NEUTRAL,
            "values": [
                {"x": xi, "y": _y(v, decimals)} for xi, (_, v) in zip(x, present, strict=True)
            ],
        }
    ]
    if target is not None and present:
        data.append(
            {
                "legend": t(lang, "chart.target"),
                "color": GOOD,
                "values": [{"x": xi, "y": _y(target, decimals)} for xi in x],
            }
        )
    rows = [
        [xi, fmt.measure(lang, v, decimals, unit)] for xi, (_, v) in zip(x, present, strict=True)
    ]
    header = [t(lang, "chart.period"), t(lang, "chart.value")]
    return _axes_chart(lang, "Chart.Line", "period", unit, data, header, rows)


def units_chart(
    lang: str,
    *,
    unit: str,
    decimals: int,
    bars: Sequence[tuple[str, float | None, float | None, bool | None]],
) -> Element:
    """A Chart.VerticalBar of the units' values (name, value, target, on target?)."""
    shown = [(n, v, tg, on) for n, v, tg, on in bars if v is not None]
    data = [
        {
            "x": n[:MAX_LABEL],
            "y": _y(v, decimals),
            "color": GOOD if on else (ATTENTION if on is False else NEUTRAL),
        }
        for n, v, _tg, on in shown
        if v is not None
    ]
    rows = [
        [
            n,
            fmt.measure(lang, v, decimals, unit),
            fmt.measure(lang, tg, decimals, unit),
            t(lang, "chart.on" if on else ("chart.off" if on is False else "chart.no_target")),
        ]
        for n, v, tg, on in bars
    ]
    header = [t(lang, f"chart.{c}") for c in ("unit", "value", "target", "status")]
    return _axes_chart(
        lang, "Chart.VerticalBar", "unit", unit, data, header, rows, showBarValues=True
    )


def _axes_chart(
    lang: str,
    kind: str,
    x: str,
    unit: str,
    data: list[Element],
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    **extra: object,
) -> Element:
    """A chart with two axes (x titled by the `chart.<x>` text, y by the unit), its
    `data`, and the table `header` + `rows` as its fallback."""
    return {
        "type": kind,
        "xAxisTitle": t(lang, f"chart.{x}"),
        "yAxisTitle": unit or t(lang, "chart.value"),
        **extra,
        "data": data,
        "fallback": fallback_table(header, rows),
    }


def share_gauge(
    lang: str,
    *,
    decimals: int,
    value: float,
    target: float,
    direction: Direction,
) -> Element:
    """A Chart.Gauge of a share (0–100 %) with the target as the border between segments."""
    target = min(max(target, 0.0), 100.0)
    below, above = (ATTENTION, GOOD) if direction is Direction.HIGHER else (GOOD, ATTENTION)
    sizes = [
        (_y(target, 1), below, t(lang, "chart.below_target")),
        (_y(100.0 - target, 1), above, t(lang, "chart.above_target")),
    ]
    segments = [{"size": size, "color": c, "legend": label} for size, c, label in sizes if size > 0]
    target_text = fmt.measure(lang, target, decimals, "%")
    value_text = fmt.measure(lang, value, decimals, "%")
    return {
        "type": "Chart.Gauge",
        "min": 0,
        "max": 100,
        "value": _y(min(max(value, 0.0), 100.0), decimals),
        "valueFormat": "Percentage",
        "subLabel": t(lang, "chart.target_is", target=target_text),
        "segments": segments,
        "fallback": fallback_table(
            [t(lang, "chart.value"), t(lang, "chart.target")], [[value_text, target_text]]
        ),
    }
