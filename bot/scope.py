"""The scope check every handler uses: fetch an object by id only if it is within reach.

`find(turn, Model, id)` returns the row when it exists and core/scope.py's rule lets
this person see it here, and None otherwise, so a handler answers "not found" alike for
an id that does not exist and an id outside the person's reach (never revealing which).
Role checks (bot/permissions.py) come after, on what is in reach.

Membership of channels, which gives reach from a personal chat, is recorded here:
`note_presence` for a person seen in a channel's activity, `members_changed` for
Teams' membersAdded / membersRemoved.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from sqlmodel import SQLModel

from bot.members_seen import MembersSeen
from bot.permissions import role_rows
from bot.turn import Turn
from core.scope import CHANNEL, Viewer, in_reach
from storage import members_repo, reach
from storage.meeting_models import ActionItem

T = TypeVar("T", bound=SQLModel)
MAX_ID = 2**31 - 1  # ids are 32-bit integer columns


async def viewer(turn: Turn) -> Viewer:
    """What the rule needs about this person here."""
    if turn.kind == CHANNEL:
        unit = await turn.channel_unit()
        return Viewer(where=CHANNEL, channel_unit=unit.id if unit else None)
    members: set[int] = set()
    if turn.user_id:
        async with turn.services.db.read() as s:
            members = await members_repo.member_units(s, turn.tenant_id, turn.user_id)
    return Viewer(
        where=turn.kind,
        roles=await role_rows(turn),
        member_units=frozenset(members),
        global_admin=await turn.is_global_admin(),
    )


async def reaches(
    turn: Turn, unit_ids: Iterable[int], *, addressed_to_person: bool = False
) -> bool:
    """Whether data of these units may be shown to / changed by this person here."""
    parents = (await turn.services.org.get()).parents
    return in_reach(await viewer(turn), unit_ids, parents, addressed_to_person=addressed_to_person)


def _addressed_to(turn: Turn, row: SQLModel) -> bool:
    """An action item is addressed to its owner."""
    if isinstance(row, ActionItem):
        return bool(
            (turn.user_id and row.owner_aad_id == turn.user_id)
            or (turn.user_channel_id and row.owner_channel_id == turn.user_channel_id)
        )
    return False


async def find(turn: Turn, model: type[T], object_id: object) -> T | None:
    """The row with this id if it exists and is within reach here; else None (not found).

    Ids come from card data or typed text: anything but a plain int is "not found" too.
    """
    if not isinstance(object_id, int) or isinstance(object_id, bool):
        return None
    if not 0 < object_id <= MAX_ID:  # an id no row can have (PostgreSQL would refuse it)
        return None
    async with turn.services.db.read() as s:
        found = await reach.row_and_units(s, model, object_id)
    if found is None:
        return None
    row, units = found
    if not await reaches(turn, units, addressed_to_person=_addressed_to(turn, row)):
        return None
    return row


# -- who is in which channel ------------------------------------------------------------------


def _seen(turn: Turn) -> MembersSeen:
    return turn.services.members_seen


async def note_presence(turn: Turn) -> None:
    """A person's message or card action in a channel: they are in it (the Bot Connector
    signed the activity)."""
    if turn.kind != CHANNEL or not turn.user_id or not turn.conversation_id:
        return
    key = (turn.conversation_id, turn.tenant_id or "", turn.user_id.lower())
    seen = _seen(turn)
    if seen.fresh(key):
        return
    # Batched with other people's first messages (storage/sightings.py).
    await turn.services.sightings.member(
        conversation_id=turn.conversation_id,
        team_id=turn.team_id,
        tenant_id=turn.tenant_id,
        object_id=turn.user_id,
    )
    seen.put(key)


async def members_changed(turn: Turn) -> None:
    """Teams' membersAdded / membersRemoved in a channel or team."""
    if turn.kind != CHANNEL:
        return
    act = turn.ctx.activity
    added = [m.aad_object_id for m in act.members_added or [] if m.aad_object_id]
    removed = [m.aad_object_id for m in act.members_removed or [] if m.aad_object_id]
    if not added and not removed:
        return
    async with turn.services.db.session() as s:
        if added:
            await members_repo.record(
                s,
                conversation_id=turn.conversation_id,
                team_id=turn.team_id,
                tenant_id=turn.tenant_id,
                aad_object_ids=added,
            )
        if removed:
            # Leaving a team leaves every channel of it.
            await members_repo.forget(
                s,
                tenant_id=turn.tenant_id,
                aad_object_ids=removed,
                team_id=turn.team_id,
                conversation_id=turn.conversation_id,
            )
    _seen(turn).drop(a.lower() for a in removed)
