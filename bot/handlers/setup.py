"""`setup <unit>`: bind this channel to a unit (coordinator or admin of that unit).

Only a channel is ever bound. Moving a unit's channel, or taking a channel from the unit
it serves (which also takes a coordinator of that unit, or an admin), asks with a
confirm card first; the press checks everything again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from bot.handlers.lifecycle import remember_conversation
from bot.permissions import require
from bot.router import router
from bot.turn import Turn
from cards.setup import confirm_move_card
from core.names import match_name, suggest_names
from i18n import format as fmt
from services.provisioning import on_channel_bound
from storage import channels_repo
from storage.models import ChannelBinding, Unit
from storage.types import utcnow

MAX_UNIT_NAME = 200
MAX_ID = 2**31 - 1  # ids are 32-bit integer columns


async def _live_units(turn: Turn) -> list[Unit]:
    async with turn.services.db.session() as s:
        rows = await s.execute(
            select(Unit).where(col(Unit.archived_at).is_(None)).order_by(col(Unit.name))
        )
        return list(rows.scalars().all())


@router.command(
    "setup", aliases=("koppla", "installera"), role="coordinator", scopes=("channel",), sv="koppla"
)
async def setup_command(turn: Turn, args: str) -> None:
    if turn.kind != "channel":  # only a channel is ever bound; nothing is stored
        await turn.send_text(turn.text("setup.not_channel"))
        return
    units = await _live_units(turn)
    name = args.strip().strip("\"'«»“”")
    if not name:
        example = units[0].name if units else "Östersund"
        await turn.send_text(turn.text("setup.usage", example=example))
        return
    if len(name) > MAX_UNIT_NAME:
        await turn.send_text(turn.text("error.too_long", length=len(name), limit=MAX_UNIT_NAME))
        return
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
    state = await _state(turn, unit.id, conversation.id)
    if state.current is not None and state.current.conversation_pk == conversation.id:
        await turn.send_text(turn.text("setup.already_here", unit=unit.name))
        return
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


@dataclass(frozen=True)
class _BindingState:
    current: ChannelBinding | None  # the unit's binding now (maybe to another channel)
    current_name: str | None  # the name of that channel
    here: ChannelBinding | None  # this channel's binding to another unit, if any
    here_units: list[Unit]  # the other unit(s) this channel serves now


async def _state(turn: Turn, unit_id: int, conversation_pk: int) -> _BindingState:
    async with turn.services.db.read() as s:
        current = await channels_repo.active_binding_for_unit(s, unit_id)
        name = (
            await channels_repo.conversation_name(s, current.conversation_pk) if current else None
        )
        here = (
            (
                await s.execute(
                    select(ChannelBinding).where(
                        col(ChannelBinding.conversation_pk) == conversation_pk,
                        col(ChannelBinding.active).is_(True),
                        col(ChannelBinding.unit_id) != unit_id,
                    )
                )
            )
            .scalars()
            .first()
        )
        here_units = [
            u for u in await channels_repo.units_bound_to(s, conversation_pk) if u.id != unit_id
        ]
    return _BindingState(current, name, here, here_units)


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
        async with turn.services.db.session() as s:
            before = (
                await channels_repo.units_bound_to(s, conversation.id) if conversation.id else []
            )
            await channels_repo.bind(s, unit, conversation, actor=turn.user_id, replacing=replacing)
            waiting = await on_channel_bound(s, unit, utcnow(), turn.lang)
    except channels_repo.BindingChanged as changed:
        # Someone bound the unit elsewhere meanwhile: say so instead of moving it unasked.
        async with turn.services.db.read() as s:
            other = await channels_repo.conversation_name(s, changed.conversation_pk)
        other = other or turn.text("setup.unknown_channel")
        await turn.send_text(turn.text("setup.stale", unit=unit.name, other=other))
        return
    turn.services.notify_changes()
    message = turn.text("setup.done", unit=unit.name)
    if waiting:
        message += "\n\n" + fmt.plural(turn.lang, "setup.waiting", waiting)
    replaced = [u.name for u in before if u.id != unit.id]
    if replaced:
        message += "\n\n" + turn.text("setup.other_unit_here", old=", ".join(replaced))
    await turn.send_text(message)


def _id(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
        return value
    return None


async def _card_unit(turn: Turn, data: dict[str, Any]) -> Unit | None:
    """The live unit a binding card names; refuses outside a channel or on bad data."""
    if turn.kind != "channel":  # a card pressed in a personal or group chat binds nothing
        await turn.send_text(turn.text("setup.not_channel"))
        return None
    unit_id = _id(data, "unit_id")
    unit = None
    if unit_id is not None:
        async with turn.services.db.read() as s:
            unit = await s.get(Unit, unit_id)
    if unit is None or unit.archived_at is not None:
        await turn.send_text(turn.text("error.bad_action"))
        return None
    return unit


@router.action("setup.move")
async def confirm_move(turn: Turn, data: dict[str, Any]) -> None:
    unit = await _card_unit(turn, data)
    if unit is None or not await require(turn, unit, "coordinator"):
        return
    assert unit.id is not None
    conversation = await remember_conversation(turn)
    assert conversation.id is not None
    state = await _state(turn, unit.id, conversation.id)
    # Bindings changed since the card was posted: say so, change nothing.
    if (state.current.id if state.current else None) != _id(data, "binding_id"):
        if state.current is not None:
            other = state.current_name or turn.text("setup.unknown_channel")
            await turn.send_text(turn.text("setup.stale", unit=unit.name, other=other))
        else:
            await turn.send_text(turn.text("setup.stale_any", unit=unit.name))
        return
    if (state.here.id if state.here else None) != _id(data, "here_binding_id"):
        await turn.send_text(turn.text("setup.stale_any", unit=unit.name))
        return
    if not await _may_replace(turn, state.here_units):
        return
    await _bind(turn, unit, replacing=state.current.id if state.current else None)


@router.action("setup.keep")
async def keep_binding(turn: Turn, data: dict[str, Any]) -> None:
    unit = await _card_unit(turn, data)
    if unit is not None:
        await turn.send_text(turn.text("setup.move_cancelled", unit=unit.name))
