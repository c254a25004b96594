""" "Gör till ärende" under a comment on a pulse's results card (coordinators of the
channel's unit): the comment becomes an item at the unit, once."""

from __future__ import annotations

from typing import Any

from bot.permissions import require
from bot.router import Router
from bot.turn import Turn
from cards.pulse_followups import COMMENT_ITEM
from core.refusal import Refused
from services import pulse_followups as service
from storage.types import utcnow

HANDLERS = Router()

MAX_REF = 40
KEY_CHARS = 32


@HANDLERS.action(COMMENT_ITEM)
async def comment_to_item(turn: Turn, data: dict[str, Any]) -> None:
    ref, key = data.get("pulse"), data.get("comment")
    if not isinstance(ref, str) or not 0 < len(ref) <= MAX_REF:
        raise Refused("pulse.refused.tampered")
    if not isinstance(key, str) or len(key) != KEY_CHARS:
        raise Refused("pulse.refused.tampered")
    unit = await turn.channel_unit()
    if unit is None or unit.id is None:
        # Another channel's pulse answers exactly as one that does not exist.
        raise Refused("pulse.refused.unknown")
    if not await require(turn, unit, "coordinator"):
        return
    made = await service.comment_to_item(
        turn.services.db,
        unit,
        ref,
        key,
        actor=turn.user_id,
        lang=turn.lang,
        now=utcnow(),
    )
    if made.created:
        turn.services.notify_changes()
        await turn.send_text(turn.text("pulse.comment_item_made", id=made.item_id, unit=unit.name))
    else:
        await turn.send_text(turn.text("pulse.comment_item_exists", id=made.item_id))


__all__ = ["comment_to_item"]
