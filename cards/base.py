"""Small typed builders for Adaptive Cards 1.5 (Teams' ceiling).

Cards are plain dicts so they serialize as-is; every builder here produces
elements valid against the official 1.5 schema (the tests check every card).
"""

from __future__ import annotations

import re
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


# Text colours readable in every Teams theme. Teams' light theme draws "Good" (#92C353, 2.1:1
# on white) and "Warning" (#F8D22A, 1.5:1) too faint to read as text (WCAG asks 4.5:1), so
# text never uses them: the words carry the meaning, and "Attention" (5.5:1) marks what is
# wrong. Charts keep their own colours, each with a legend or a table beside it.
TEXT_COLOURS = frozenset({"Default", "Accent", "Attention"})


class UnreadableColour(ValueError):
    pass


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
        if color not in TEXT_COLOURS:
            raise UnreadableColour(f"text colour {color!r} is too faint in Teams' light theme")
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


def card_message(content: Card, summary: str) -> dict[str, Any]:
    """A message activity carrying one card, as the outbox stores it for later sending."""
    return {"type": "message", "summary": summary, "attachments": [attachment(content)]}


# -- text people typed ---------------------------------------------------------------------
#
# TextBlocks and facts render a Markdown subset in Teams (bold, italic, lists, links).
# Text a person typed is shown as they wrote it, never as formatting and never as a link
# the bot's own card vouches for: `plain` escapes it (CommonMark backslash escapes), and
# `unlink` is the last check on everything the bot sends, breaking any link syntax left
# (a field a builder forgot, a unit name from the org file) so that no `[words](url)`
# can become a link. A bare URL stays visible as what it is.

# Characters that start Markdown anywhere in a line (emphasis, code, links, autolinks,
# strikethrough, escapes).
_MD_ANYWHERE = re.compile(r"([\\`*_\[\]<>~])")
# ... and at the start of a line (headings, block quotes, lists, ordered lists).
_MD_LINE_START = re.compile(r"(?m)^([ \t]*)([#+\-=|])")
_MD_ORDERED = re.compile(r"(?m)^([ \t]*\d+)([.)])")
_MD_INDENT = re.compile(r"(?m)^[ \t]+")  # four spaces would start a code block
_MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")  # `&amp;` typed is shown as typed
# Link syntax in composed text, when not escaped: `](`, `][`, `]:`, and `<` opening an
# autolink (`<https://…>`, `<name@host>`); the bot's own `<enhet>` stays as it is.
_LINK_PARTS = re.compile(r"(\\*)(\]\(|\]\[|\]:|<(?=[A-Za-z][A-Za-z0-9+.\-]{1,31}:|[^\s<>]*@))")


def plain(value: str) -> str:
    """Text a person typed, escaped so Teams shows it as written (no links, no formatting)."""
    out = _MD_ANYWHERE.sub(r"\\\1", value)
    out = out.replace("\\](", "\\]\\(")  # no `](` left at all: not even naive parsers link
    out = _MD_ENTITY.sub(r"\\&", out)
    out = _MD_LINE_START.sub(r"\1\\\2", out)
    out = _MD_ORDERED.sub(r"\1\\\2", out)
    # Indentation stays, as no-break spaces Markdown does not read as a code block.
    return _MD_INDENT.sub(lambda m: "\u00a0" * len(m.group(0).expandtabs(4)), out)


def unlink(value: str) -> str:
    """Composed text with every piece of link syntax that is still live escaped."""

    def escape(m: re.Match[str]) -> str:
        slashes, part = m.group(1), m.group(2)
        if len(slashes) % 2:  # already escaped
            return m.group(0)
        return slashes + "".join("\\" + ch for ch in part)

    return _LINK_PARTS.sub(escape, value)


def unlink_card(content: Card) -> Card:
    """The card with `unlink` applied to every text Teams renders as Markdown (a copy when
    anything changed)."""
    changed = False

    def walk(node: Any) -> Any:
        nonlocal changed
        if isinstance(node, list):
            return [walk(x) for x in node]
        if not isinstance(node, dict):
            return node
        out = {k: walk(v) for k, v in node.items()}
        kind = out.get("type")
        if kind == "TextBlock" and isinstance(out.get("text"), str):
            new = unlink(out["text"])
            changed |= new != out["text"]
            out["text"] = new
        elif kind == "FactSet":
            facts_ = []
            for fact in out.get("facts") or []:
                fixed = {k: unlink(v) if isinstance(v, str) else v for k, v in fact.items()}
                changed |= fixed != fact
                facts_.append(fixed)
            out["facts"] = facts_
        return out

    walked = walk(content)
    return walked if changed else content
