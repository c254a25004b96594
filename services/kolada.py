"""Kolada use cases: search the KPI catalogue, import the KPIs the indicators name (for
the org's municipalities and regions, and for the comparison areas: riket, the county,
the peer group), and the scheduled refresh.

The refresh (`refresh_job`, kind `kolada_refresh`, weekly by default; the org file's
`defaults.kolada.refresh` sets the cadence, e.g. "weekly monday 06:00" or "off") asks
Kolada only for figures changed since the last Kolada import (its `from_date`), over the
last `years` years (payload, default 5), and writes only values that differ
(storage/indicators_repo.py `upsert_values`). Kolada is asked with no transaction open:
the firing transaction only records the run, the refresh runs once it has committed
(scheduler/kinds.py `AFTER_COMMIT`), reads what to ask for, asks, and writes the answers
in one short transaction, so a slow Kolada holds no lock (on SQLite: blocks no writer).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from clients.kolada import SOURCE, KoladaClient, KoladaError, KoladaKpi, KoladaValue
from core import indicators as ind
from core.comparison import Areas, areas_of
from services.context import JobContext
from storage import comparisons_repo, indicators_repo, schedules_repo
from storage.comparisons_repo import ComparisonIn
from storage.db import Database
from storage.indicators_repo import UpsertResult, ValueIn
from storage.models import Schedule

log = logging.getLogger(__name__)

KIND = "kolada_refresh"
SCHEDULE_KEY = "kolada:refresh"
DEFAULT_CADENCE = "weekly monday 06:00"
DEFAULT_YEARS = 5


async def search(client: KoladaClient, words: str, limit: int = 15) -> list[KoladaKpi]:
    return await client.search_kpis(words, limit=limit)


async def comparison_areas(session: AsyncSession) -> Areas:
    """The county's comparison areas, from its (first) macro unit."""
    for unit in await indicators_repo.live_units(session):
        if unit.level == "macro":
            areas = areas_of(unit.kolada_id, unit.defaults)
            if areas.region or areas.peers:
                return areas
    return Areas()


@dataclass
class KpiImport:
    kpi: str
    indicators: list[str]
    fetched: int = 0
    values: UpsertResult = field(default_factory=UpsertResult)
    comparisons: int = 0
    problem: str | None = None


@dataclass(frozen=True)
class _Wanted:
    """What to ask Kolada for, read from the database before asking."""

    by_kpi: dict[str, list[tuple[int, ind.Definition]]]
    by_code: dict[str, list[int]]
    areas: Areas


async def _wanted(
    session: AsyncSession, kpis: Sequence[str] | None, codes: Sequence[str] | None
) -> _Wanted:
    by_kpi: dict[str, list[tuple[int, ind.Definition]]] = defaultdict(list)
    for i, d in await indicators_repo.load_definitions(session):
        if d.kolada_kpi and (kpis is None or d.kolada_kpi in kpis):
            by_kpi[d.kolada_kpi].append((i, d))
    if kpis:
        missing = [k for k in kpis if k not in by_kpi]
        if missing:
            raise KoladaError(
                f"no indicator has kolada_kpi: {', '.join(missing)} (add it to the indicator file)"
            )
    units = await indicators_repo.live_units(session)
    by_code = indicators_repo.units_by_kolada(units)
    if codes is not None:
        by_code = {c: ids for c, ids in by_code.items() if c in codes}
    return _Wanted(by_kpi, by_code, await comparison_areas(session))


