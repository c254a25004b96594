"""Indicator alerts: check newly imported values and tell the unit (core/alerts.py rules).

`check(session, keys, lang)` evaluates the given (indicator id, unit id, period) values
and, for each that crosses its target or worsens three periods running, tells its
recipients (`core.alerts.alert_recipients`: the unit's managers and coordinators).
Those the bot reaches personally (core/tenancy.py `reach`) hear of it in their daily
nudge, or at once where the org file marks `indicator_alert` urgent
(services/alert_nudges.py); for the others (another organisation, never seen, left)
an alert card goes to the unit's channel, mentioning those it knows. The outbox key
(`alert:{indicator}:{unit}:{period}:{kind}`) makes a second check of the same value a
no-op; a unit without a channel is logged.

`alerts_job` (kind `indicator_alerts`, daily) checks every value imported in the last
`payload.lookback_days` (default 8) days, so values from any path (a file in Teams, the
CLI, the Kolada refresh) are covered; a Teams import also checks at once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from cards.alerts import alert_card
from cards.base import card_message
from core.alerts import RUNNING, Alert, alert_for, alert_recipients
from core.indicators import Definition, Period, parse_period
from i18n.texts import t
from services import alert_nudges, mentions
from services.context import JobContext
from storage import indicators_repo, org_facts, outbox_repo, schedules_repo
from storage.indicator_models import IndicatorValue
from storage.models import Person, Schedule

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


async def _in_channel(
    session: AsyncSession, recipients: list[str], own_tenant: str | None
) -> tuple[list[str], list[mentions.Mentioned], int]:
    """Of the recipients, those told in the channel: (named as written, mentioned), and
    how many are told personally instead (services/alert_nudges.py)."""
    known = await people_by_ident(session, recipients)
    named: list[str] = []
    mentioned: list[mentions.Mentioned] = []
    personal = 0
    for ident in recipients:
        person = known.get(ident) or known.get(ident.lower())
        if alert_nudges.personally_reachable(person, own_tenant):
            personal += 1
        elif person is not None:
            shown = person.display_name or person.upn or person.aad_object_id
            mentioned.append(mentions.Mentioned(person.aad_object_id, shown))
        else:
            named.append(ident)
    return named, mentioned, personal


async def people_by_ident(session: AsyncSession, idents: list[str]) -> dict[str, Person]:
    """People known to the bot by UPN (lower case) or object id."""
    wanted = [i for i in idents if i]
    if not wanted:
        return {}
    rows = await session.execute(
        select(Person).where(
            or_(
                col(Person.upn).in_([i.lower() for i in wanted]),
                col(Person.aad_object_id).in_(wanted),
            )
        )
    )
    out: dict[str, Person] = {}
    for p in rows.scalars().all():
        out.setdefault(p.aad_object_id, p)
        if p.upn:
            out.setdefault(p.upn.lower(), p)
    return out


async def check(
    session: AsyncSession, keys: Iterable[Key], lang: str, *, own_tenant: str | None = None
) -> int:
    """Queue an alert card in the unit's channel for each value that raises one, naming
    (mentioning where known) the recipients who cannot be reached personally; those who
    can are told in their daily nudge (services/alert_nudges.py) and the channel gets no
    card when that is everyone. `own_tenant` None: anonymous local mode. Returns how
    many cards were new."""
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
        named, mentioned, personal = await _in_channel(session, recipients, own_tenant)
        if recipients and personal == len(recipients):
            continue  # everyone hears of it personally
        content = alert_card(
            lang,
            alert,
            defn,
            indicator_id=ind,
            unit_id=unit_id,
            unit_name=names[unit_id],
            recipients=named,
        )
        content = mentions.add_line(content, t(lang, "alert.for_mention"), mentioned)
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
    posted = await check(session, keys, context.language, own_tenant=context.own_tenant)
    log.info("indicator alerts: %d values checked, %d alerts posted", len(keys), posted)


async def ensure_schedule(session: AsyncSession) -> None:
    await schedules_repo.upsert_schedule(session, SCHEDULE_KEY, KIND, None, TRIGGER)
