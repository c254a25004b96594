"""Teams @mentions inside Adaptive Cards: a shared primitive for every card that asks
someone to act.

Teams renders a mention in a card when both halves are present (Microsoft Learn,
"Mention support within Adaptive Cards"):

- the text `<at>Name</at>` inside a TextBlock (or a fact), and
- an entity in the card's own `msteams.entities` (not the activity's entities):

      {"type": "mention", "text": "<at>Name</at>",
       "mentioned": {"id": "<Entra object id, UPN or 29:… id>", "name": "Name"}}

Only a mention whose text appears in the card notifies the person. The id is the
person's Entra object id, as the bot stores people (tenant id, object id), so one
mention works in any channel of the tenant without knowing the channel-specific id.

Use:
    people = [Mentioned("oid-1", "Stina Ek")]
    body.append(mention_line(label, people))    # "Samordnare: <at>Stina Ek</at>"
    card = with_mentions(card, people)           # adds msteams.entities

Pure functions over plain data (no I/O); names come from the verified roster or Graph,
never from a request body (services/mentions.py resolves them).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cards.base import Card, Element, text

# `<`, `>` and the Markdown that would break `<at>…</at>` are removed from a name shown
# in a mention tag: Teams matches the entity's text against the card's text literally.
_TAG_UNSAFE = re.compile(r"[<>\\`*_\[\]]")
MAX_MENTIONS = 20  # a card naming more people than this names the first 20


@dataclass(frozen=True)
class Mentioned:
    """A person to mention: Entra object id and the name the roster gave."""

    object_id: str
    name: str

    @property
    def shown(self) -> str:
        cleaned = _TAG_UNSAFE.sub("", self.name).strip()
        return cleaned or "?"

    @property
    def tag(self) -> str:
        return f"<at>{self.shown}</at>"


def unique(people: Iterable[Mentioned]) -> list[Mentioned]:
    """Each object id once, first occurrence kept, at most MAX_MENTIONS."""
    seen: set[str] = set()
    out: list[Mentioned] = []
    for p in people:
        if p.object_id and p.object_id not in seen:
            seen.add(p.object_id)
            out.append(p)
    return out[:MAX_MENTIONS]


def tags(people: Sequence[Mentioned]) -> str:
    """`<at>A</at>, <at>B</at>` for the text of a TextBlock."""
    return ", ".join(p.tag for p in unique(people))


def entity(person: Mentioned) -> dict[str, Any]:
    return {
        "type": "mention",
        "text": person.tag,
        "mentioned": {"id": person.object_id, "name": person.shown},
    }


def mention_line(label: str, people: Sequence[Mentioned]) -> Element:
    """A TextBlock `label <at>A</at>, <at>B</at>`; pair it with `with_mentions`."""
    return text(f"{label} {tags(people)}".strip(), spacing="Small")


def with_mentions(card: Card, people: Sequence[Mentioned]) -> Card:
    """A copy of the card carrying the mention entities for `people` (merged with any it
    has). Nothing changes when `people` is empty."""
    people = unique(people)
    if not people:
        return card
    out = copy.copy(card)
    msteams = dict(out.get("msteams") or {})
    entities = list(msteams.get("entities") or [])
    known = {e.get("mentioned", {}).get("id") for e in entities if isinstance(e, dict)}
    entities.extend(entity(p) for p in people if p.object_id not in known)
    msteams["entities"] = entities
    out["msteams"] = msteams
    return out


def mentioned_ids(card: Card) -> list[str]:
    """The object ids the card mentions (what a test or a log wants to see)."""
    entities = (card.get("msteams") or {}).get("entities") or []
    return [
        str(e["mentioned"]["id"])
        for e in entities
        if isinstance(e, dict) and e.get("type") == "mention" and "mentioned" in e
    ]
