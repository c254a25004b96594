"""`decision` / `beslut` (coordinator): a decision of the unit's meeting.

beslut <text>                  recorded in the minutes of the meeting going on or
                               the latest held (before the first one: the next)
beslut punkt <nr>: <text>      on an agenda item, which is then handled
beslut lyft <#item> [reason]   the meeting lifts an item (ärende) to the next level
"""

from __future__ import annotations

import re

from bot import scope
from bot.handlers.meeting_common import actor, channel_unit, sync_unit
from bot.permissions import require
from bot.router import Router
from bot.turn import Turn
from core.refusal import Refused
from services import agenda, decisions
from services import items as item_service
from storage.item_models import Item
from storage.meeting_models import MeetingOccurrence
from storage.models import Unit
from storage.types import utcnow

HANDLERS = Router()

_ITEM_REF = re.compile(
    r"^(?:punkt|item|p\.?)\s*(\d{1,3})\s*[:.\-–]?\s*(.*)$", re.IGNORECASE | re.DOTALL
)
_LIFT = re.compile(
    r"^(?:lyft|lift|escalate|eskalera)\s+#?(\d{1,9})\b\s*(.*)$", re.IGNORECASE | re.DOTALL
)


@HANDLERS.command(
    "decision", aliases=("beslut",), role="coordinator", scopes=("channel",), sv="beslut"
)
async def decision_command(turn: Turn, args: str) -> None:
    unit = await channel_unit(turn)
    if not await require(turn, unit, "coordinator"):
        return
    await sync_unit(turn, unit)
    text = args.strip()
    if not text:
        raise Refused("mtg.decision_usage")
    occ = await _decision_meeting(turn, unit)
    lift = _LIFT.match(text)
    if lift:
        await _lift(turn, unit, occ, int(lift.group(1)), lift.group(2).strip())
        return
    agenda_item_id: int | None = None
    number: int | None = None
    ref = _ITEM_REF.match(text)
    now = utcnow()
    if ref:
        number, text = int(ref.group(1)), ref.group(2).strip()
        ids = await agenda.item_ids(turn.services.db, occ, now)
        if not 1 <= number <= len(ids):
            raise Refused("mtg.err.no_number", number=number, count=len(ids))
        agenda_item_id = ids[number - 1]
    recorded = await decisions.record(
        turn.services.db,
        occ,
        text,
        by=turn.user_id,
        agenda_item_id=agenda_item_id,
        now=now,
        lang=turn.lang,
    )
    if number is not None:
        await turn.send_text(
            turn.text("mtg.decided_on_item", when=recorded.when, number=number, text=recorded.text)
        )
    else:
        await turn.send_text(turn.text("mtg.decided", when=recorded.when, text=recorded.text))


async def _decision_meeting(turn: Turn, unit: Unit) -> MeetingOccurrence:
    """The meeting going on or the latest held; before the first one, the next one."""
    assert unit.id is not None
    occ, has_series = await decisions.meeting_for(turn.services.db, unit.id, utcnow())
    if occ is None:
        raise Refused("mtg.no_series" if not has_series else "mtg.no_next", unit=unit.name)
    return occ


async def _lift(turn: Turn, unit: Unit, occ: MeetingOccurrence, item_id: int, reason: str) -> None:
    """A meeting decides to lift an item: the escalation service does it (issue 7).

    Only an item at this meeting's unit can be lifted by it. The decision is recorded
    in the same transaction as the escalation, so one never lands without the other.
    At the top of the chain nothing is lifted (the item is flagged, as `/escalate` does)
    and no lift decision is recorded; when the parent has no channel yet the meeting is
    told that the item waits and who coordinates there.
    """
    item = await scope.find(turn, Item, item_id)  # not this channel's: as if it did not exist
    if item is None:
        raise Refused("item.not_found", id=item_id)
    if item.current_unit_id != unit.id:
        at_unit = await item_service.current_unit(turn.services.db, item)
        at = at_unit.name if at_unit else "?"
        raise Refused("mtg.lift_elsewhere", id=item_id, at=at, unit=unit.name)
    lifted = await decisions.lift(
        turn.services.db,
        occ,
        item_id,
        reason,
        actor=actor(turn),
        by=turn.user_id,
        now=utcnow(),
        lang=turn.lang,
    )
    if lifted.at_top:
        message = turn.text("item.top", id=item_id, unit=unit.name)
    elif lifted.pending:
        who = ", ".join(lifted.coordinators) or turn.text("item.no_coordinators")
        message = turn.text("item.escalated_pending", id=item_id, unit=lifted.to, who=who)
    else:
        message = turn.text("mtg.lifted", id=item_id, to=lifted.to, text=reason or "")
    turn.services.notify_changes()
    await turn.send_text(message)
