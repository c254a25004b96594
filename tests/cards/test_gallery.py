"""Every card `make screenshots` draws (docs/screenshots/gallery.py: the digests from the
example files through the real composer, pulse results, an item, the meeting reminder,
help) is valid Adaptive Cards 1.5 as Teams takes it, and each Teams-only chart carries a
fallback that is valid too (what a client without native charts shows)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.cardschema import assert_valid_card

GALLERY = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "gallery.py"


def _gallery() -> ModuleType:
    spec = importlib.util.spec_from_file_location("screenshots_gallery", GALLERY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _charts(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [c for n in node for c in _charts(n)]
    if not isinstance(node, dict):
        return []
    if str(node.get("type", "")).startswith("Chart."):
        return [node, *_charts(node.get("fallback"))]
    return [c for v in node.values() for c in _charts(v)]


def _fallen_back(node: Any) -> Any:
    """The card as a client without Teams' charts sees it: each chart its fallback."""
    if isinstance(node, list):
        return [_fallen_back(n) for n in node]
    if not isinstance(node, dict):
        return node
    if str(node.get("type", "")).startswith("Chart."):
        return _fallen_back(node["fallback"])
    return {k: _fallen_back(v) for k, v in node.items()}


async def test_every_card_in_the_screenshots_is_valid_with_its_chart_fallbacks() -> None:
    cards = await _gallery().build_all()
    assert set(cards) == {
        "digest-unit",
        "digest-unit-all",
        "digest-county",
        "digest-county-units",
        "pulse-results",
        "item",
        "agenda-reminder",
        "help",
    }
    for name, content in cards.items():
        for chart in _charts(content):
            fallback = chart.get("fallback")
            assert isinstance(fallback, dict), f"{name}: {chart['type']} has no fallback element"
            assert chart.get("title") or chart.get("altText"), f"{name}: untitled chart"
        try:
            assert_valid_card(_fallen_back(content))
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from None
    # The digests are the example county's, with its figures (not an empty card).
    unit = json.dumps(cards["digest-unit"], ensure_ascii=False)
    assert "Östersund" in unit and "Utskrivningsklara dagar" in unit
    county = json.dumps(cards["digest-county"], ensure_ascii=False)
    assert "Regionens samverkansråd" in county and "Härjedalen" in county
    assert _charts(cards["pulse-results"]), "the pulse results show their trend as a chart"
