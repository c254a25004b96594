"""A pulse's trend as a Teams native chart (Chart.Line), with a table for clients that
have none.

Teams renders `Chart.*` elements in Adaptive Cards 1.5 sent by bots (desktop, web and
mobile); they are not in the public 1.5 schema, so every chart carries a `fallback`:
a Table (schema 1.5) with the same numbers, which any other client shows instead.
Kept small and self-contained (one line per scale question, at most MAX_SERIES).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from cards.base import Element, plain, text
from i18n import format as fmt
from i18n.texts import t

MAX_SERIES = 3
CHART_TYPES = ("Chart.Line",)


def _cell(value: str, *, bold: bool = False) -> Element:
    block = text(value, weight="Bolder" if bold else None)
    return {"type": "TableCell", "items": [block]}


def day_labels(lang: str, days: Sequence[date]) -> list[str]:
    """Each pulse's opening day as the reader writes it ("2 mars 2026" / "2 Mar 2026");
    a second pulse the same day gets a prime, so the chart keeps both points apart."""
    labels: list[str] = []
    for day in days:
        label = fmt.short_date(lang, day)
        while label in labels:
            label += "′"
        labels.append(label)
    return labels


def _labelled(
    lang: str, points: Sequence[tuple[date, Mapping[str, float]]]
) -> list[tuple[str, Mapping[str, float]]]:
    labels = day_labels(lang, [day for day, _ in points])
    return [(label, means) for label, (_, means) in zip(labels, points, strict=True)]


def trend_table(
    lang: str, series: Sequence[tuple[str, str]], points: Sequence[tuple[str, Mapping[str, float]]]
) -> Element:
    """The numbers of the chart: one row per pulse (its day as labelled on the chart),
    one column per question."""
    header = [_cell(t(lang, "pulse.trend_when"), bold=True)]
    header += [_cell(plain(name), bold=True) for _, name in series]
    rows = [{"type": "TableRow", "cells": header}]
    for label, means in points:
        cells = [_cell(label)]
        cells += [
            _cell(fmt.number(lang, means[qid], 1) if qid in means else "–") for qid, _ in series
        ]
        rows.append({"type": "TableRow", "cells": cells})
    return {
        "type": "Table",
        "columns": [{"width": 1} for _ in range(len(series) + 1)],
        "rows": rows,
        "firstRowAsHeader": True,
        "showGridLines": False,
    }


def trend_chart(
    lang: str,
    series: Sequence[tuple[str, str]],
    days: Sequence[tuple[date, Mapping[str, float]]],
) -> Element | None:
    """Chart.Line over the pulses (x: opening day, y: mean), one line per question in
    `series` ((question id, label)); None with fewer than two pulses."""
    series = list(series)[:MAX_SERIES]
    if len(days) < 2 or not series:
        return None
    points = _labelled(lang, days)
    data = [
        {
            "legend": name,
            "values": [
                {"x": label, "y": round(means[qid], 2)} for label, means in points if qid in means
            ],
        }
        for qid, name in series
    ]
    return {
        "type": "Chart.Line",
        "title": t(lang, "pulse.trend_title"),
        "xAxisTitle": t(lang, "pulse.trend_when"),
        "yAxisTitle": t(lang, "pulse.trend_mean"),
        "data": data,
        "fallback": trend_table(lang, series, points),
    }


def without_charts(node: object) -> object:
    """The card as a client without native charts sees it (each chart its fallback)."""
    if isinstance(node, dict):
        if node.get("type") in CHART_TYPES:
            return without_charts(node.get("fallback"))
        return {k: without_charts(v) for k, v in node.items()}
    if isinstance(node, list):
        return [without_charts(v) for v in node]
    return node
