"""`digest` / `sammanställning`: indicators against targets, for managers and coordinators.

    digest                      this channel's unit; in the personal chat: the units you lead
    digest 2026-03 | Q1 | 2025  for a period
    digest <unit> [period]      a named unit (you need a manager's or coordinator's role)
    digest subscribe <unit>     (personal chat) get the unit's digest here
    digest unsubscribe [unit]   (personal chat) stop getting it

"Show all" on the card is an Action.Execute: the expanded card comes back in the
invoke response and replaces the same message (no new post).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot import scope
from bot.handlers.lifecycle import remember_conversation
from bot.permissions import require, roles_for_unit
from bot.router import Router
from bot.turn import Turn
from cards.digest import COUNTY_UNITS_VERB, EXPAND_VERB, county_units_card
from core.indicators import Period, resolve_period_arg
from core.names import match_name, suggest_names
from core.refusal import Refused
from core.roles import allows
from services import digest as composer
from services import subscriptions
from services import units as unit_service
from storage.models import Unit

HANDLERS = Router()

SUBSCRIBE = ("subscribe", "prenumerera", "prenumeration")
UNSUBSCRIBE = ("unsubscribe", "avsluta", "avprenumerera", "sluta")
MAX_PERSONAL_DIGESTS = 5
MAX_ARGS = 200


@HANDLERS.command(
    "digest",
    aliases=("sammanställning", "sammanstallning", "sammanst"),
    role="manager",
    sv="sammanställning",
)
async def digest_command(turn: Turn, args: str) -> None:
    args = args.strip()[:MAX_ARGS]
    words = args.split()
    if words and words[0].lower() in SUBSCRIBE:
        await _subscribe(turn, " ".join(words[1:]))
        return
    if words and words[0].lower() in UNSUBSCRIBE:
        await _unsubscribe(turn, " ".join(words[1:]))
        return
    today = composer.today_local()
    units = await _live_units(turn)
    period: Period | None = None
    unit: Unit | None = None
    if args:
        try:
            period = resolve_period_arg(args, today)
        except ValueError:
            unit, period, unknown = _unit_and_period(args, units, today)
            if unit is None:
                if re.match(r"^(\d|[qk]\d)", args, re.I):
                    raise Refused("digest.bad_period", text=args[:40]) from None
                await turn.send_text(_unknown(turn, unknown, units))
                return
    period_arg = period.label if period else None
    if unit is None and turn.kind != "personal":
        unit = await turn.channel_unit()
        if unit is None:
            raise Refused("digest.no_unit")
    if unit is not None:
        assert unit.id is not None
        if turn.kind == "channel" and not await scope.reaches(turn, [unit.id]):
            # Everyone in the channel would see it: only the channel's own unit shows here.
            raise Refused("digest.not_here", unit=unit.name)
        if not await require(turn, unit, "manager"):
            return
        await _send_digest(turn, [unit], period, period_arg)
        return
    # Personal chat, no unit named: the units this person leads or subscribed to.
    await remember_conversation(turn)
    mine = await _my_units(turn, units)
    if not mine:
        raise Refused("digest.no_unit")
    await _send_digest(turn, mine[:MAX_PERSONAL_DIGESTS], period, period_arg)


def _unit_and_period(
    args: str, units: list[Unit], today: date
) -> tuple[Unit | None, Period | None, str]:
    """`<unit>` or `<unit> <period>`; else (None, None, the name not found)."""
    names = [u.name for u in units]
    whole = match_name(args, names)
    if whole:
        return next(u for u in units if u.name == whole), None, ""
    head, _, tail = args.rpartition(" ")
    if head:
        try:
            period = resolve_period_arg(tail, today)
        except ValueError:
            period = None
        if period is not None:
            name = match_name(head, names)
            if name:
                return next(u for u in units if u.name == name), period, ""
            return None, None, head
    return None, None, args


async def _send_digest(
    turn: Turn, units: list[Unit], period: Period | None, period_arg: str | None
) -> None:
    ids = [u.id for u in units if u.id is not None]
    data = await composer.load_units(turn.services.db, ids, period)
    for uid in ids:
        card, summary = composer.digest_card(data, uid, turn.lang, period_arg=period_arg)
        await turn.send_card(card, summary=summary)


async def _live_units(turn: Turn) -> list[Unit]:
    return await unit_service.live_units(turn.services.db)


async def _my_units(turn: Turn, units: list[Unit]) -> list[Unit]:
    keys = await turn.person_keys()
    led = await subscriptions.chosen_units(turn.services.db, keys, turn.user_id or "")
    # A subscription outlives a role taken away: only units the person may see today.
    return [u for u in units if u.id in led and await can_see_digest(turn, u.id)]


async def _subscribe(turn: Turn, name: str) -> None:
    if turn.kind != "personal":
        raise Refused("digest.personal_only")
    if not name.strip():
        raise Refused("digest.subscribe_usage")
    units = await _live_units(turn)
    unit = _match(units, name)
    if unit is None:
        await turn.send_text(_unknown(turn, name, units))
        return
    if not await require(turn, unit, "manager"):
        return
    await remember_conversation(turn)
    assert unit.id is not None and turn.user_id
    changed = await subscriptions.subscribe(turn.services.db, unit.id, turn.user_id)
    turn.services.notify_changes()
    key = "digest.subscribed" if changed else "digest.already_subscribed"
    await turn.send_text(turn.text(key, unit=unit.name))


async def _unsubscribe(turn: Turn, name: str) -> None:
    if turn.kind != "personal":
        raise Refused("digest.personal_only")
    units = await _live_units(turn)
    if name.strip():
        unit = _match(units, name)
        if unit is None:
            await turn.send_text(_unknown(turn, name, units))
            return
        targets = [unit]
    else:
        targets = await _my_units(turn, units)
    if not targets or not turn.user_id:
        raise Refused("digest.nothing_to_unsubscribe")
    await subscriptions.unsubscribe(
        turn.services.db, [u.id for u in targets if u.id is not None], turn.user_id
    )
    await turn.send_text(
        turn.text("digest.unsubscribed", units=", ".join(f"**{u.name}**" for u in targets))
    )


def _match(units: list[Unit], name: str) -> Unit | None:
    found = match_name(name.strip().strip("\"'«»“”"), [u.name for u in units])
    return next((u for u in units if u.name == found), None) if found else None


def _unknown(turn: Turn, name: str, units: list[Unit]) -> str:
    message = turn.text("digest.unknown_unit", name=name[:80])
    close = suggest_names(name, [u.name for u in units])
    if close:
        message += " " + turn.text("setup.suggest", names=", ".join(f"**{n}**" for n in close))
    return message


# ---------------------------------------------------------------------------
# Card actions


@dataclass(frozen=True)
class _Asked:
    """What a digest card's button asks about, with the digest data loaded for it."""

    unit_id: int
    period_arg: str | None
    data: composer.DigestData


