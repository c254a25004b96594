"""Who is verified to be in which channel (for scope, core/scope.py)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import ChannelBinding, ChannelMember, Conversation
from storage.types import utcnow


async def record(
    session: AsyncSession,
    *,
    conversation_id: str,
    team_id: str | None,
    tenant_id: str | None,
    aad_object_ids: Sequence[str],
) -> None:
    """Remember that these people are in the channel; a second sighting changes nothing."""
    ids = sorted({a.lower() for a in aad_object_ids if a})
    if not ids:
        return
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    now = utcnow()
    stmt = insert(ChannelMember).values(
        [
            {
                "conversation_id": conversation_id,
                "team_id": team_id,
                "tenant_id": tenant_id or "",
                "aad_object_id": oid,
                "seen_at": now,
            }
            for oid in ids
        ]
    )
    # Two first messages at once from the same person insert one row, on both databases.
    await session.execute(
        stmt.on_conflict_do_nothing(
            index_elements=["conversation_id", "tenant_id", "aad_object_id"]
        )
    )


async def forget(
    session: AsyncSession,
    *,
    tenant_id: str | None,
    aad_object_ids: Sequence[str],
    conversation_id: str | None = None,
    team_id: str | None = None,
) -> int:
    """People left: a team (every channel of it) or one channel. Returns rows removed."""
    ids = [a.lower() for a in aad_object_ids if a]
    if not ids or (team_id is None and conversation_id is None):
        return 0
    query = delete(ChannelMember).where(
        col(ChannelMember.tenant_id) == (tenant_id or ""),
        col(ChannelMember.aad_object_id).in_(ids),
    )
    if team_id is not None:
        query = query.where(col(ChannelMember.team_id) == team_id)
    else:
        query = query.where(col(ChannelMember.conversation_id) == conversation_id)
    result = await session.execute(query)
    return int(getattr(result, "rowcount", 0) or 0)


async def member_units(
    session: AsyncSession, tenant_id: str | None, aad_object_id: str
) -> set[int]:
    """Units whose active channel binding is a channel this person was seen in."""
    rows = await session.execute(
        select(col(ChannelBinding.unit_id))
        .join(Conversation, col(Conversation.id) == col(ChannelBinding.conversation_pk))
        .join(
            ChannelMember, col(ChannelMember.conversation_id) == col(Conversation.conversation_id)
        )
        .where(
            col(ChannelBinding.active).is_(True),
            col(Conversation.kind) == "channel",
            col(ChannelMember.tenant_id) == (tenant_id or ""),
            col(ChannelMember.aad_object_id) == aad_object_id.lower(),
        )
    )
    return set(rows.scalars().all())
