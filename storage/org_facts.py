"""The whole chain of units, its roles and its channel bindings, read in one go.

Every command asks who holds which role where, and which unit a channel serves. These
tables are small (a county has tens of units and a few hundred role rows) and change
only when the org file is loaded or a channel is set up, so the bot reads them whole,
in one read transaction, and keeps the result for a moment (bot/org_cache.py) instead
of asking per turn.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import col, select

from core.org import GROUP_PREFIX
from storage.models import ChannelBinding, Conversation, RoleAssignment, Unit

# What a cached copy depends on (storage/changes.py). Not `conversations`: written on many
# turns, and a row's id and conversation id never change (bindings say what is bound).
TABLES = ("units", "role_assignments", "channel_bindings")
_UNIT_COLUMNS = tuple(attr.key for attr in inspect(Unit).column_attrs)


@dataclass(frozen=True)
class OrgFacts:
    parents: dict[int, int | None]
    # person (object id, UPN or "group:<id>", lower case) -> unit id -> roles
    roles: dict[str, dict[int, frozenset[str]]]
    # unit id -> role -> people, sorted (who to name in a refusal)
    people: dict[int, dict[str, list[str]]]
    # conversation id -> the unit it is bound to (the first by name, as
    # storage.channels_repo.unit_of_conversation answers), as column values
    channel_units: dict[str, dict[str, Any]]
    groups: list[tuple[int, str, str]] = field(default_factory=list)

    def assignments_for(self, persons: list[str]) -> dict[int, set[str]]:
        """Unit id -> roles for any of the person's identifiers (as roles_repo's)."""
        out: dict[int, set[str]] = {}
        for key in persons:
            for unit_id, roles in self.roles.get(key.lower(), {}).items():
                out.setdefault(unit_id, set()).update(roles)
        return out

    def channel_unit(self, conversation_id: str) -> Unit | None:
        """A fresh detached Unit for the channel's unit: each caller gets its own copy,
        usable in a session like one loaded there."""
        values = self.channel_units.get(conversation_id)
        if values is None:
            return None
        fresh = dict(values)
        fresh["defaults"] = copy.deepcopy(fresh["defaults"])  # the one mutable column
        unit = Unit(**fresh)
        make_transient_to_detached(unit)
        return unit


async def load(session: AsyncSession) -> OrgFacts:
    units = (await session.execute(select(Unit))).scalars().all()
    parents = {u.id: u.parent_id for u in units if u.id is not None}
    values = {u.id: {k: getattr(u, k) for k in _UNIT_COLUMNS} for u in units}

    roles: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    people: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    groups: list[tuple[int, str, str]] = []
    rows = await session.execute(
        select(
            col(RoleAssignment.unit_id), col(RoleAssignment.role), col(RoleAssignment.person)
        ).order_by(col(RoleAssignment.person))
    )
    for unit_id, role, person in rows.all():
        roles[person.lower()][unit_id].add(role)
        people[unit_id][role].append(person)
        if person.startswith(GROUP_PREFIX):
            groups.append((unit_id, role, person.removeprefix(GROUP_PREFIX)))

    bound = await session.execute(
        select(col(Conversation.conversation_id), col(ChannelBinding.unit_id))
        .join(ChannelBinding, col(ChannelBinding.conversation_pk) == col(Conversation.id))
        .join(Unit, col(Unit.id) == col(ChannelBinding.unit_id))
        .where(col(ChannelBinding.active).is_(True))
        .order_by(col(Conversation.conversation_id), col(Unit.name))
    )
    channel_units: dict[str, dict[str, Any]] = {}
    for conversation_id, unit_id in bound.all():
        if conversation_id not in channel_units and unit_id in values:
            channel_units[conversation_id] = values[unit_id]
    return OrgFacts(
        parents=parents,
        roles={p: {u: frozenset(r) for u, r in by_unit.items()} for p, by_unit in roles.items()},
        people={u: dict(by_role) for u, by_role in people.items()},
        channel_units=channel_units,
        groups=groups,
    )
