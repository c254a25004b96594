"""Small typed builders for Adaptive Cards 1.5 (Teams' ceiling).

Cards are plain dicts so they serialize as-is; every builder here produces
elements valid against the official 1.5 schema (the tests check every card).
"""

from __future__ import annotations

from typing import Any

Element = dict[str, Any]
Card = dict[str, Any]

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def card(body: list[Element], actions: list[Element] | None = None) -> Card:
    out: Card = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": "1.5",
        "body": body,
    }
    if actions:
        out["actions"] = actions
    return out


def text(
    value: str,
    *,
    size: str | None = None,
    weight: str | None = None,
    color: str | None = None,
    subtle: bool = False,
    wrap: bool = True,
    spacing: str | None = None,
) -> Element:
    el: Element = {"type": "TextBlock", "text": value, "wrap": wrap}
    if size:
        el["size"] = size
    if weight:
        el["weight"] = weight
    if color:
        el["color"] = color
    if subtle:
        el["isSubtle"] = True
    if spacing:
        el["spacing"] = spacing
    return el


def title(value: str) -> Element:
    return text(value, size="Large", weight="Bolder")


def heading(value: str) -> Element:
    return text(value, size="Medium", weight="Bolder", spacing="Medium")


def facts(pairs: list[tuple[str, str]]) -> Element:
    return {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in pairs]}


def bullets(items: list[str]) -> Element:
    return text("\n".join(f"- {item}" for item in items))


def submit(label: str, data: dict[str, Any], *, style: str | None = None) -> Element:
    """Action.Submit carrying our action name in `data.action`."""
    el: Element = {"type": "Action.Submit", "title": label, "data": data}
    if style:
        el["style"] = style
    return el


def execute(label: str, verb: str, data: dict[str, Any], *, style: str | None = None) -> Element:
    el: Element = {"type": "Action.Execute", "title": label, "verb": verb, "data": data}
    if style:
        el["style"] = style
    return el


def attachment(content: Card) -> dict[str, Any]:
    return {"contentType": CARD_CONTENT_TYPE, "content": content}
