"""`setup <unit>`: bind this channel to a unit (coordinator or admin of that unit)."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from bot.handlers.lifecycle import remember_conversation
from bot.permissions import require
from bot.router import router
from bot.turn import Turn
from cards.setup import confirm_move_card
from core.names import match_name, suggest_names
from scheduler.provisioning import on_channel_bound
from storage import channels_repo
from storage.models import ChannelBinding, Unit
from storage.types import utcnow

MAX_UNIT_NAME = 200


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
    units = await _live_units(turn)
    if turn.kind != "channel":
        await turn.send_text(turn.text("setup.not_channel"))
        return
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
    assert unit.id is not None
    async with turn.services.db.session() as s:
        current = await channels_repo.active_binding_for_unit(s, unit.id)
        other_name = (
            await channels_repo.conversation_name(s, current.conversation_pk) if current else None
        )
    if current is not None and current.conversation_pk == conversation.id:
        await turn.send_text(turn.text("setup.already_here", unit=unit.name))
        return
    if current is not None and current.id is not None:
        other = other_name or turn.text("setup.unknown_channel")
        await turn.send_card(
            confirm_move_card(turn.lang, unit.name, unit.id, current.id, other),
            summary=turn.text("setup.move_title", unit=unit.name),
        )
        return
    await _bind(turn, unit, replacing=None)


async def _bind(turn: Turn, unit: Unit, *, replacing: int | None) -> None:
    """Bind here; `replacing` is the binding the person saw (None: the unit had none)."""
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
        message += "\n\n" + turn.text("setup.waiting", count=waiting)
    replaced = [u.name for u in before if u.id != unit.id]
    if replaced:
        message += "\n\n" + turn.text("setup.other_unit_here", old=", ".join(replaced))
    await turn.send_text(message)


async def _pending_move(turn: Turn, data: dict[str, Any]) -> tuple[Unit, ChannelBinding] | None:
    """The unit and binding a move card was made for, or None if the card is stale."""
    unit_id, binding_id = data.get("unit_id"), data.get("binding_id")
    if not isinstance(unit_id, int) or not isinstance(binding_id, int):
        await turn.send_text(turn.text("error.bad_action"))
        return None
    async with turn.services.db.session() as s:
        unit = await s.get(Unit, unit_id)
        binding = await s.get(ChannelBinding, binding_id)
        current = await channels_repo.active_binding_for_unit(s, unit_id) if unit else None
        current_name = (
            await channels_repo.conversation_name(s, current.conversation_pk) if current else None
        )
    if unit is None or unit.archived_at is not None or binding is None:
        await turn.send_text(turn.text("error.bad_action"))
        return None
    if current is None or current.id != binding.id:
        # Someone moved or unbound it since the card was posted: say so, change nothing.
        other = current_name or turn.text("setup.unknown_channel")
        await turn.send_text(turn.text("setup.stale", unit=unit.name, other=other))
        return None
    return unit, binding


@router.action("setup.move")
async def confirm_move(turn: Turn, data: dict[str, Any]) -> None:
    pending = await _pending_move(turn, data)
    if pending is None:
        return
    unit, _ = pending
    if not await require(turn, unit, "coordinator"):
        return
    await _bind(turn, unit, replacing=pending[1].id)


@router.action("setup.keep")
async def keep_binding(turn: Turn, data: dict[str, Any]) -> None:
    pending = await _pending_move(turn, data)
    if pending is None:
        return
    await turn.send_text(turn.text("setup.move_cancelled", unit=pending[0].name))
