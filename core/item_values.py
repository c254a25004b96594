"""The values a person gives to raise or change an item, as the handler reads them, the
use case passes them on and the repository stores them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class NewItem:
    """A new item's own values (who raises it and when travel beside it); `topic` None
    means the raising unit's own topic."""

    title: str
    kind: str = "barrier"
    topic: str | None = None
    description: str | None = None
    owner: str | None = None
    due: date | None = None


@dataclass(frozen=True)
class ItemChange:
    """Who changes which item when, as of which version (None: as it is now; another
    version makes the change stale)."""

    item_id: int
    actor: str | None
    now: datetime
    expected_version: int | None = None
