"""The bot arriving in and leaving conversations, and answers to unknown commands."""

from __future__ import annotations

import logging

from bot import scope
from bot.handlers.help import send_help
from bot.turn import Turn, base_conversation_id
from cards.welcome import personal_welcome_card, welcome_card
from services import conversations
from storage import channels_repo
from storage.models import Conversation

log = logging.getLogger(__name__)


def conversation_info(
    turn: Turn, conversation_id: str | None = None
) -> channels_repo.ConversationInfo:
    """What to store about the current conversation, with a reference for proactive posts.

    The reference (and its serviceUrl, where every later post and our outgoing token
    go) comes from the turn's activity only: one that bot/web.py let in, whose
    serviceUrl equals its Bot Framework token's claim and is an allowed Teams host.
    This is the only place a reference is made."""
    act = turn.ctx.activity
    ref = act.get_conversation_reference()
    conv_id = conversation_id or turn.conversation_id
    ref.conversation.id = conv_id  # a new top-level post, never a reply in some thread
    ref.activity_id = None
    name = turn.channel_name
    if turn.kind == "channel" and not name:
        # Teams leaves the General channel's name out; its id equals the team's id.
        name = "General" if turn.team_id and conv_id == turn.team_id else None
    if turn.kind == "channel" and turn.team_name and name:
        name = f"{turn.team_name} / {name}"
    return channels_repo.ConversationInfo(
        conversation_id=conv_id,
        kind=turn.kind,
        tenant_id=turn.tenant_id,
        team_id=turn.team_id,
        channel_id=turn.channel_id or (conv_id if turn.kind == "channel" else None),
        name=name or (act.conversation.name if act.conversation else None),
        user_aad_id=turn.user_id if turn.kind == "personal" else None,
        reference=ref.model_dump(by_alias=True, exclude_none=True, mode="json"),
    )


async def remember_conversation(turn: Turn) -> Conversation:
    return await conversations.remember(turn.services.db, conversation_info(turn))


def _bot_is(turn: Turn, member_ids: list[str]) -> bool:
    recipient = turn.ctx.activity.recipient
    return bool(recipient and recipient.id in member_ids)


async def conversation_update(turn: Turn) -> None:
    act = turn.ctx.activity
    event = turn.channel_data.get("eventType")
    added = [m.id for m in (act.members_added or [])]
    removed = [m.id for m in (act.members_removed or [])]
    await scope.members_changed(turn)
    if added and _bot_is(turn, added):
        await remember_conversation(turn)
        await send_welcome(turn)
        return
    if removed and _bot_is(turn, removed):
        await _forget(turn)
        return
    if event in ("teamDeleted",) and turn.team_id:
        await conversations.forget(turn.services.db, team_id=turn.team_id)
    elif event == "channelDeleted" and turn.channel_id:
        await conversations.forget(turn.services.db, conversation_id=turn.channel_id)
    elif event in ("channelRenamed", "teamRenamed", "channelCreated", "teamRestored"):
        # Keep names current so `org show` and the welcome card say the right thing.
        target = base_conversation_id(turn.channel_id or turn.conversation_id)
        await conversations.refresh_if_known(turn.services.db, conversation_info(turn, target))


async def installation_update(turn: Turn) -> None:
    action = (turn.ctx.activity.action or "").lower()
    if action.startswith("add"):
        await remember_conversation(turn)
    elif action.startswith("remove"):
        await _forget(turn)


async def _forget(turn: Turn) -> None:
    if turn.kind == "channel" and turn.team_id:
        count = await conversations.forget(turn.services.db, team_id=turn.team_id)
    else:
        count = await conversations.forget(turn.services.db, conversation_id=turn.conversation_id)
    log.info("bot removed from a conversation; %d binding(s) deactivated", count)


async def send_welcome(turn: Turn) -> None:
    if turn.kind == "personal":
        await turn.send_card(personal_welcome_card(turn.lang), summary=turn.text("welcome.title"))
        return
    unbound, total = await conversations.unbound_unit_names(turn.services.db)
    await turn.send_card(
        welcome_card(turn.lang, unbound, total), summary=turn.text("welcome.title")
    )


async def unknown_command(turn: Turn, word: str, suggestions: list[str]) -> None:
    lead = []
    if suggestions:
        words = [_display_word(turn, s) for s in suggestions]
        lead.append(
            turn.text("unknown.didyoumean", suggestions=f"** {turn.text('or')} **".join(words))
        )
    else:
        lead.append(turn.text("unknown.nothing", word=word[:40]))
    await send_help(turn, lead=lead)


def _display_word(turn: Turn, name: str) -> str:
    entry = turn.services.router.commands.get(name)
    return entry.words.get(turn.lang, name) if entry else name
