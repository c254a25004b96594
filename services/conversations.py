"""The conversations the bot is in: remembered when it arrives, forgotten when it leaves."""

from __future__ import annotations

from storage import channels_repo
from storage.db import Database
from storage.models import Conversation


async def remember(db: Database, info: channels_repo.ConversationInfo) -> Conversation:
    """Store (or refresh) the conversation and its reference for proactive posts."""
    async with db.session() as s:
        return await channels_repo.upsert_conversation(s, info)


async def refresh_if_known(db: Database, info: channels_repo.ConversationInfo) -> None:
    """Keep a known conversation's name current (renamed, restored); a new one is not made."""
    async with db.session() as s:
        if await channels_repo.get_conversation(s, info.conversation_id) is not None:
            await channels_repo.upsert_conversation(s, info)


async def forget(
    db: Database, *, team_id: str | None = None, conversation_id: str | None = None
) -> int:
    """The bot left (or the team or channel is gone): its bindings there end. Returns how many."""
    async with db.session() as s:
        return await channels_repo.deactivate_conversations(
            s, team_id=team_id, conversation_id=conversation_id
        )


async def unbound_unit_names(db: Database) -> tuple[list[str], int]:
    """Names of live units with no channel yet, and the number of live units."""
    async with db.read() as s:
        return await channels_repo.unbound_unit_names(s)
