"""The values a coordinator gives to record an action item, as the handler reads them, the
use case passes them on and the repository stores them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class ActionOwner:
    """Who is to do it: the name shown, and when known their Entra id (for a personal note)
    and Teams account id (for an @mention)."""

    name: str
    aad_id: str | None
    channel_id: str | None


@dataclass(frozen=True)
class NewAction:
    """A new action item's own values (who records it and on which day travel beside it);
    the meetings are occurrence ids: the one it is recorded at and the one that follows
    it up, None when the unit has none."""

    text: str
    owner: ActionOwner
    due: date
    recorded_at_occurrence_id: int | None
    follow_up_occurrence_id: int | None
