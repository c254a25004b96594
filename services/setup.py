"""Binding a channel to a unit: what is bound where now, and the bind itself.

A bind runs in one transaction with what a bound unit needs (its schedules, and the
escalations that waited for a channel: services/provisioning.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from services.provisioning import on_channel_bound
from storage import channels_repo
from storage.db import Database
from storage.models import ChannelBinding, Conversation, Unit
from storage.types import utcnow


@dataclass(frozen=True)
class BindingState:
    current: ChannelBinding | None  # the unit's binding now (maybe to another channel)
    current_name: str | None  # the name of that channel
    here: ChannelBinding | None  # this channel's binding to another unit, if any
    here_units: list[Unit]  # the other unit(s) this channel serves now


@dataclass(frozen=True)
class Bound:
    replaced: list[str]  # the other units this channel served until now
    waiting: int  # escalations that waited for the unit's channel, delivered now


class BoundElsewhere(Exception):
    """Someone bound the unit to another channel meanwhile; nothing changed."""

    def __init__(self, other: str | None) -> None:
        super().__init__("the unit's binding changed")
        self.other = other  # that channel's name, if known


async def binding_state(db: Database, unit_id: int, conversation_pk: int) -> BindingState:
    async with db.read() as s:
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
    return BindingState(current, name, here, here_units)


async def bind(
    db: Database,
    unit: Unit,
    conversation: Conversation,
    *,
    actor: str | None,
    replacing: int | None,
    lang: str,
) -> Bound:
    """Bind the channel to the unit; `replacing` is the unit's binding the person saw
    (None: it had none). Raises BoundElsewhere when that is no longer so."""
    try:
        async with db.session() as s:
            before = (
                await channels_repo.units_bound_to(s, conversation.id) if conversation.id else []
            )
            await channels_repo.bind(s, unit, conversation, actor=actor, replacing=replacing)
            waiting = await on_channel_bound(s, unit, utcnow(), lang)
    except channels_repo.BindingChanged as changed:
        async with db.read() as s:
            other = await channels_repo.conversation_name(s, changed.conversation_pk)
        raise BoundElsewhere(other) from changed
    return Bound([u.name for u in before if u.id != unit.id], waiting)
