"""A channel's roster from Teams into its stored members (storage/members_repo.py), so a
pulse sent 1:1 reaches those who never wrote there too (Teams announces no one who was in
the team before the bot came)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from core.roster import RosterEntry, by_tenant
from storage import members_repo
from storage.db import Database


async def store(
    session: AsyncSession,
    entries: Iterable[RosterEntry],
    *,
    conversation_id: str,
    team_id: str | None,
    channel_tenant: str,
) -> None:
    """Remember each member under their own tenant where the roster names it (shared
    channels), else the channel's."""
    for tenant, ids in by_tenant(entries, channel_tenant).items():
        await members_repo.record(
            session,
            conversation_id=conversation_id,
            team_id=team_id,
            tenant_id=tenant,
            aad_object_ids=sorted(ids),
        )


async def remember(
    db: Database,
    entries: Iterable[RosterEntry],
    *,
    conversation_id: str,
    team_id: str | None,
    channel_tenant: str,
) -> None:
    """`store`, in a transaction of its own (a turn's)."""
    async with db.session() as s:
        await store(
            s,
            entries,
            conversation_id=conversation_id,
            team_id=team_id,
            channel_tenant=channel_tenant,
        )
