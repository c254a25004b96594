"""Action items (åtgärder) of the unit's meetings.

    åtgärd <text> [@owner] [senast <date>]   record one (coordinator); the owner is
                                             @mentioned, and told in their personal chat
    åtgärder                                 the open ones
    klar <nr>                                done (its owner or a coordinator)

Card actions: `action.done` (owner or coordinator), `actions.page` (anyone, in the
unit's channel: pages of a long list).
"""

from __future__ import annotations

import re
from datetime import date
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from microsoft_agents.activity import Activity, ChannelAccount, Mention

from bot import scope
from bot.handlers.meeting_common import channel_unit, int_value, sync_unit, today, zone
from bot.permissions import require, roles_for_unit
from bot.router import Router
from bot.turn import Turn
from cards.meetings import ACTION_DONE_VERB, ACTIONS_PAGE_VERB, actions_card
from core.action_values import ActionOwner, NewAction
from core.dates import parse_date
from core.refusal import Refused
from core.roles import allows
from i18n import format as fmt
from services import actions as service
from services import people
from storage.meeting_models import ActionItem
from storage.models import Unit
from storage.types import utcnow

HANDLERS = Router()

_DUE = re.compile(r"\s+(?:due|senast|by|deadline|klart?\s+till)\s+(.+)$", re.IGNORECASE)
_AT_NAME = re.compile(r"@([\wÅÄÖåäöéÉ.\-]+(?:\s+[A-ZÅÄÖÉ][\wåäöé\-]+)?)")
_NUMBER = re.compile(r"^#?(\d{1,9})$")


def _mentioned(turn: Turn) -> list[tuple[str, str, str | None]]:
    """People @mentioned in the message (not the bot): (channel id, name, aad id)."""
    act = turn.ctx.activity
    bot_id = act.recipient.id if act.recipient else None
    out: list[tuple[str, str, str | None]] = []
    for entity in act.entities or []:
        data = (
            entity.model_dump(by_alias=True, exclude_none=True)
            if hasattr(entity, "model_dump")
            else dict(entity)
        )
        if data.get("type") != "mention":
            continue
        who = data.get("mentioned") or {}
        member_id = who.get("id")
        if not member_id or member_id == bot_id:
            continue
        out.append((member_id, str(who.get("name") or ""), who.get("aadObjectId")))
    return out


async def _member_aad_id(turn: Turn, member_id: str) -> str | None:
    """The Entra id of a mentioned member, from the roster (mentions carry only the Teams id)."""
    client = turn.connector()
    conv = turn.ctx.activity.conversation
    if client is None or conv is None:
        return None
    try:
        member = await client.conversations.get_conversation_member(conv.id, member_id)
    except Exception:  # the roster is a nicety: the mention itself names the owner
        return None
    return member.aad_object_id or (member.model_extra or {}).get("aadObjectId")


async def _owner(turn: Turn, text: str) -> tuple[ActionOwner, str]:
    """Owner: a Teams @mention, else "@Name" typed as text, else the person writing. With
    the text without a typed name."""
    mentions = _mentioned(turn)
    if mentions:
        channel_id, name, aad_id = mentions[0]
        aad_id = aad_id or await _member_aad_id(turn, channel_id)
        return ActionOwner(name, aad_id, channel_id), text
    typed = _AT_NAME.search(text)
    if typed:
        person = await people.by_name(turn.services.db, typed.group(1).strip())
        if person is None:
            raise Refused("mtg.err.unknown_person", name=typed.group(1)[:60])
        rest = (text[: typed.start()] + text[typed.end() :]).strip()
        return ActionOwner(person.display_name or "?", person.aad_object_id, None), rest
    return ActionOwner(turn.user_name or "?", turn.user_id, turn.user_channel_id), text


@HANDLERS.command(
    "action", aliases=("åtgärd", "atgard"), role="coordinator", scopes=("channel",), sv="åtgärd"
)
async def action_command(turn: Turn, args: str) -> None:
    unit = await channel_unit(turn)
    if not await require(turn, unit, "coordinator"):
        return
    assert unit.id is not None
    await sync_unit(turn, unit)
    text = args.strip()
    now = utcnow()
    day = today(turn, now)
    due: date | None = None
    m = _DUE.search(text)
    if m:
        due = parse_date(m.group(1), day)
        if due is None:
            raise Refused("mtg.err.bad_date", text=m.group(1)[:60])
        text = text[: m.start()].strip()
    owner, text = await _owner(turn, text)
    if not text:
        raise Refused("mtg.action_usage")
    follow_up, recorded_at = await service.meetings_for(turn.services.db, unit.id, now)
    if due is None:
        if follow_up is None:
            raise Refused("mtg.action_usage")
        due = follow_up.starts_at.astimezone(ZoneInfo(zone(turn))).date()
    new = NewAction(
        text,
        owner,
        due,
        recorded_at_occurrence_id=recorded_at.id if recorded_at else None,
        follow_up_occurrence_id=follow_up.id if follow_up else None,
    )
    row = await service.add(
        turn.services.db,
        unit,
        new,
        today=day,
        by=turn.user_id,
        tenant_id=turn.person_tenant,
        lang=turn.lang,
    )
    turn.services.notify_changes()
    await _confirm_with_mention(turn, row, day)


