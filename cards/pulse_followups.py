"""Comments to items on a results card: the "Gör till ärende" button under a comment,
and "Ni sa, vi gjorde" (what came of earlier comments)."""

from __future__ import annotations

from collections.abc import Sequence

from cards.base import Element, execute, heading, plain, submit, text
from core.pulse_followup import comment_key
from i18n.texts import t

COMMENT_ITEM = "pulse.comment_item"
MAX_ANSWER = 160


def comment_action(lang: str, ref: str, comment: str, made: int | None) -> Element:
    """Under a shown comment: the button, or which item it became."""
    if made is not None:
        return text(t(lang, "pulse.comment_made", id=made), subtle=True, size="Small")
    data = {"action": COMMENT_ITEM, "pulse": ref, "comment": comment_key(comment)}
    label = t(lang, "pulse.comment_to_item")
    button = execute(label, COMMENT_ITEM, data)
    button["fallback"] = submit(label, data)
    return {"type": "ActionSet", "actions": [button], "spacing": "None"}


def followups(lang: str, items: Sequence[tuple[int, str, str, str | None]]) -> list[Element]:
    """(item id, title, status, answer) of items made from earlier comments."""
    if not items:
        return []
    out: list[Element] = [heading(t(lang, "pulse.followups_title"))]
    for item_id, title, status, answer in items:
        line = t(
            lang,
            "pulse.followup_line",
            id=item_id,
            title=plain(title),
            status=t(lang, f"item.status.{status}"),
        )
        if answer:
            short = answer if len(answer) <= MAX_ANSWER else answer[: MAX_ANSWER - 1] + "…"
            line += f" – {plain(short)}"
        out.append(text(line))
    return out
