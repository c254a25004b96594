"""Every card the bot posts stays under Teams' message size limit, however much people add.

Teams refuses a bot message over about 100 KB with 413 `MessageSizeTooBig`, counting
the activity's JSON as UTF-16 and leaving base64 images out; Microsoft advises staying
within 80 KB ("Format your bot messages", Microsoft Learn). Reactions and mentions
count too and come later, so the budget keeps that margin.

Builders page or cap their own lists (the agenda, action items, minutes...). This
module is the last check on every way a card leaves the bot (replies, invoke
responses, card updates, the outbox; `outgoing_card`, `fit_activity`): link syntax
still live is escaped (cards.base.unlink), and a card still over the budget is
shortened rather than refused by Teams and dead-lettered. In order, until it fits: long lists
keep their first entries and say "… and N more"; long texts are clipped; the body
loses elements from its end (inputs are kept, so buttons keep working) with a note
saying how many; at last only the first element and the note stay.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

from cards.base import CARD_CONTENT_TYPE, Card, Element, text, unlink, unlink_card
from i18n.texts import t

log = logging.getLogger(__name__)

TEAMS_LIMIT = 100 * 1024  # bytes of UTF-16, base64 images not counted
BUDGET = 80 * 1024  # what Microsoft advises; the margin is for reactions and mentions
LIST_KEEP = 10  # entries a list keeps when the card must shrink
CLIP_STEPS = (600, 200)  # text lengths tried in turn

_DATA_URI = re.compile(r'"data:image/[^"]*"')


def message_size(obj: Any) -> int:
    """Bytes as Teams counts them: the JSON in UTF-16, without base64 images."""
    dumped = _DATA_URI.sub('""', json.dumps(obj, ensure_ascii=False))
    return len(dumped.encode("utf-16-le"))


def fit_card(content: Card, lang: str = "sv", budget: int = BUDGET) -> Card:
    """The card itself when it fits; else a shortened copy that does."""
    before = message_size(content)
    if before <= budget:
        return content
    out = copy.deepcopy(content)
    for _ in _shrink(out, lang, budget):
        if message_size(out) <= budget:
            break
    log.warning(
        "card shortened to fit Teams' size limit: %d -> %d bytes", before, message_size(out)
    )
    return out


def outgoing_card(content: Card, lang: str = "sv") -> Card:
    """What every card goes through on its way out: no live link syntax, and under the budget."""
    return fit_card(unlink_card(content), lang)


def outgoing_text(value: str) -> str:
    """What every Markdown text message goes through: no live link syntax."""
    return unlink(value)


def fit_activity(activity: dict[str, Any]) -> dict[str, Any]:
    """The activity with its Markdown text unlinked and every Adaptive Card in it through
    `outgoing_card` (the same dict when nothing changed)."""
    text_ = activity.get("text")
    if isinstance(text_, str) and activity.get("textFormat") in (None, "markdown"):
        fixed = unlink(text_)
        if fixed != text_:
            activity = {**activity, "text": fixed}
    attachments = activity.get("attachments")
    if not isinstance(attachments, list):
        return activity
    lang = "en" if str(activity.get("locale") or "").lower().startswith("en") else "sv"
    fitted = []
    changed = False
    for a in attachments:
        content = a.get("content") if isinstance(a, dict) else None
        if isinstance(content, dict) and a.get("contentType") == CARD_CONTENT_TYPE:
            new = outgoing_card(content, lang)
            if new is not content:
                a = {**a, "content": new}
                changed = True
        fitted.append(a)
    return {**activity, "attachments": fitted} if changed else activity


# -- the steps --------------------------------------------------------------------------


def _elements(node: Any) -> Iterator[Element]:
    """Every element and action inside a card, depth first."""
    if isinstance(node, list):
        for x in node:
            yield from _elements(x)
    elif isinstance(node, dict):
        if "type" in node:
            yield node
        for key in ("body", "items", "columns", "actions", "card", "inlineAction"):
            if key in node:
                yield from _elements(node[key])


def _shorten_lists(content: Card, lang: str) -> None:
    for el in _elements(content):
        if el.get("type") == "TextBlock" and isinstance(el.get("text"), str):
            sep = "\n\n" if "\n\n" in el["text"] else "\n"
            lines = el["text"].split(sep)
            if len(lines) > LIST_KEEP:
                more = t(lang, "card.more", count=len(lines) - LIST_KEEP)
                el["text"] = sep.join([*lines[:LIST_KEEP], more])
        elif el.get("type") == "FactSet" and isinstance(el.get("facts"), list):
            facts = el["facts"]
            if len(facts) > LIST_KEEP:
                more = t(lang, "card.more", count=len(facts) - LIST_KEEP)
                el["facts"] = [*facts[:LIST_KEEP], {"title": "…", "value": more}]


def _clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _clip_texts(content: Card, limit: int) -> None:
    for el in _elements(content):
        if el.get("type") == "TextBlock" and isinstance(el.get("text"), str):
            el["text"] = _clip(el["text"], limit)
        elif el.get("type") == "FactSet":
            for fact in el.get("facts") or []:
                fact["title"] = _clip(str(fact.get("title", "")), limit)
                fact["value"] = _clip(str(fact.get("value", "")), limit)


def _droppable(el: Element) -> bool:
    return not str(el.get("type", "")).startswith("Input.")


def _shrink(content: Card, lang: str, budget: int) -> Iterator[None]:
    """The steps, mildest first; the caller stops as soon as the card fits."""
    _shorten_lists(content, lang)
    yield
    for limit in CLIP_STEPS:
        _clip_texts(content, limit)
        yield
    _drop_tail(content, lang, budget)
    yield
    _last_resort(content, lang)
    yield


def _drop_tail(content: Card, lang: str, budget: int) -> None:
    """Drop body elements from the end (never the first, never inputs) until the rest fits,
    with a note saying how many parts are left out."""
    body: list[Element] = list(content.get("body") or [])
    candidates = [i for i in range(len(body) - 1, 0, -1) if _droppable(body[i])]
    if not candidates:
        return
    # A first guess from the elements' own sizes, then one more at a time until it fits.
    excess = message_size(content) - budget + message_size(text(t(lang, "card.cut", count=0)))
    dropped: list[int] = []
    for i in candidates:
        if excess <= 0:
            break
        excess -= message_size(body[i])
        dropped.append(i)
    while True:
        gone = set(dropped)
        parts = sum(1 for i in gone if body[i].get("type") != "ActionSet") or len(gone)
        kept: list[Element] = [el for i, el in enumerate(body) if i not in gone]
        if gone:
            kept.insert(min(gone), text(t(lang, "card.cut", count=parts), subtle=True))
        content["body"] = kept
        if message_size(content) <= budget or len(dropped) == len(candidates):
            return
        dropped.append(candidates[len(dropped)])


def _last_resort(content: Card, lang: str) -> None:
    """Only the first element (clipped) and a note: a message that always fits."""
    first = (content.get("body") or [text("")])[0]
    if first.get("type") == "TextBlock":
        first = {**first, "text": _clip(str(first.get("text", "")), 200)}
    else:
        first = text("")
    content["body"] = [first, text(t(lang, "card.too_big"), weight="Bolder")]
    content.pop("actions", None)
