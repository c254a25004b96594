"""`help` / `hjälp`: the commands this person may use here."""

from __future__ import annotations

from bot.permissions import roles_anywhere, roles_for_unit
from bot.router import Router
from bot.turn import Turn
from cards.help import help_card
from core.roles import allows

HANDLERS = Router()


@HANDLERS.command("help", aliases=("hjälp", "hjalp", "?"), sv="hjälp")
async def help_command(turn: Turn, args: str) -> None:
    await send_help(turn)


async def send_help(turn: Turn, lead: list[str] | None = None) -> None:
    unit_name: str | None = None
    unit_roles: set[str]
    unit = await turn.channel_unit()
    if unit is not None and unit.id is not None:
        unit_name = unit.name
        unit_roles = await roles_for_unit(turn, unit.id)
    else:
        unit_roles = set()
    anywhere = await roles_anywhere(turn)
    # `setup` needs a coordinator's role for the unit named, so it is listed for
    # anyone who coordinates somewhere; other commands follow this channel's unit.
    usable = unit_roles | anywhere
    reg: Router = turn.services.router
    listed: list[tuple[str, str]] = []
    for entry in reg.commands.values():
        if turn.kind not in entry.spec.scopes:
            continue
        if not allows(usable, entry.spec.role):
            continue
        listed.append((entry.words.get(turn.lang, entry.spec.name), turn.text(entry.help_key)))
    shown_roles = sorted(unit_roles or anywhere, key=["admin", "coordinator", "manager"].index)
    card = help_card(
        turn.lang,
        listed,
        unit=unit_name if turn.kind != "personal" else "",
        roles=shown_roles,
        lead=lead,
    )
    await turn.send_card(card, summary=turn.text("help.title"))
