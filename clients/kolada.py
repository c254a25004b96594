"""Kolada (RKA's open municipal statistics) API v3 client and import.

    GET {base}/data/kpi/{kpi}/municipality/{m1,m2,...}/year/{y1,y2,...}

answers

    {"count": 2, "values": [{"kpi": "N00945", "municipality": "2380", "period": 2024,
      "values": [{"gender": "T", "count": 1, "status": "", "value": 12.3}, ...]}, ...],
     "next_url": "https://api.kolada.se/v3/...&page=2" | null, "previous_url": ...}

Pages are followed through `next_url` until it is empty. Kolada refuses long year
lists, so years go 25 to a request. Only the total (`gender` "T") is used; a value
Kolada has not got (`value` null) is skipped. Figures are credited "Källa: Kolada"
(Kolada's licence asks for that attribution). No key or account is needed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession

from storage import indicators_repo
from storage.indicators_repo import UpsertResult, ValueIn

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.kolada.se/v3"
SOURCE = "Källa: Kolada"
YEARS_PER_REQUEST = 25
MUNICIPALITIES_PER_REQUEST = 50
MAX_PAGES = 500


class KoladaError(Exception):
    pass


@dataclass(frozen=True)
class KoladaValue:
    kpi: str
    municipality: str
    year: int
    value: float


def parse_years(text: str) -> list[int]:
    """`2022-2025`, `2022,2024` or `2024` -> years; ValueError otherwise."""
    years: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-", 1)
            lo, hi = int(a), int(b)
            if lo > hi or hi - lo > 100:
                raise ValueError(f"bad year range {part!r}")
            years.update(range(lo, hi + 1))
        else:
            years.add(int(part))
    if not years or any(not 1900 <= y <= 2200 for y in years):
        raise ValueError(f"no valid years in {text!r}")
    return sorted(years)


class KoladaClient:
    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        session: aiohttp.ClientSession | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def data(
        self, kpi: str, municipalities: Sequence[str], years: Sequence[int]
    ) -> list[KoladaValue]:
        if not kpi.replace("_", "").isalnum():
            raise KoladaError(f"not a Kolada KPI id: {kpi!r}")
        own = self._session is None
        session = self._session or aiohttp.ClientSession(timeout=self._timeout)
        out: list[KoladaValue] = []
        try:
            munis = sorted(set(municipalities))
            for m_start in range(0, len(munis), MUNICIPALITIES_PER_REQUEST):
                m_part = ",".join(munis[m_start : m_start + MUNICIPALITIES_PER_REQUEST])
                for y_start in range(0, len(years), YEARS_PER_REQUEST):
                    y_part = ",".join(str(y) for y in years[y_start : y_start + YEARS_PER_REQUEST])
                    url = f"{self.base_url}/data/kpi/{kpi}/municipality/{m_part}/year/{y_part}"
                    out.extend(await self._pages(session, url))
        finally:
            if own:
                await session.close()
        return out

    async def _pages(self, session: aiohttp.ClientSession, url: str) -> list[KoladaValue]:
        out: list[KoladaValue] = []
        seen: set[str] = set()
        next_url: str | None = url
        while next_url:
            if next_url in seen or len(seen) >= MAX_PAGES:
                raise KoladaError(f"paging does not end at {next_url}")
            seen.add(next_url)
            try:
                async with session.get(next_url, timeout=self._timeout) as resp:
                    if resp.status != 200:
                        raise KoladaError(f"Kolada answered {resp.status} for {next_url}")
                    body = await resp.json(content_type=None)
            except aiohttp.ClientError as exc:
                raise KoladaError(f"Kolada not reachable: {type(exc).__name__}: {exc}") from exc
            if not isinstance(body, dict) or not isinstance(body.get("values"), list):
                raise KoladaError("unexpected answer from Kolada (no 'values' list)")
            out.extend(parse_values(body["values"]))
            raw_next = body.get("next_url")
            next_url = str(raw_next) if raw_next else None
        return out


def parse_values(items: list[Any]) -> list[KoladaValue]:
    out: list[KoladaValue] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        try:
            year = int(item["period"])
            muni = str(item["municipality"])
            kpi = str(item["kpi"])
        except (KeyError, TypeError, ValueError):
            continue
        for v in item.get("values") or []:
            if not isinstance(v, dict) or v.get("gender", "T") != "T":
                continue
            value = v.get("value")
            if isinstance(value, int | float) and not isinstance(value, bool):
                out.append(KoladaValue(kpi, muni, year, float(value)))
    return out


@dataclass
class KoladaReport:
    indicators: list[str] = field(default_factory=list)
    fetched: int = 0
    result: UpsertResult = field(default_factory=UpsertResult)
    units_without_code: int = 0


async def import_kpi(
    session: AsyncSession, client: KoladaClient, kpi: str, years: Sequence[int]
) -> KoladaReport:
    """Fetch `kpi` for every municipality the org file maps to a unit and upsert it
    into each indicator defined with that `kolada_kpi` (which must be yearly)."""
    defs = [
        (i, d) for i, d in await indicators_repo.load_definitions(session) if d.kolada_kpi == kpi
    ]
    if not defs:
        raise KoladaError(f"no indicator has kolada_kpi: {kpi} (add it to the indicator file)")
    for _, d in defs:
        if d.period_kind != "year":
            raise KoladaError(
                f"{d.key}: Kolada figures are yearly, but the indicator is per {d.period_kind}"
            )
    units = await indicators_repo.live_units(session)
    by_code = indicators_repo.units_by_kolada(units)
    report = KoladaReport(indicators=[d.key for _, d in defs])
    report.units_without_code = sum(1 for u in units if not u.kolada_id and u.level != "macro")
    if not by_code:
        raise KoladaError("no unit has a kolada_id in the org file")
    fetched = await client.data(kpi, list(by_code), years)
    report.fetched = len(fetched)
    rows = [
        ValueIn(ind, uid, str(v.year), v.value, None, SOURCE)
        for v in fetched
        for uid in by_code.get(v.municipality, [])
        for ind, _ in defs
    ]
    report.result = await indicators_repo.upsert_values(session, rows)
    return report
