"""Kolada (RKA's open municipal statistics) API v3 client and import.

    GET {base}/data/kpi/{kpi}/municipality/{m1,m2,...}/year/{y1,y2,...}[?from_date=D]
    GET {base}/kpi?title={words}[&per_page=N]                the KPI catalogue
    GET {base}/municipality_group?title={words}               municipality groups

answer

    {"count": 2, "values": [{"kpi": "N00945", "municipality": "2380", "period": 2024,
      "values": [{"gender": "T", "count": 1, "status": "", "value": 12.3}, ...]}, ...],
     "next_page": "https://api.kolada.se/v3/...&page=2" | null, "previous_page": ...}

(a KPI: {"id", "title", "description", "operating_area", "municipality_type" K|L|A,
"is_divided_by_gender", "has_ou_data", "publication_date", ...}). Pages are followed
through `next_page` (`next_url`, the older name, is read too) until it is empty, with a
guard against a page that links to itself. Errors come as a non-200 status with a JSON
body, `{"detail": "..."}` or FastAPI's validation list `{"detail": [{"loc", "msg",
"type"}]}`; the message is passed on. Kolada refuses long year lists, so years go 25 to
a request. Municipality codes are four digits: "0000" is Sweden as a whole (riket),
"0001".."0025" the regions, the rest municipalities. Only the total (`gender` "T") is
used; a value Kolada has not got (`value` null) is skipped. Figures are credited "Källa:
Kolada" (Kolada's licence asks for that attribution). No key or account is needed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

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
class KoladaKpi:
    id: str
    title: str
    description: str = ""
    operating_area: str = ""
    municipality_type: str = ""  # K (municipalities), L (regions), A (both)


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
        self,
        kpi: str,
        municipalities: Sequence[str],
        years: Sequence[int],
        *,
        since: date | None = None,
    ) -> list[KoladaValue]:
        """The KPI's figures for these municipalities/regions and years (`since`: only
        those Kolada changed from that day, its `from_date`)."""
        check_kpi_id(kpi)
        query = f"?from_date={since.isoformat()}" if since else ""
        out: list[KoladaValue] = []
        munis = sorted(set(municipalities))
        async with self._session_for() as session:
            for m_start in range(0, len(munis), MUNICIPALITIES_PER_REQUEST):
                m_part = ",".join(munis[m_start : m_start + MUNICIPALITIES_PER_REQUEST])
                for y_start in range(0, len(years), YEARS_PER_REQUEST):
                    y_part = ",".join(str(y) for y in years[y_start : y_start + YEARS_PER_REQUEST])
                    url = f"{self.base_url}/data/kpi/{kpi}/municipality/{m_part}/year/{y_part}"
                    out.extend(parse_values(await self._pages(session, url + query)))
        return out

    async def search_kpis(self, words: str, *, limit: int = 25) -> list[KoladaKpi]:
        """KPIs whose title contains `words` (Kolada's own title search), at most `limit`."""
        words = " ".join(words.split())[:100]
        if not words:
            return []
        url = f"{self.base_url}/kpi?{urlencode({'title': words, 'per_page': max(limit, 1)})}"
        async with self._session_for() as session:
            items = await self._pages(session, url, max_items=limit)
        return parse_kpis(items)[:limit]

    async def municipality_group(self, group_id: str) -> list[str]:
        """The member codes of a Kolada municipality group (e.g. a "liknande kommuner" group)."""
        if not group_id.replace("_", "").isalnum():
            raise KoladaError(f"not a Kolada group id: {group_id!r}")
        async with self._session_for() as session:
            items = await self._pages(session, f"{self.base_url}/municipality_group/{group_id}")
        members: list[str] = []
        for item in items:
            for m in item.get("members") or [] if isinstance(item, dict) else []:
                code = m.get("id") if isinstance(m, dict) else m
                if isinstance(code, str):
                    members.append(code)
        return members

    def _session_for(self) -> _SessionScope:
        return _SessionScope(self._session, self._timeout)

    async def _pages(
        self, session: aiohttp.ClientSession, url: str, *, max_items: int | None = None
    ) -> list[Any]:
        """Every item of every page, following `next_page`."""
        out: list[Any] = []
        seen: set[str] = set()
        next_url: str | None = url
        while next_url:
            if next_url in seen or len(seen) >= MAX_PAGES:
                raise KoladaError(f"paging does not end at {next_url}")
            seen.add(next_url)
            body = await self._get(session, next_url)
            out.extend(body["values"])
            if max_items is not None and len(out) >= max_items:
                break
            raw_next = body.get("next_page") or body.get("next_url")
            next_url = str(raw_next) if raw_next else None
        return out

    async def _get(self, session: aiohttp.ClientSession, url: str) -> dict[str, Any]:
        try:
            async with session.get(url, timeout=self._timeout) as resp:
                text = await resp.text()
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise KoladaError(f"Kolada not reachable: {type(exc).__name__}: {exc}") from exc
        try:
            body = json.loads(text) if text else None
        except ValueError:
            body = None
        if status != 200:
            raise KoladaError(f"Kolada answered {status}: {error_detail(body) or 'no detail'}")
        if not isinstance(body, dict) or not isinstance(body.get("values"), list):
            raise KoladaError("unexpected answer from Kolada (no 'values' list)")
        return body


class _SessionScope:
    """The client's own session, or a short-lived one."""

    def __init__(self, session: aiohttp.ClientSession | None, timeout: aiohttp.ClientTimeout):
        self._given = session
        self._timeout = timeout
        self._own: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> aiohttp.ClientSession:
        if self._given is not None:
            return self._given
        self._own = aiohttp.ClientSession(timeout=self._timeout)
        return self._own

    async def __aexit__(self, *exc: object) -> None:
        if self._own is not None:
            await self._own.close()


def check_kpi_id(kpi: str) -> None:
    if not kpi or len(kpi) > 20 or not kpi.replace("_", "").isalnum():
        raise KoladaError(f"not a Kolada KPI id: {kpi!r}")


def error_detail(body: object) -> str:
    """Kolada's error message: `detail` as text, or FastAPI's list of `msg`s."""
    if not isinstance(body, dict):
        return ""
    detail = body.get("detail", body.get("error", body.get("message")))
    if isinstance(detail, str):
        return detail[:300]
    if isinstance(detail, list):
        msgs = [str(d.get("msg")) for d in detail if isinstance(d, dict) and d.get("msg")]
        return "; ".join(msgs)[:300]
    return ""


def parse_kpis(items: list[Any]) -> list[KoladaKpi]:
    out: list[KoladaKpi] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        out.append(
            KoladaKpi(
                id=item["id"],
                title=str(item.get("title") or ""),
                description=str(item.get("description") or ""),
                operating_area=str(item.get("operating_area") or ""),
                municipality_type=str(item.get("municipality_type") or ""),
            )
        )
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
