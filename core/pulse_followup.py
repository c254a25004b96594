"""Comments shown in a pulse's results that become items ("ni sa, vi gjorde"). Pure.

A results card's "Gör till ärende" button names a comment by `comment_key` (a hash of
its text), never by its position: the comments are shown in random order, and the
key can be checked against the pulse's shown comments, so a client cannot make an
item claim to come from a comment that was never shown.
"""

from __future__ import annotations

import hashlib

from core.pulse_questions import Kind
from core.pulse_results import Results

TITLE_CHARS = 80


def comment_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def shown_comment(results: Results, key: str) -> str | None:
    """The comment with this key among those the results show (None if not shown)."""
    if not results.shown:
        return None
    for qr in results.questions:
        if qr.question.kind is Kind.TEXT:
            for text in qr.texts:
                if comment_key(text) == key:
                    return text
    return None


def item_title(comment: str) -> str:
    """An item's title from a comment: its first words, on one line."""
    flat = " ".join(comment.split())
    if len(flat) <= TITLE_CHARS:
        return flat
    cut = flat[:TITLE_CHARS].rsplit(" ", 1)[0] or flat[:TITLE_CHARS]
    return cut + "…"
