"""`agenda` / `dagordning`: the agenda of the unit's next meeting, and its card's buttons.

    dagordning [date|nästa]             the agenda card
    dagordning lägg till <text>         propose an item (anyone)
    dagordning flytta <nr> till <nr>    reorder (coordinator)
    dagordning godkänn|klar|ta bort <nr>  settle an item (coordinator)

Card actions: `agenda.add` (anyone), `agenda.status` (coordinator), `agenda.page`
(anyone, in the unit's channel: pages of a long agenda). A button on a meeting that is
cancelled or over answers with the agenda as it is and changes nothing.
"""

from __future__ import annotations

import re
from typing import Any

from bot import scope
from bot.handlers.meeting_common import (
    channel_unit,
    int_value,
    meeting_from,
    send_agenda,
    sync_unit,
    tell_stale,
)
from bot.permissions import require
from bot.router import Router
from bot.turn import Turn
from cards import base as cb
from cards.meetings import AGENDA_ADD_VERB, AGENDA_STATUS_VERB, PAGE_VERB
from core.agenda import move as move_in_order
from core.refusal import Refused
from services import agenda as service
from services import mentions
from storage.meeting_models import AgendaItem, MeetingOccurrence
from storage.models import Unit
from storage.types import utcnow

HANDLERS = Router()

_ADD = {"add", "propose", "lägg", "lagg", "föreslå", "foresla", "ny"}
_MOVE = {"move", "flytta"}
_STATUS = {
    "accept": "accepted",
    "godkänn": "accepted",
    "godkann": "accepted",
    "handled": "handled",
    "done": "handled",
    "klar": "handled",
    "behandlad": "handled",
    "remove": "removed",
    "ta": "removed",
    "stryk": "removed",
    "delete": "removed",
}
_NUMBER = re.compile(r"^#?(\d{1,9})$")


@HANDLERS.command(
    "agenda", aliases=("dagordning", "dagordningen"), scopes=("channel",), sv="dagordning"
)
async def agenda_command(turn: Turn, args: str) -> None:
    unit = await channel_unit(turn)
    await sync_unit(turn, unit)
    word, _, rest = args.strip().partition(" ")
    sub = word.casefold()
    if sub in _ADD:
        text = re.sub(r"^(?:till|to)\s+", "", rest.strip(), flags=re.IGNORECASE)
        await _add_item(turn, unit, text)
        return
    if sub in _MOVE:
        await _move_item(turn, unit, rest)
        return
    if sub in _STATUS:
        if sub == "ta":
            rest = re.sub(r"^bort\s*", "", rest.strip(), flags=re.IGNORECASE)
        await _set_status_by_number(turn, unit, rest.strip(), _STATUS[sub])
        return
    if sub in ("help", "hjälp"):
        raise Refused("mtg.agenda_usage")
    await send_agenda(turn, await meeting_from(turn, unit, args.strip()))


async def _next_meeting(turn: Turn, unit: Unit) -> MeetingOccurrence:
    assert unit.id is not None
    occ, has_series = await service.next_meeting(turn.services.db, unit.id, utcnow())
    if occ is None:
        raise Refused("mtg.no_next" if has_series else "mtg.no_series", unit=unit.name)
    return occ


async def _add_item(turn: Turn, unit: Unit, text: str) -> None:
    if not text:
        raise Refused("mtg.agenda_usage")
    await _add_to(turn, await _next_meeting(turn, unit), text)


async def _add_to(turn: Turn, occ: MeetingOccurrence, text: str) -> None:
    added = await service.add(
        turn.services.db,
        occ,
        text,
        by=turn.user_id,
        by_name=turn.user_name,
        now=utcnow(),
        lang=turn.lang,
    )
    turn.services.notify_changes()
    message = turn.text("mtg.item_added", number=added.number, when=added.when, text=added.text)
    if turn.is_invoke:
        await send_agenda(turn, occ, done=message)
        return
    # The proposal waits for the coordinators' acceptance: name them (Teams mentions).
    waiting = [
        p
        for p in await mentions.coordinators_in(turn.services.db, occ.unit_id)
        if p.object_id != turn.user_id
    ]
    if not waiting:
        await turn.send_text(message)
        return
    shown = turn.text(
        "mtg.item_added", number=added.number, when=added.when, text=cb.plain(added.text)
    )
    body = cb.card([cb.text(shown)])
    await turn.send_card(
        mentions.add_line(body, turn.text("mention.proposal_waits"), waiting), summary=message
    )


