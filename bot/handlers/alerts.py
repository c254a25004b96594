"""The alert card's button: raise an item carrying the figures (cards/alerts.py).

The card's data names an indicator, a unit and a period; the unit must be within reach
here (bot/scope.py: in a channel, the unit it is bound to; in a personal chat, where the
button comes on the nudge row, a unit the person holds a role in or above), and the
figures are read again from the database, never taken from the card. Anyone in the
unit's channel may raise an item, as with `ärende`; raised from a personal chat, the
item's card goes to the unit's channel too. One alert raises one item: a second press
(the same figures, the item still open) shows the item already raised.
"""

from __future__ import annotations

from typing import Any

from bot import guard
from bot.handlers.items import post_new
from bot.router import Router
from bot.scope import find
from bot.turn import Turn
from cards import items as item_cards
from cards.alerts import RAISE_VERB
from core.alerts import alert_for
from core.indicators import Period, parse_period
from core.item_values import NewItem
from core.refusal import Refused
from core.scope import CHANNEL
from i18n import format as fmt
from services import escalation
from services import items as item_service
from storage import indicators_repo, items_repo
from storage.items_repo import MAX_TITLE
from storage.models import Unit
from storage.types import utcnow

HANDLERS = Router()


@HANDLERS.action(RAISE_VERB)
async def raise_from_alert(turn: Turn, data: dict[str, Any]) -> None:
    unit = await find(turn, Unit, data.get("unit_id"))
    if unit is None or unit.id is None:  # another unit's id answers like a missing value
        raise Refused("alert.gone")
    indicator_id = data.get("indicator_id")
    try:
        period = parse_period(str(data.get("period") or ""))
    except ValueError:
        raise Refused("alert.gone") from None
    db = turn.services.db
    async with db.read() as s:
        defs = dict(await indicators_repo.load_definitions(s))
        defn = defs.get(indicator_id) if isinstance(indicator_id, int) else None
        if defn is None or period.kind != defn.period_kind:
            raise Refused("alert.gone")
        assert isinstance(indicator_id, int)
        window = {indicator_id: (period.shift(-12), period)}
        stored = await indicators_repo.load_values(s, window, [unit.id])
        target = (await indicators_repo.unit_targets(s)).get((indicator_id, unit.id), defn.target)
    series: dict[Period, float] = {
        p: v for p, (v, _) in stored.get(indicator_id, {}).get(unit.id, {}).items()
    }
    if period not in series:
        raise Refused("alert.gone")
    lang = turn.lang
    alert = alert_for(defn, series, period, target)
    shown = alert.values if alert is not None else tuple(sorted(series.items())[-4:])
    measure = lambda v: fmt.with_unit(lang, v, defn.decimals, defn.unit)  # noqa: E731
    title = turn.text(
        "alert.item_title",
        indicator=defn.name(lang),
        value=measure(series[period]),
        period=fmt.period(lang, period),
        target=measure(target),
    )[:MAX_TITLE]
    kind = turn.text(f"alert.kind.{alert.kind.value}") if alert else "–"
    values = ", ".join(f"{fmt.period(lang, p)} {measure(v)}" for p, v in shown)
    description = turn.text("alert.item_text", kind=kind, values=values)
    guard.check(title, description, None)
    # The alert reaches several people (channel, personal chats): a second press, by
    # anyone, shows the item the first raised instead of raising it again.
    async with db.read() as s:
        raised = await items_repo.open_item_titled(s, unit.id, title)
    if raised is not None:
        found = await item_service.show(db, raised, utcnow())
        if found is not None:
            headline = [turn.text("alert.already", id=raised)]
            existing = item_cards.item_card(
                lang, found.view, headline=headline, suggested_due=found.suggested_due
            )
            await turn.send_card(existing, summary=headline[0])
            return
    item, card = await post_new(turn, unit, NewItem(title, description=description))
    if turn.kind != CHANNEL:
        # Raised from a personal chat (the alert's nudge row): the unit's channel, where
        # the item is worked, gets its card too.
        async with db.session() as s:
            await escalation.post_to_unit(
                s, item, unit.id, "item", card, turn.text("item.head.created")
            )
