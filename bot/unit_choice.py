"""Which unit a command means outside a channel: named, the only one, or a choice card.

In a unit's channel a command works on that channel's unit. In a personal or group
chat, `unit_for(turn, command, args)` takes, in order:
- a unit named at the start of `args` (`ärenden Östersund mina`), if in the person's
  reach (bot/scope.py; another unit's name refuses like a unit the person has no part
  in, with the same text for every such unit);
- the one unit the person belongs to (a role there, or seen in its channel);
- otherwise it sends a choice card, one `imBack` button per unit the person belongs to
  (`ärenden Östersund …`), and returns None: the handler stops there.
"""

from __future__ import annotations

from bot import scope
from bot.permissions import role_rows
from bot.turn import Turn
from cards.base import Element, card, plain, text
from core.refusal import Refused
from core.scope import CHANNEL
from storage import members_repo, org_repo
from storage.models import Unit

MAX_CHOICES = 12


async def own_units(turn: Turn) -> list[Unit]:
    """The units the person holds a role in or was seen in the channel of, by name."""
    ids = {uid for uid, roles in (await role_rows(turn)).items() if roles}
    async with turn.services.db.read() as s:
        if turn.user_id:
            ids |= await members_repo.member_units(s, turn.tenant_id, turn.user_id)
        units = await org_repo.list_units(s) if ids else []
    return sorted((u for u in units if u.id in ids), key=lambda u: u.name.casefold())


async def _named(turn: Turn, args: str) -> tuple[Unit, str] | None:
    """The unit named at the start of `args` (the longest name that fits), and the rest."""
    folded = args.casefold()
    async with turn.services.db.read() as s:
        units = await org_repo.list_units(s)
    for unit in sorted(units, key=lambda u: -len(u.name)):
        key = unit.name.casefold()
        if folded == key or folded.startswith(key + " "):
            return unit, args[len(unit.name) :].strip()
    return None


def _choice_card(turn: Turn, command: str, units: list[Unit], rest: str) -> dict[str, object]:
    buttons: list[Element] = [
        {
            "type": "Action.Submit",
            "title": u.name[:60],
            "data": {"msteams": {"type": "imBack", "value": f"{command} {u.name} {rest}".strip()}},
        }
        for u in units[:MAX_CHOICES]
    ]
    return card(
        [text(turn.text("choose.unit")), {"type": "ActionSet", "actions": buttons}],
    )


async def unit_for(turn: Turn, command: str, args: str) -> tuple[Unit, str] | None:
    """(the unit, the rest of the arguments), or None after sending a choice card."""
    if turn.kind == CHANNEL:
        unit = await turn.channel_unit()
        if unit is None or unit.id is None:
            raise Refused("item.unbound")
        return unit, args
    named = await _named(turn, args.strip())
    if named is not None:
        unit, rest = named
        assert unit.id is not None
        if not await scope.reaches(turn, [unit.id]):
            raise Refused("choose.not_yours", unit=plain(unit.name))
        return unit, rest
    units = await own_units(turn)
    if not units:
        raise Refused("choose.none")
    if len(units) == 1:
        return units[0], args.strip()
    await turn.send_card(
        _choice_card(turn, command, units, args.strip()), summary=turn.text("choose.unit")
    )
    return None
