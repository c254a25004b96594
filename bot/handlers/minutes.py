"""`minutes` / `protokoll`: the minutes of the unit's latest meeting, or of a named day."""

from __future__ import annotations

from bot.handlers.meeting_common import channel_unit, meeting_from
from bot.router import Router
from bot.turn import Turn
from cards.meetings import minutes_card
from core.refusal import Refused
from services import minutes as service
from storage.types import utcnow

HANDLERS = Router()


@HANDLERS.command(
    "minutes", aliases=("protokoll", "minnesanteckningar"), scopes=("channel",), sv="protokoll"
)
async def minutes_command(turn: Turn, args: str) -> None:
    unit = await channel_unit(turn)
    assert unit.id is not None
    if args.strip():
        occ = await meeting_from(turn, unit, args.strip())
    else:
        found = await service.default_meeting(turn.services.db, unit.id, utcnow())
        if found is None:
            raise Refused("mtg.no_minutes", unit=unit.name)
        occ = found
    view = await service.view(turn.services.db, occ)
    await turn.send_card(
        minutes_card(turn.lang, view),
        summary=turn.text("mtg.minutes_title", name=view.meeting.name),
    )
