""" "Jag kommer / Kan inte" on the reminder card, and its per-person refresh.

Both are Action.Execute (adaptiveCard/action invokes) answered with the card as this
person sees it: their own answer, the counts, and, for a coordinator of the meeting's
unit, who is coming and who is not. Another unit's meeting answers like a missing one
(bot/scope.py); a cancelled or past meeting takes no answers."""

from __future__ import annotations

from typing import Any

from bot import scope
from bot.handlers.meeting_common import int_value
from bot.permissions import roles_for_unit
from bot.router import Router
from bot.turn import Turn
from cards.meeting_attendance import ATTEND_VERB, ATTEND_VIEW_VERB
from core.refusal import Refused
from core.roles import allows
from services import meeting_attendance
from services import meetings as service
from storage.meeting_models import MeetingOccurrence
from storage.types import utcnow

HANDLERS = Router()


async def _meeting(turn: Turn, data: dict[str, Any]) -> MeetingOccurrence:
    occ = await scope.find(turn, MeetingOccurrence, int_value(data.get("occurrence_id")))
    if occ is None or occ.id is None:  # no such meeting, or another unit's: the same answer
        raise Refused("error.bad_action")
    return occ


async def _answer_with_view(turn: Turn, occ: MeetingOccurrence) -> None:
    assert occ.id is not None
    coordinator = allows(await roles_for_unit(turn, occ.unit_id), "coordinator")
    person = turn.user_id or turn.user_channel_id
    card = await service.reader_card(
        turn.services.db, occ.id, utcnow(), turn.lang, person, show_names=coordinator
    )
    if turn.is_invoke:
        turn.set_invoke_card(card)
    else:
        await turn.send_card(card, summary=turn.text("att.yes"))


@HANDLERS.action(ATTEND_VERB)
async def attend_action(turn: Turn, data: dict[str, Any]) -> None:
    occ = await _meeting(turn, data)
    coming = data.get("coming")
    person = turn.user_id or turn.user_channel_id
    if not isinstance(coming, bool) or not person:
        raise Refused("error.bad_action")
    if occ.status != "cancelled" and occ.ends_at > utcnow():
        await meeting_attendance.record(
            turn.services.db, occ, person, turn.user_name or "", turn.user_channel_id, coming
        )
    # A closed meeting shows as it is, without the buttons.
    await _answer_with_view(turn, occ)


@HANDLERS.action(ATTEND_VIEW_VERB)
async def attend_view_action(turn: Turn, data: dict[str, Any]) -> None:
    await _answer_with_view(turn, await _meeting(turn, data))