async def _asked(turn: Turn, data: dict[str, Any]) -> _Asked | None:
    """The unit and period the button names, loaded; None once the person was told they
    lack the role. A unit outside this person's reach here answers as one that does not
    exist."""
    unit = await scope.find(turn, Unit, data.get("unit_id"))
    if unit is None or unit.id is None:
        raise Refused("error.bad_action")
    if not await require(turn, unit, "manager"):
        return None
    raw = data.get("period")
    period: Period | None = None
    if isinstance(raw, str) and raw:
        try:
            period = resolve_period_arg(raw, composer.today_local())
        except ValueError:
            period = None
    loaded = await composer.load_units(turn.services.db, [unit.id], period)
    return _Asked(unit.id, period.label if period else None, loaded)


async def _replace_card(turn: Turn, card: dict[str, Any]) -> None:
    """Invoke (Action.Execute): the card in the response replaces the message.
    Message (Action.Submit fallback in older clients): update the message by id."""
    if turn.is_invoke:
        turn.set_invoke_card(card)
        return
    reply_to = turn.ctx.activity.reply_to_id
    if reply_to:
        await turn.update_card(reply_to, card)
    else:
        await turn.send_card(card)


@HANDLERS.action(EXPAND_VERB)
async def expand(turn: Turn, data: dict[str, Any]) -> None:
    asked = await _asked(turn, data)
    if asked is None:
        return
    card, _ = composer.digest_card(
        asked.data,
        asked.unit_id,
        turn.lang,
        period_arg=asked.period_arg,
        expanded=bool(data.get("expanded")),
        page=data["page"] if isinstance(data.get("page"), int) else 1,
    )
    await _replace_card(turn, card)


@HANDLERS.action(COUNTY_UNITS_VERB)
async def county_units(turn: Turn, data: dict[str, Any]) -> None:
    asked = await _asked(turn, data)
    if asked is None:
        return
    loaded = asked.data
    county = composer.county_digest(loaded, asked.unit_id, asked.period_arg)
    key = str(data.get("indicator") or "")
    row = next((r for r in county.rows if r.defn.key == key), None)
    if row is None:
        raise Refused("error.bad_action")
    page = data.get("page")
    page_no = page if isinstance(page, int) and not isinstance(page, bool) else 1
    ind_id = next(i for i, d in loaded.defs if d.key == key)
    unit_ids = composer.county_units(loaded, asked.unit_id)
    targets = {u: loaded.targets.get((ind_id, u), row.defn.target) for u in unit_ids}
    await _replace_card(turn, county_units_card(county, row, unit_ids, targets, page_no, turn.lang))


async def can_see_digest(turn: Turn, unit_id: int) -> bool:
    return allows(await roles_for_unit(turn, unit_id), "manager")
