"""A local fake of Kolada's API v3 data endpoint, answering in the documented shape.

    GET /v3/data/kpi/{kpi}/municipality/{m1,m2}/year/{y1,y2}[?page=N]

    {"count": n, "values": [{"kpi", "municipality", "period",
                             "values": [{"gender", "count", "status", "value"}]}],
     "next_url": "<absolute url of the next page>" | null, "previous_url": ... }

It pages with a small page size so clients must follow `next_url`, refuses more
than 25 years in one request (as Kolada does), and records every request.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web


class FakeKolada:
    def __init__(self, page_size: int = 3) -> None:
        self.page_size = page_size
        # (kpi, municipality, year) -> total value (None: Kolada has no figure)
        self.data: dict[tuple[str, str, int], float | None] = {}
        self.requests: list[str] = []
        self.fail_status: int | None = None
        self.app = web.Application()
        self.app.router.add_get("/v3/data/kpi/{kpi}/municipality/{munis}/year/{years}", self._data)

    def add(self, kpi: str, municipality: str, year: int, value: float | None) -> None:
        self.data[(kpi, municipality, year)] = value

    async def _data(self, request: web.Request) -> web.Response:
        self.requests.append(str(request.rel_url))
        if self.fail_status:
            return web.json_response({"error": "fail"}, status=self.fail_status)
        kpi = request.match_info["kpi"]
        munis = request.match_info["munis"].split(",")
        years = [int(y) for y in request.match_info["years"].split(",")]
        if len(years) > 25:
            return web.json_response({"error": "too many years"}, status=400)
        matches: list[dict[str, Any]] = []
        for (k, m, y), value in sorted(self.data.items()):
            if k == kpi and m in munis and y in years:
                genders = [{"gender": "T", "count": 1, "status": "", "value": value}]
                if value is not None:
                    genders += [
                        {"gender": "K", "count": 1, "status": "", "value": value + 1},
                        {"gender": "M", "count": 1, "status": "", "value": value - 1},
                    ]
                matches.append({"kpi": k, "municipality": m, "period": y, "values": genders})
        page = int(request.query.get("page", "1"))
        start = (page - 1) * self.page_size
        chunk = matches[start : start + self.page_size]
        base = str(request.url.with_query(None))
        has_next = start + self.page_size < len(matches)
        return web.json_response(
            {
                "count": len(chunk),
                "values": chunk,
                "next_url": f"{base}?page={page + 1}" if has_next else None,
                "previous_url": f"{base}?page={page - 1}" if page > 1 else None,
            }
        )
