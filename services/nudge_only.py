"""What can concern one person, so that the `mitt` card reads only their rows.

`services/nudges.py` `waiting_for_everyone(..., only=key)` narrows each bulk read in SQL to
the rows where this person's relation is known, then applies the same rules as for everyone
(core/nudges.py); the person's rows are the same as in the county-wide read, only the others'
are not read. The relations:

- identifiers that name them: the distinct values of a column (an action's owner, an item's
  free-text owner or raiser) read first, kept when the directory's own rule resolves them to
  this person, so case and name matching stay in Python, exactly as before;
- the units whose nearest coordinators include them (`Org.coordinators`);
- the channels they are a member of (a pulse's channel).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from storage.models import ChannelMember, Conversation

PersonKey = tuple[str, str]  # (tenant id, Entra object id)


@dataclass(frozen=True)
class Only:
    """One person and where they can appear: read only those rows."""

    key: PersonKey
    coordinated: frozenset[int]  # units whose nearest coordinators include them
    channels: frozenset[str]  # channel conversation ids (without thread) they are in

    async def naming(
        self,
        session: AsyncSession,
        values: Select[Any],
        resolve: Callable[[str | None], PersonKey | None],
    ) -> list[str]:
        """The distinct values `values` selects that `resolve` takes to this person."""
        found = await session.execute(values.distinct())
        return [v for v in found.scalars().all() if v is not None and resolve(v) == self.key]

    def conversations(self) -> SelectOfScalar[int | None]:
        """Ids of the conversations in their channels (a channel itself or a thread of it)."""
        conversation_id = col(Conversation.conversation_id)
        return select(col(Conversation.id)).where(
            or_(
                conversation_id.in_(self.channels),
                *(conversation_id.startswith(c + ";", autoescape=True) for c in self.channels),
            )
        )

    def member(self, channel: str) -> Sequence[PersonKey]:
        """Of the channel's members, those who are this person."""
        return [self.key] if channel in self.channels else []


async def only(
    session: AsyncSession, key: PersonKey, coordinators: Mapping[int, list[PersonKey]]
) -> Only:
    channels = await session.execute(
        select(col(ChannelMember.conversation_id)).where(
            col(ChannelMember.tenant_id) == key[0], col(ChannelMember.aad_object_id) == key[1]
        )
    )
    return Only(
        key,
        frozenset(uid for uid, keys in coordinators.items() if key in keys),
        frozenset(channels.scalars().all()),
    )
