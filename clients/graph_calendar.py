"""A team's Microsoft 365 group calendar through Microsoft Graph: the events of a
meeting series (app-only token of the bot's registration, the same as clients/graph.py;
the app needs the Graph application permission Calendars.ReadWrite).

    POST   /v1.0/groups/{id}/events                  a series (recurrence, Teams meeting)
    PATCH  /v1.0/groups/{id}/events/{event}          a change
    DELETE /v1.0/groups/{id}/events/{event}          an ended series
    GET    /v1.0/groups/{id}/events/{event}/instances?startDateTime=…&endDateTime=…
                                                     its meetings (moved ones: exceptions)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiohttp

from clients.graph import GraphDirectory, GraphError


class GraphNotFound(GraphError):
    """The event is not there (404 ErrorItemNotFound): deleted, e.g. in Outlook."""


class GraphCalendar:
    def __init__(self, directory: GraphDirectory) -> None:
        self._dir = directory
        self.calls = 0

    async def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> Any:  # fmt: skip
        headers = {"Authorization": f"Bearer {await self._dir._token()}"}
        url = f"{self._dir._graph}/v1.0{path}"
        timeout = aiohttp.ClientTimeout(total=15)
        self.calls += 1
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.request(
                method, url, json=body, params=params, headers=headers, ssl=self._dir._ssl
            ) as resp,
        ):
            if resp.status == 404:
                raise GraphNotFound(f"Graph answered 404 to {method} {path}")
            if resp.status not in (200, 201, 204):
                raise GraphError(f"Graph answered {resp.status} to {method} {path}")
            return await resp.json() if resp.status != 204 else None

    async def create_event(self, group: str, event: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = await self._call("POST", f"/groups/{group}/events", event)
        return found

    async def update_event(self, group: str, event_id: str, patch: dict[str, Any]) -> None:
        await self._call("PATCH", f"/groups/{group}/events/{event_id}", patch)

    async def delete_event(self, group: str, event_id: str) -> None:
        await self._call("DELETE", f"/groups/{group}/events/{event_id}")

    async def instances(
        self, group: str, event_id: str, start: datetime, end: datetime
    ) -> list[dict[str, Any]]:
        params = {"startDateTime": start.isoformat(), "endDateTime": end.isoformat()}
        body = await self._call(
            "GET", f"/groups/{group}/events/{event_id}/instances", params=params
        )
        return list(body.get("value", []))
