"""People, not rooms: the personal chat's own commands and the nudge card's buttons.

    mitt | mine                              everything waiting for me, with buttons
    påminnelser | nudges [daglig|veckovis|brådskande]   how often I am nudged
    påminn mig om <n> dagar | snooze <n> [days]         pause my nudges (org-file maximum)

Card action: `nudge.snooze` (one row of my nudge, for some days). Everything here is
about the person themself: their own preference, their own snoozes, and rows computed
from what they may see (services/nudges.py); no unit's data is shown beyond that.
"""

from __future__ import annotations

import re
from typing import Any

from bot.router import Router
from bot.turn import Turn
from bot.unit_choice import own_units
from cards.nudges import SNOOZE_VERB, mine_card
from core import nudges as rules
from core.escalation import local_date
from core.refusal import Refused
from i18n import format as fmt
from services import nudges as service
from storage.types import utcnow

HANDLERS = Router()

_SUBJECT = re.compile(r"^(?:action|item|answer|pulse):[A-Za-z0-9_-]{1,40}$|^\*$")


def _person(turn: Turn) -> tuple[str, str]:
    if not turn.user_id:
        raise Refused("nudges.personal_only")
    return turn.person_tenant, turn.user_id


@HANDLERS.command("mine", aliases=("mitt", "mina"), scopes=("personal",), sv="mitt")
async def mine_command(turn: Turn, args: str) -> None:
    tenant, oid = _person(turn)
    now = utcnow()
    units = [u.id for u in await own_units(turn) if u.id is not None]
    rows, meetings, names = await service.mine(
        turn.services.db,
        tenant,
        oid,
        units,
        now,
        turn.services.settings.server_secret(),
        turn.lang,
    )
    lines = [(m.unit, m.name, fmt.when(turn.lang, m.starts_at, end=m.ends_at)) for m in meetings]
    await turn.send_card(
        mine_card(turn.lang, rows, names, local_date(now), lines),
        summary=turn.text("mine.title"),
    )


@HANDLERS.command(
    "nudges", aliases=("påminnelser", "paminnelser"), scopes=("personal",), sv="påminnelser"
)
async def nudges_command(turn: Turn, args: str) -> None:
    tenant, oid = _person(turn)
    pref = rules.parse_pref(args)
    if pref is None:
        current = await service.preference(turn.services.db, tenant, oid)
        raise Refused("nudges.usage", current=current)
    async with turn.services.db.session() as s:
        await service.set_preference(s, tenant, oid, pref)
    await turn.send_text(turn.text(f"nudges.set.{pref}"))


async def _snooze(turn: Turn, subject: str, days: int) -> None:
    tenant, oid = _person(turn)
    today = local_date(utcnow())
    policy = await _policy(turn)
    try:
        until = rules.snooze_until(today, days, policy)
    except rules.SnoozeTooLong:
        raise Refused("snooze.too_long", max=policy.snooze_max_days) from None
    async with turn.services.db.session() as s:
        await service.snooze(s, tenant, oid, subject, until)
    await turn.send_text(turn.text("snooze.done", day=fmt.day_month(turn.lang, until, today)))


async def _policy(turn: Turn) -> rules.Policy:
    """The strictest snooze maximum of the person's units (the default without any)."""
    policies = [rules.policy_for(u.defaults) for u in await own_units(turn)]
    if not policies:
        return rules.DEFAULT_POLICY
    return min(policies, key=lambda p: p.snooze_max_days)


@HANDLERS.command(
    "snooze", aliases=("påminn", "paminn", "pausa"), scopes=("personal",), sv="påminn"
)
async def snooze_command(turn: Turn, args: str) -> None:
    days = rules.parse_snooze(f"påminn {args}") or rules.parse_snooze(f"snooze {args}")
    if days is None:
        raise Refused("snooze.usage", max=(await _policy(turn)).snooze_max_days)
    await _snooze(turn, rules.ALL, days)


@HANDLERS.action(SNOOZE_VERB)
async def snooze_action(turn: Turn, data: dict[str, Any]) -> None:
    subject = data.get("subject")
    days = data.get("days")
    if (
        not isinstance(subject, str)
        or not _SUBJECT.match(subject)
        or not isinstance(days, int)
        or isinstance(days, bool)
    ):
        raise Refused("error.bad_action")
    await _snooze(turn, subject, days)
