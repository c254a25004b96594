"""The holiday question's buttons (cards/meeting_holidays.py): a coordinator of the
meeting's unit skips, moves or keeps a meeting that falls on a day off. Anyone else is
told who can; another unit's meeting answers like a missing one (bot/scope.py)."""

from __future__ import annotations

from typing import Any

from bot import scope
from bot.handlers.meeting_common import actor, int_value
from bot.permissions import require
from bot.router import Router
from bot.turn import Turn
from cards.meeting_holidays import HOLIDAY_VERB
from core.refusal import Refused
from services import meeting_graph
from services import meeting_holidays as service
from storage.meeting_models import MeetingOccurrence
from storage.models import Unit
from storage.types import utcnow

HANDLERS = Router()


@HANDLERS.action(HOLIDAY_VERB)
async def holiday_action(turn: Turn, data: dict[str, Any]) -> None:
    occ = await scope.find(turn, MeetingOccurrence, int_value(data.get("occurrence_id")))
    choice = str(data.get("choice") or "")
    if occ is None or occ.id is None:  # no such meeting, or another unit's: the same answer
        raise Refused("error.bad_action")
    async with turn.services.db.session() as s:
        unit = await s.get(Unit, occ.unit_id)
    if unit is None or not await require(turn, unit, "coordinator"):
        return
    card = await service.answer(
        turn.services.db, occ.id, choice, actor(turn) or "", utcnow(), turn.lang
    )
    turn.services.notify_changes()
    await meeting_graph.publish_quietly(
        turn.services.db, occ.series_id, turn.services.graph, utcnow(), turn.lang
    )
    if turn.is_invoke:
        turn.set_invoke_card(card)
    else:
        await turn.send_card(card, summary=turn.text("hol.keep"))
