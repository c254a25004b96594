"""Every card `make screenshots` draws (docs/screenshots/gallery.py: the digests from the
example files through the real composer, pulse results, an item, the meeting reminder,
help) is valid as Teams takes it: each Teams chart against the chart schema, with a
fallback, and the card with its charts replaced by their fallbacks against Adaptive
Cards 1.5 (tests/cardschema.py), under the message size budget."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.cardschema import card_errors

GALLERY = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "gallery.py"


def _gallery() -> ModuleType:
    spec = importlib.util.spec_from_file_location("screenshots_gallery", GALLERY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _chart_types(node: Any) -> set[str]:
    if isinstance(node, list):
        return {t for n in node for t in _chart_types(n)}
    if not isinstance(node, dict):
        return set()
    kind = str(node.get("type", ""))
    found = {kind} if kind.startswith("Chart.") else set()
    return found.union(*(_chart_types(v) for v in node.values()))


async def test_every_card_in_the_screenshots_is_valid_as_teams_takes_it() -> None:
    cards = await _gallery().build_all()
    assert set(cards) == {
        "digest-unit",
        "digest-unit-all",
        "digest-county",
        "digest-county-units",
        "alert",
        "pulse-results",
        "item",
        "agenda-reminder",
        "help",
    }
    problems = [f"{name}: {e}" for name, content in cards.items() for e in card_errors(content)]
    assert not problems, "\n".join(problems)
    # The digests are the example county's, with its figures and charts (not empty cards).
    unit = json.dumps(cards["digest-unit"], ensure_ascii=False)
    assert "Östersund" in unit and "Utskrivningsklara dagar" in unit
    county = json.dumps(cards["digest-county"], ensure_ascii=False)
    assert "Regionens samverkansråd" in county and "Härjedalen" in county
    assert {"Chart.Line", "Chart.Gauge"} <= _chart_types(cards["digest-unit"])
    assert "Chart.VerticalBar" in _chart_types(cards["digest-county-units"])
    assert "Chart.Line" in _chart_types(cards["pulse-results"])


def _text_colours(node: Any) -> set[str]:
    if isinstance(node, list):
        return {c for n in node for c in _text_colours(n)}
    if not isinstance(node, dict):
        return set()
    found = {str(node["color"])} if node.get("type") == "TextBlock" and "color" in node else set()
    return found.union(*(_text_colours(v) for v in node.values()))


async def test_no_card_writes_text_in_a_colour_too_faint_for_teams_light_theme() -> None:
    """Teams' light theme draws "Good" and "Warning" text at 2.1:1 and 1.5:1 on white."""
    light = json.loads(
        (
            GALLERY.parent / "vendor" / "adaptivecards-designer" / "microsoft-teams-light.json"
        ).read_text(encoding="utf-8")
    )["containerStyles"]["default"]["foregroundColors"]
    cards = await _gallery().build_all()
    used = {c.lower() for content in cards.values() for c in _text_colours(content)}
    assert used, "the gallery shows some coloured text (Attention, Accent)"
    for colour in used:
        assert _contrast_on_white(light[colour]["default"]) >= 4.5, colour


def _contrast_on_white(hex_colour: str) -> float:
    """WCAG 2 contrast ratio of an opaque colour (#rrggbb or #aarrggbb) against white."""
    rgb = hex_colour.lstrip("#")[-6:]

    def linear(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(rgb[i : i + 2], 16)) for i in (0, 2, 4))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return 1.05 / (luminance + 0.05)
