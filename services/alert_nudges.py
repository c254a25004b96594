"""Indicator alerts told personally: rows of the daily nudge (services/nudges.py).

An alert (core/alerts.py) is for the unit's managers and coordinators (or its nearest
ancestor's). Those the bot can reach personally (core/tenancy.py `reach`: people of the
bot's own tenant, seen at least once) hear of it in their personal chat as a row of
their daily nudge, with the alert card's "Lyft som ärende" button; so a manager gets at
most one message a day, as with everything else waiting for them. Where the org file
marks `indicator_alert` urgent, it goes at once (the next nudge run inside the window)
as its own card. Who cannot be reached personally is told in the unit's channel by
services/alerts.py, at the time of the import (`personally_reachable` decides both).

Nothing is stored: the rows are derived from the values imported in the last
`LOOKBACK_DAYS` days (`imported_at`), and core/nudges.py `alert_due` puts each in
exactly one nudge per person.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from cards.alerts import alert_text
from core import escalation as esc
from core import nudges as rules
from core.alerts import alert_recipients
from core.tenancy import reach
from services.people import language_of
from storage import org_facts
from storage.indicator_models import IndicatorValue
from storage.models import Person

KIND = "indicator_alert"
LOOKBACK_DAYS = 14  # covers a weekly nudge after a holiday week

PersonKey = tuple[str, str]


def personally_reachable(person: Person | None, own_tenant: str | None) -> bool:
    """Whether an alert for this person goes to their personal chat (else: the channel).

    `own_tenant` None is anonymous local mode (one tenant, everyone reachable)."""
    if person is None or person.left_at is not None:
        return False
    return reach(person.tenant_id, own_tenant, local=own_tenant is None).personal


def subject(indicator_id: int, unit_id: int, period: str) -> str:
    return f"alert:{indicator_id}:{unit_id}:{period}"


def parse_subject(value: str) -> tuple[int, int, str] | None:
    """(indicator id, unit id, period label) of an alert row's subject."""
    parts = value.split(":", 3)
    if len(parts) != 4 or parts[0] != "alert" or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    return int(parts[1]), int(parts[2]), parts[3]


async def _imported_since(
    session: AsyncSession, since: datetime
) -> dict[tuple[int, int, str], date]:
    rows = await session.execute(
        sa_select(
            col(IndicatorValue.indicator_id),
            col(IndicatorValue.unit_id),
            col(IndicatorValue.period),
            col(IndicatorValue.imported_at),
        ).where(col(IndicatorValue.imported_at) > since)
    )
    return {(i, u, p): esc.local_date(at) for i, u, p, at in rows.all()}


async def waiting_alerts(
    session: AsyncSession,
    now: datetime,
    people: dict[PersonKey, Person],
    key_of: Iterable[tuple[str, PersonKey]],
    *,
    own_tenant: str | None,
    lang: str,
) -> dict[PersonKey, list[rules.Waiting]]:
    """The alerts raised by values imported in the last LOOKBACK_DAYS, as nudge rows for
    each recipient who is reached personally, written in the recipient's language (`lang`
    for those who chose none); `due` is the day the value was imported."""
    from services.alerts import evaluate  # services.alerts imports this module

    imported = await _imported_since(session, now - timedelta(days=LOOKBACK_DAYS))
    if not imported:
        return {}
    found = await evaluate(session, imported)
    if not found:
        return {}
    facts = await org_facts.load(session)
    by_ident = dict(key_of)
    out: dict[PersonKey, list[rules.Waiting]] = defaultdict(list)
    for (ind, unit_id, label), defn, alert in found:
        rows: dict[str, rules.Waiting] = {}
        for ident in alert_recipients(unit_id, facts.parents, facts.people):
            key = by_ident.get(ident) or by_ident.get(ident.lower())
            person = people.get(key) if key is not None else None
            if key is None or not personally_reachable(person, own_tenant):
                continue
            reader = language_of(person, lang)
            if reader not in rows:
                rows[reader] = rules.Waiting(
                    KIND,
                    subject(ind, unit_id, label),
                    unit_id,
                    f"{defn.name(reader)}: {alert_text(reader, alert, defn)}",
                    label,
                    imported[(ind, unit_id, label)],
                )
            out[key].append(rows[reader])
    return dict(out)
