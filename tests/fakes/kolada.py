"""A local fake of Kolada's API v3, answering in the documented shapes.

    GET /v3/data/kpi/{kpi}/municipality/{m1,m2}/year/{y1,y2}[?from_date=D][&page=N]
    GET /v3/kpi?title=WORDS[&per_page=N][&page=N]
    GET /v3/municipality_group/{id}

    {"count": n, "values": [...], "next_page": "<absolute url>" | null,
     "previous_page": "<absolute url>" | null}

Data items: {"kpi", "municipality", "period", "values": [{"gender", "count", "status",
"value"}]}; KPIs: {"id", "title", "description", "operating_area", "municipality_type",
"is_divided_by_gender", "has_ou_data", "publication_date"}. It pages with a small page
size so clients must follow `next_page`, refuses more than 25 years in one request (400
`{"detail": "..."}`), answers a bad KPI id with FastAPI's validation shape (422
`{"detail": [{"loc", "msg", "type"}]}`), filters by `from_date` (the day a figure was
last changed), and records every request.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from aiohttp import web


class FakeKolada:
    def __init__(self, page_size: int = 3) -> None:
        self.page_size = page_size
        # (kpi, municipality, year) -> total value (None: Kolada has no figure)
        self.data: dict[tuple[str, str, int], float | None] = {}
        self.changed: dict[tuple[str, str, int], date] = {}
        self.kpis: list[dict[str, Any]] = []
        self.groups: dict[str, dict[str, Any]] = {}
        self.requests: list[str] = []
        self.fail_status: int | None = None
        # A slow Kolada: data requests wait for `hold` (when set to an Event); `asked` is
        # set at the first data request.
        self.hold: asyncio.Event | None = None
        self.asked = asyncio.Event()
        self.app = web.Application()
        r = self.app.router
        r.add_get("/v3/data/kpi/{kpi}/municipality/{munis}/year/{years}", self._data)
        r.add_get("/v3/kpi", self._kpi)
        r.add_get("/v3/municipality_group/{gid}", self._group)

    def add(
        self,
        kpi: str,
        municipality: str,
        year: int,
        value: float | None,
        changed: date = date(2026, 3, 1),
    ) -> None:
        self.data[(kpi, municipality, year)] = value
        self.changed[(kpi, municipality, year)] = changed

    def add_kpi(self, kpi_id: str, title: str, operating_area: str = "", kind: str = "K") -> None:
        self.kpis.append(
            {
                "id": kpi_id,
                "title": title,
                "description": f"Beskrivning av {title}.",
                "operating_area": operating_area,
                "municipality_type": kind,
                "is_divided_by_gender": False,
                "has_ou_data": False,
                "publication_date": "2026-03-01",
            }
        )

    def _paged(self, request: web.Request, items: list[dict[str, Any]]) -> web.Response:
        per_page = min(int(request.query.get("per_page", self.page_size)), self.page_size)
        page = int(request.query.get("page", "1"))
        start = (page - 1) * per_page
        chunk = items[start : start + per_page]

        def link(n: int) -> str:
            return str(request.url.update_query(page=str(n)))

        return web.json_response(
            {
                "count": len(chunk),
                "values": chunk,
                "next_page": link(page + 1) if start + per_page < len(items) else None,
                "previous_page": link(page - 1) if page > 1 else None,
            }
        )

    def _gate(self, request: web.Request) -> web.Response | None:
        self.requests.append(str(request.rel_url))
        if self.fail_status:
            return web.json_response({"detail": "Service unavailable"}, status=self.fail_status)
        return None

    async def _data(self, request: web.Request) -> web.Response:
        refused = self._gate(request)
        if refused is not None:
            return refused
        self.asked.set()
        if self.hold is not None:
            await self.hold.wait()
        kpi = request.match_info["kpi"]
        if not kpi.isalnum():
            return web.json_response(
                {
                    "detail": [
                        {"loc": ["path", "kpi"], "msg": "invalid kpi id", "type": "value_error"}
                    ]
                },
                status=422,
            )
        munis = request.match_info["munis"].split(",")
        years = [int(y) for y in request.match_info["years"].split(",")]
        if len(years) > 25:
            return web.json_response({"detail": "Too many years (max 25)"}, status=400)
        since = request.query.get("from_date")
        since_day = date.fromisoformat(since) if since else None
        matches: list[dict[str, Any]] = []
        for (k, m, y), value in sorted(self.data.items()):
            if k != kpi or m not in munis or y not in years:
                continue
            if since_day is not None and self.changed[(k, m, y)] < since_day:
                continue
            genders = [{"gender": "T", "count": 1, "status": "", "value": value}]
            if value is not None:
                genders += [
                    {"gender": "K", "count": 1, "status": "", "value": value + 1},
                    {"gender": "M", "count": 1, "status": "", "value": value - 1},
                ]
            matches.append({"kpi": k, "municipality": m, "period": y, "values": genders})
        return self._paged(request, matches)

    async def _kpi(self, request: web.Request) -> web.Response:
        refused = self._gate(request)
        if refused is not None:
            return refused
        title = request.query.get("title", "").lower()
        return self._paged(request, [k for k in self.kpis if title in k["title"].lower()])

    async def _group(self, request: web.Request) -> web.Response:
        refused = self._gate(request)
        if refused is not None:
            return refused
        group = self.groups.get(request.match_info["gid"])
        return self._paged(request, [group] if group else [])