async def import_kpis(
    db: Database,
    client: KoladaClient,
    years: Sequence[int],
    *,
    kpis: Sequence[str] | None = None,
    codes: Sequence[str] | None = None,
    since: date | None = None,
) -> list[KpiImport]:
    """Import every KPI an indicator names (or only `kpis`), for the org's units with a
    `kolada_id` (or only those with one of `codes`: a municipality or a region), and the
    comparison areas. A KPI Kolada refuses is reported, the others still imported.
    Kolada is asked with no transaction open; the answers are written in one short one."""
    async with db.read() as session:
        wanted = await _wanted(session, kpis, codes)
    out: list[KpiImport] = []
    answered: list[tuple[KpiImport, list[int], list[KoladaValue]]] = []
    for kpi, defs in sorted(wanted.by_kpi.items()):
        report = KpiImport(kpi, [d.key for _, d in defs])
        out.append(report)
        yearly = [i for i, d in defs if d.period_kind == "year"]
        if not yearly:
            report.problem = "Kolada figures are yearly; the indicator is not"
            continue
        asked = sorted(set(wanted.by_code) | set(wanted.areas.codes if codes is None else ()))
        if not asked:
            report.problem = "no unit has a kolada_id in the org file"
            continue
        try:
            fetched = await client.data(kpi, asked, years, since=since)
        except KoladaError as exc:
            report.problem = str(exc)
            continue
        report.fetched = len(fetched)
        answered.append((report, yearly, fetched))
    if answered:
        async with db.session() as session:
            for report, yearly, fetched in answered:
                await _write(session, report, yearly, fetched, wanted)
    return out


async def _write(
    session: AsyncSession,
    report: KpiImport,
    indicators: list[int],
    fetched: list[KoladaValue],
    wanted: _Wanted,
) -> None:
    """One KPI's answer: the units' values and the comparison areas' figures."""
    rows = [
        ValueIn(i, uid, str(v.year), v.value, None, SOURCE)
        for v in fetched
        for uid in wanted.by_code.get(v.municipality, [])
        for i in indicators
    ]
    report.values = await indicators_repo.upsert_values(session, rows)
    comparison_codes = set(wanted.areas.codes)
    report.comparisons = await comparisons_repo.upsert(
        session,
        [
            ComparisonIn(i, v.municipality, str(v.year), v.value)
            for v in fetched
            if v.municipality in comparison_codes
            for i in indicators
        ],
    )


def refresh_years(today: date, count: int) -> list[int]:
    return list(range(today.year - max(count, 1), today.year + 1))


async def refresh_job(
    db: Database, schedule: Schedule, occurrence_at: datetime, context: JobContext
) -> None:
    """Import what Kolada changed since the last Kolada import. Runs after the firing
    transaction has committed (scheduler/kinds.py `AFTER_COMMIT`), with the database."""
    count = int(schedule.payload.get("years") or DEFAULT_YEARS)
    async with db.read() as session:
        last = await comparisons_repo.last_import(session, SOURCE)
    since = (last - timedelta(days=1)).date() if last is not None else None
    client = KoladaClient(context.kolada_base_url)
    reports = await import_kpis(db, client, refresh_years(occurrence_at.date(), count), since=since)
    for r in reports:
        if r.problem:
            log.warning("kolada refresh %s: %s", r.kpi, r.problem)
        else:
            log.info(
                "kolada refresh %s: %d fetched, %d new, %d changed, %d comparisons",
                r.kpi,
                r.fetched,
                r.values.inserted,
                r.values.updated,
                r.comparisons,
            )


async def ensure_schedule(session: AsyncSession) -> bool:
    """The refresh schedule from the macro unit's `defaults.kolada.refresh` (default
    weekly); "off" deactivates it. True if active."""
    cadence: str | None = None
    for unit in await indicators_repo.live_units(session):
        kolada = (unit.defaults or {}).get("kolada") if unit.level == "macro" else None
        if isinstance(kolada, dict) and kolada.get("refresh"):
            cadence = str(kolada["refresh"])
            break
    try:
        trigger = ind.digest_trigger(cadence or DEFAULT_CADENCE)
    except ValueError:
        log.warning("kolada refresh cadence %r not understood; weekly", cadence)
        trigger = ind.digest_trigger(DEFAULT_CADENCE)
    if trigger is None:
        await schedules_repo.deactivate_schedule(session, SCHEDULE_KEY)
        return False
    await schedules_repo.upsert_schedule(session, SCHEDULE_KEY, KIND, None, trigger)
    return True
