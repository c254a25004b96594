"""What a person raises as a new item: the values the handler reads, the use case passes
on and the repository stores (who raised it and when travel beside it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class NewItem:
    """A new item's own values; `topic` None means the raising unit's own topic."""

    title: str
    kind: str = "barrier"
    topic: str | None = None
    description: str | None = None
    owner: str | None = None
    due: date | None = None
