"""Indicator alerts: check newly imported values and tell the unit (core/alerts.py rules).

`check(session, keys, lang)` evaluates the given (indicator id, unit id, period) values
and queues an alert card to the unit's channel for each that crosses its target or
worsens three periods running; the outbox key (`alert:{indicator}:{unit}:{period}:{kind}`)
makes a second check of the same value a no-op. Who is named comes from
`core.alerts.alert_recipients`; where it is posted is this module's choice (the unit's
channel; a unit without one is logged), so it can be rerouted to personal messages
without touching the rule.

`alerts_job` (kind `indicator_alerts`, daily) checks every value imported in the last
`payload.lookback_days` (default 8) days, so values from any path (a file in Teams, the
CLI, the Kolada refresh) are covered; a Teams import also checks at once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from cards.alerts import alert_card
from cards.base import card_message
from core.alerts import RUNNING, Alert, alert_for, alert_recipients
from core.indicators import Definition, Period, parse_period
from i18n.texts import t
from services.context import JobContext
from storage import indicators_repo, org_facts, outbox_repo, schedules_repo
from storage.indicator_models import IndicatorValue
from storage.models import Schedule

log = logging.getLogger(__name__)

KIND = "indicator_alerts"
SCHEDULE_KEY = "indicators:alerts"
TRIGGER = {"hour": 7, "minute": 30}
LOOKBACK_DAYS = 8

Key = tuple[int, int, str]  # indicator id, unit id, period label


async def evaluate(
    session: AsyncSession, keys: Iterable[Key]
) -> list[tuple[Key, Definition, Alert]]:
    """The alerts the values at these keys raise (nothing written)."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return []
    defs = dict(await indicators_repo.load_definitions(session))
    targets = await indicators_repo.unit_targets(session)
    windows: dict[int, tuple[Period, Period]] = {}
    periods: dict[str, Period] = {}
    for ind, _, label in wanted:
        if ind not in defs:
            continue
        p = periods.setdefault(label, parse_period(label))
        first, last = windows.get(ind, (p, p))
        windows[ind] = (min(first, p.shift(-(RUNNING + 12))), max(last, p))
    stored = await indicators_repo.load_values(session, windows, {u for _, u, _ in wanted})
    out: list[tuple[Key, Definition, Alert]] = []
    for key in wanted:
        ind, unit_id, label = key
        defn = defs.get(ind)
        if defn is None:
            continue
        series = {p: v for p, (v, _) in stored.get(ind, {}).get(unit_id, {}).items()}
        target = targets.get((ind, unit_id), defn.target)
        alert = alert_for(defn, series, periods[label], target)
        if alert is not None:
            out.append((key, defn, alert))
    return out


async def check(session: AsyncSession, keys: Iterable[Key], lang: str) -> int:
    """Queue an alert card for each value that raises one; returns how many were new."""
    found = await evaluate(session, keys)
    if not found:
        return 0
    facts = await org_facts.load(session)
    names = {u.id: u.name for u in await indicators_repo.live_units(session) if u.id is not None}
    posted = 0
    for (ind, unit_id, label), defn, alert in found:
        if unit_id not in names:
            continue
        recipients = alert_recipients(unit_id, facts.parents, facts.people)
        content = alert_card(
            lang,
            alert,
            defn,
            indicator_id=ind,
            unit_id=unit_id,
            unit_name=names[unit_id],
            recipients=recipients,
        )
        summary = t(lang, "alert.title", indicator=defn.name(lang), unit=names[unit_id])
        key = f"alert:{ind}:{unit_id}:{label}:{alert.kind.value}"
        queued = await outbox_repo.enqueue_to_unit(
            session, unit_id, key, card_message(content, summary)
        )
        if queued is None:
            log.info("alert for unit %s: no channel bound; not posted", unit_id)
        elif queued:
            posted += 1
    return posted


async def recent_keys(session: AsyncSession, since: datetime) -> list[Key]:
    rows = await session.execute(
        sa_select(
            col(IndicatorValue.indicator_id),
            col(IndicatorValue.unit_id),
            col(IndicatorValue.period),
        ).where(col(IndicatorValue.imported_at) > since)
    )
    return [(i, u, p) for i, u, p in rows.all()]


async def alerts_job(
    session: AsyncSession, schedule: Schedule, occurrence_at: datetime, context: JobContext
) -> None:
    days = int(schedule.payload.get("lookback_days") or LOOKBACK_DAYS)
    keys = await recent_keys(session, occurrence_at - timedelta(days=days))
    posted = await check(session, keys, context.language)
    log.info("indicator alerts: %d values checked, %d alerts posted", len(keys), posted)


async def ensure_schedule(session: AsyncSession) -> None:
    await schedules_repo.upsert_schedule(session, SCHEDULE_KEY, KIND, None, TRIGGER)