async def _confirm_with_mention(turn: Turn, row: ActionItem, day: date) -> None:
    """The confirmation @mentions the owner, so Teams tells them in the channel."""
    due = fmt.day_month(turn.lang, row.due, day)
    if row.owner_channel_id and row.owner_channel_id != turn.user_channel_id:
        # An XML message: the text people typed is escaped, so it can hold no tag or link.
        tag = f"<at>{escape(row.owner_name)}</at>"
        typed = escape(row.text)
        text = turn.text("mtg.action_added", id=row.id, text=typed, owner=tag, due=due)
        mention = Mention(
            mentioned=ChannelAccount(id=row.owner_channel_id, name=row.owner_name), text=tag
        )
        await turn.ctx.send_activity(
            Activity(type="message", text=text, text_format="xml", entities=[mention])
        )
        return
    await turn.send_text(
        turn.text("mtg.action_added", id=row.id, text=row.text, owner=row.owner_name, due=due)
    )


@HANDLERS.command("actions", aliases=("åtgärder", "atgarder"), scopes=("channel",), sv="åtgärder")
async def actions_command(turn: Turn, args: str) -> None:
    await _send_actions(turn, await channel_unit(turn), 1)


async def _send_actions(turn: Turn, unit: Unit, page: int) -> None:
    assert unit.id is not None
    entries = await service.open_entries(turn.services.db, unit.id)
    card = actions_card(
        turn.lang, unit.name, entries, today(turn, utcnow()), unit_id=unit.id, page=page
    )
    await turn.send_card(card, summary=turn.text("mtg.actions_title", unit=unit.name))


@HANDLERS.action(ACTIONS_PAGE_VERB)
async def actions_page_action(turn: Turn, data: dict[str, Any]) -> None:
    """A page of the unit's open action items, in the unit's own channel."""
    unit = await turn.channel_unit()
    if unit is None or unit.id != int_value(data.get("unit_id")):
        raise Refused("error.bad_action")
    await _send_actions(turn, unit, int_value(data.get("page")) or 1)


@HANDLERS.command("done", aliases=("klar", "klart"), scopes=("channel",), sv="klar")
async def done_command(turn: Turn, args: str) -> None:
    unit = await channel_unit(turn)
    m = _NUMBER.match(args.strip())
    if not m:
        raise Refused("mtg.done_usage")
    await _close(turn, int(m.group(1)), unit)


@HANDLERS.action(ACTION_DONE_VERB)
async def action_done_action(turn: Turn, data: dict[str, Any]) -> None:
    action_id = int_value(data.get("action_id"))
    if action_id is None:
        raise Refused("error.bad_action")
    await _close(turn, action_id, None)


async def _close(turn: Turn, action_id: int, unit: Unit | None) -> None:
    row = await scope.find(turn, ActionItem, action_id)  # another unit's: as if missing
    owner_unit = await service.unit_of(turn.services.db, row) if row else None
    if row is None or owner_unit is None or (unit is not None and row.unit_id != unit.id):
        raise Refused("mtg.no_action", id=action_id)
    if row.status != "open":
        raise Refused("mtg.already_done", id=action_id)
    is_owner = bool(
        (turn.user_id and turn.user_id == row.owner_aad_id)
        or (turn.user_channel_id and turn.user_channel_id == row.owner_channel_id)
    )
    assert owner_unit.id is not None
    if not is_owner and not allows(await roles_for_unit(turn, owner_unit.id), "coordinator"):
        raise Refused("mtg.done_denied", owner=row.owner_name, unit=owner_unit.name)
    changed = await service.close(turn.services.db, action_id, turn.user_id, utcnow())
    key = "mtg.done" if changed else "mtg.already_done"
    await turn.send_text(turn.text(key, id=action_id, text=row.text))