async def _numbered(turn: Turn, unit: Unit) -> tuple[MeetingOccurrence, list[int]]:
    occ = await _next_meeting(turn, unit)
    return occ, await service.item_ids(turn.services.db, occ, utcnow())


async def _move_item(turn: Turn, unit: Unit, rest: str) -> None:
    if not await require(turn, unit, "coordinator"):
        return
    m = re.match(r"^#?(\d{1,3})\s+(?:till\s+|to\s+)?#?(\d{1,3})$", rest.strip(), re.IGNORECASE)
    if not m:
        raise Refused("mtg.agenda_usage")
    occ, order = await _numbered(turn, unit)
    frm, to = int(m.group(1)), int(m.group(2))
    try:
        new_order = move_in_order(order, frm, to)
    except IndexError:
        bad = frm if not 1 <= frm <= len(order) else to
        raise Refused("mtg.err.no_number", number=bad, count=len(order)) from None
    await service.reorder(turn.services.db, occ, new_order, utcnow(), turn.lang)
    turn.services.notify_changes()
    await turn.send_text(turn.text("mtg.item_moved", from_=frm, to=to))


async def _set_status_by_number(turn: Turn, unit: Unit, rest: str, status: str) -> None:
    if not await require(turn, unit, "coordinator"):
        return
    m = _NUMBER.match(rest)
    if not m:
        raise Refused("mtg.agenda_usage")
    occ, order = await _numbered(turn, unit)
    number = int(m.group(1))
    if not 1 <= number <= len(order):
        raise Refused("mtg.err.no_number", number=number, count=len(order))
    await _apply_status(turn, occ, order[number - 1], status, number)


async def _apply_status(
    turn: Turn, occ: MeetingOccurrence, item_id: int, status: str, number: int | None
) -> None:
    change = await service.set_status(
        turn.services.db, occ, item_id, status, utcnow(), turn.lang, with_card=turn.is_invoke
    )
    if change.missing:
        return
    if change.stale is not None:
        await tell_stale(turn, change.stale)
        return
    if change.already is not None:
        notice = turn.text("mtg.stale_item", status=turn.text(f"mtg.status.{change.already}"))
        await send_agenda(turn, change.occurrence, notice=notice)
        return
    turn.services.notify_changes()
    message = turn.text(
        "mtg.item_status",
        number=number if number is not None else "",
        text=change.text,
        status=turn.text(f"mtg.status.{status}"),
    )
    if turn.is_invoke:
        await send_agenda(turn, change.occurrence, done=message)
    else:
        await turn.send_text(message)


@HANDLERS.action(AGENDA_ADD_VERB)
async def agenda_add_action(turn: Turn, data: dict[str, Any]) -> None:
    text = str(data.get("text") or "").strip()
    occ = await scope.find(turn, MeetingOccurrence, int_value(data.get("occurrence_id")))
    if occ is None:  # no such meeting, or another unit's: the same answer
        raise Refused("error.bad_action")
    stale = await service.check_open(
        turn.services.db, occ, utcnow(), turn.lang, with_card=turn.is_invoke
    )
    if stale is not None:
        await tell_stale(turn, stale)
        return
    if not text:
        await send_agenda(turn, occ, notice=turn.text("mtg.err.empty"))
        return
    await _add_to(turn, occ, text)


@HANDLERS.action(PAGE_VERB)
async def agenda_page_action(turn: Turn, data: dict[str, Any]) -> None:
    """A page of a long agenda ("Show all" on the reminder), in the unit's own channel."""
    occ_id, page = int_value(data.get("occurrence_id")), int_value(data.get("page")) or 1
    occ = await scope.find(turn, MeetingOccurrence, occ_id)  # another unit's: as if missing
    if occ is None:
        raise Refused("error.bad_action")
    await send_agenda(turn, occ, page=page)


@HANDLERS.action(AGENDA_STATUS_VERB)
async def agenda_status_action(turn: Turn, data: dict[str, Any]) -> None:
    item_id, status = int_value(data.get("item_id")), str(data.get("status") or "")
    item = await scope.find(turn, AgendaItem, item_id)  # another unit's: as if missing
    occ, unit = await service.item_with_meeting(turn.services.db, item) if item else (None, None)
    if (
        item is None
        or occ is None
        or unit is None
        or status not in ("accepted", "handled", "removed")
    ):
        raise Refused("error.bad_action")
    if not await require(turn, unit, "coordinator"):
        return
    assert item.id is not None
    await _apply_status(turn, occ, item.id, status, None)
