"""`setup <unit>`: bind this channel to a unit (coordinator or admin of that unit).

Only a channel is ever bound. Moving a unit's channel, or taking a channel from the unit
it serves (which also takes a coordinator of that unit, or an admin), asks with a
confirm card first; the press checks everything again.
"""

from __future__ import annotations

from typing import Any

from bot.handlers.lifecycle import remember_conversation
from bot.permissions import require
from bot.router import Router
from bot.turn import Turn
from cards.setup import KEEP_VERB, MOVE_VERB, confirm_move_card
from core.names import match_name, suggest_names
from core.refusal import Refused
from i18n import format as fmt
from services import setup as service
from services import units as unit_service
from storage.models import Unit

HANDLERS = Router()

MAX_UNIT_NAME = 200
MAX_ID = 2**31 - 1  # ids are 32-bit integer columns


@HANDLERS.command(
    "setup", aliases=("koppla", "installera"), role="coordinator", scopes=("channel",), sv="koppla"
)
async def setup_command(turn: Turn, args: str) -> None:
    if turn.kind != "channel":  # only a channel is ever bound; nothing is stored
        raise Refused("setup.not_channel")
    units = await unit_service.live_units(turn.services.db)
    name = args.strip().strip("\"'«»“”")
    if not name:
        raise Refused("setup.usage", example=units[0].name if units else "Östersund")
    if len(name) > MAX_UNIT_NAME:
        raise Refused("error.too_long", length=len(name), limit=MAX_UNIT_NAME)
    names = [u.name for u in units]
    matched = match_name(name, names)
    if matched is None:
        suggestions = suggest_names(name, names)
        hint = (
            turn.text("setup.suggest", names=", ".join(f"**{n}**" for n in suggestions))
            if suggestions
            else turn.text("setup.no_suggest")
        )
        await turn.send_text(turn.text("setup.unknown", name=name[:80]) + " " + hint)
        return
    unit = next(u for u in units if u.name == matched)
    if not await require(turn, unit, "coordinator"):
        return
    conversation = await remember_conversation(turn)
    assert unit.id is not None and conversation.id is not None
    state = await service.binding_state(turn.services.db, unit.id, conversation.id)
    if state.current is not None and state.current.conversation_pk == conversation.id:
        raise Refused("setup.already_here", unit=unit.name)
    if not await _may_replace(turn, state.here_units):
        return
    if state.current is None and state.here is None:
        await _bind(turn, unit, replacing=None)
        return
    # Moving the unit's channel, or taking this channel from another unit: ask first.
    await turn.send_card(
        confirm_move_card(
            turn.lang,
            unit.name,
            unit.id,
            state.current.id if state.current else None,
            state.current_name or turn.text("setup.unknown_channel"),
            replaces=", ".join(u.name for u in state.here_units) or None,
            here_binding_id=state.here.id if state.here else None,
        ),
        summary=turn.text("setup.move_title", unit=unit.name),
    )


async def _may_replace(turn: Turn, here_units: list[Unit]) -> bool:
    """Taking a channel from the unit it serves takes that unit's coordinator (or an admin)."""
    for other in here_units:
        lead = turn.text("setup.replace_denied", old=other.name)
        if not await require(turn, other, "coordinator", lead=lead):
            return False
    return True


async def _bind(turn: Turn, unit: Unit, *, replacing: int | None) -> None:
    """Bind here; `replacing` is the unit's binding the person saw (None: it had none)."""
    conversation = await remember_conversation(turn)
    try:
        bound = await service.bind(
            turn.services.db,
            unit,
            conversation,
            actor=turn.user_id,
            replacing=replacing,
            lang=turn.lang,
        )
    except service.BoundElsewhere as moved:
        # Someone bound the unit elsewhere meanwhile: say so instead of moving it unasked.
        other = moved.other or turn.text("setup.unknown_channel")
        raise Refused("setup.stale", unit=unit.name, other=other) from moved
    turn.services.notify_changes()
    message = turn.text("setup.done", unit=unit.name)
    if bound.waiting:
        message += "\n\n" + fmt.plural(turn.lang, "setup.waiting", bound.waiting)
    if bound.replaced:
        message += "\n\n" + turn.text("setup.other_unit_here", old=", ".join(bound.replaced))
    await turn.send_text(message)


def _id(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
        return value
    return None


async def _card_unit(turn: Turn, data: dict[str, Any]) -> Unit:
    """The live unit a binding card names; refuses outside a channel or on bad data."""
    if turn.kind != "channel":  # a card pressed in a personal or group chat binds nothing
        raise Refused("setup.not_channel")
    unit = await unit_service.live_unit(turn.services.db, _id(data, "unit_id"))
    if unit is None:
        raise Refused("error.bad_action")
    return unit


@HANDLERS.action(MOVE_VERB)
async def confirm_move(turn: Turn, data: dict[str, Any]) -> None:
    unit = await _card_unit(turn, data)
    if not await require(turn, unit, "coordinator"):
        return
    assert unit.id is not None
    conversation = await remember_conversation(turn)
    assert conversation.id is not None
    state = await service.binding_state(turn.services.db, unit.id, conversation.id)
    # Bindings changed since the card was posted: say so, change nothing.
    if (state.current.id if state.current else None) != _id(data, "binding_id"):
        if state.current is not None:
            other = state.current_name or turn.text("setup.unknown_channel")
            raise Refused("setup.stale", unit=unit.name, other=other)
        raise Refused("setup.stale_any", unit=unit.name)
    if (state.here.id if state.here else None) != _id(data, "here_binding_id"):
        raise Refused("setup.stale_any", unit=unit.name)
    if not await _may_replace(turn, state.here_units):
        return
    await _bind(turn, unit, replacing=state.current.id if state.current else None)


@HANDLERS.action(KEEP_VERB)
async def keep_binding(turn: Turn, data: dict[str, Any]) -> None:
    unit = await _card_unit(turn, data)
    await turn.send_text(turn.text("setup.move_cancelled", unit=unit.name))
