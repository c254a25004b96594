"""Microsoft Graph's group calendar events, faked over HTTPS beside the token endpoint of
tests/fakes/graph.py, in Graph's wire format (resources/event, patternedRecurrence,
onlineMeeting; responses in UTC as Graph sends without a Prefer: outlook.timezone):

    POST   /v1.0/groups/{g}/events               201 + the event (id, iCalUId, onlineMeeting)
    PATCH  /v1.0/groups/{g}/events/{id}          200 + the event (an instance id: moved)
    DELETE /v1.0/groups/{g}/events/{id}          204 (an instance id: that meeting only)
    GET    /v1.0/groups/{g}/events/{id}/instances?startDateTime=…&endDateTime=…
           the series' meetings in the window: type occurrence | exception, originalStart

`move_instance` is someone moving one meeting in Outlook (it becomes an exception),
`delete_instance` deleting one (it is left out of the instances), `delete_series`
deleting the whole series (the master answers 404)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from dateutil.rrule import rrulestr

from tests.fakes.graph import FakeEntraGraph

_CODES = {"monday": "MO", "tuesday": "TU", "wednesday": "WE", "thursday": "TH",
          "friday": "FR", "saturday": "SA", "sunday": "SU"}  # fmt: skip
_INDEX = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
PATTERN_TYPES = ("daily", "weekly", "absoluteMonthly", "relativeMonthly", "absoluteYearly",
                 "relativeYearly")  # fmt: skip


def _rrule(recurrence: dict[str, Any]) -> str:
    pattern, rng = recurrence["pattern"], recurrence["range"]
    kind = pattern["type"]
    days = [_CODES[d] for d in pattern.get("daysOfWeek", [])]
    parts = [f"INTERVAL={pattern.get('interval', 1)}"]
    if kind == "weekly":
        parts += ["FREQ=WEEKLY", "WKST=MO", "BYDAY=" + ",".join(days)]
    elif kind == "relativeMonthly":
        n = _INDEX[pattern.get("index", "first")]
        parts += ["FREQ=MONTHLY", "BYDAY=" + ",".join(f"{n}{d}" for d in days)]
    elif kind == "relativeYearly":
        n = _INDEX[pattern.get("index", "first")]
        parts += ["FREQ=YEARLY", f"BYMONTH={pattern['month']}",
                  "BYDAY=" + ",".join(f"{n}{d}" for d in days)]  # fmt: skip
    else:
        raise ValueError(f"the fake does not expand {kind}")
    if rng["type"] == "endDate":
        parts.append(f"UNTIL={rng['endDate'].replace('-', '')}T235959")
    elif rng["type"] == "numbered":
        parts.append(f"COUNT={rng['numberOfOccurrences']}")
    return ";".join(parts)


def _utc(at: datetime) -> dict[str, str]:
    return {"dateTime": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000"),
            "timeZone": "UTC"}  # fmt: skip


class FakeGraphCalendar(FakeEntraGraph):
    def __init__(self, directory: Path, *, client_id: str, client_secret: str) -> None:
        super().__init__(directory, client_id=client_id, client_secret=client_secret)
        self.events: dict[str, dict[str, Any]] = {}  # id -> event (with "_group")
        self.moved: dict[str, dict[datetime, tuple[datetime, datetime]]] = {}
        self.cancelled: dict[str, set[datetime]] = {}  # master id -> slots deleted
        self.requests: list[tuple[str, str]] = []
        r = self.app.router
        r.add_post("/v1.0/groups/{group}/events", self._create)
        r.add_patch("/v1.0/groups/{group}/events/{event}", self._update)
        r.add_delete("/v1.0/groups/{group}/events/{event}", self._delete)
        r.add_get("/v1.0/groups/{group}/events/{event}/instances", self._instances)

    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization", "").removeprefix("Bearer ") in self._issued

    def _find(self, request: web.Request) -> dict[str, Any] | None:
        event = self.events.get(request.match_info["event"])
        if event is None or event["_group"] != request.match_info["group"]:
            return None
        return event

    @staticmethod
    def _public(event: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in event.items() if not k.startswith("_")}

    async def _create(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"error": {"code": "InvalidAuthenticationToken"}}, status=401)
        body = await request.json()
        problem = self._check(body)
        if problem:
            return web.json_response(
                {"error": {"code": "BadRequest", "message": problem}}, status=400
            )
        event_id = "AAMkAG" + uuid.uuid4().hex
        meeting = uuid.uuid4().hex
        event = {
            **body,
            "id": event_id,
            "iCalUId": "040000008200E00074C5B7101A82E008" + uuid.uuid4().hex.upper(),
            "type": "seriesMaster",
            "webLink": f"https://outlook.office365.com/owa/?itemid={event_id}",
            "onlineMeeting": {
                "joinUrl": f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{meeting}"
                "%40thread.v2/0?context=%7b%22Tid%22%3a%22t%22%7d"
            },
            "_group": request.match_info["group"],
        }
        self.events[event_id] = event
        self.requests.append(("POST", event_id))
        return web.json_response(self._public(event), status=201)

    @staticmethod
    def _check(body: dict[str, Any]) -> str | None:
        for key in ("subject", "start", "end", "recurrence"):
            if key not in body:
                return f"missing {key}"
        for key in ("start", "end"):
            value = body[key]
            if set(value) != {"dateTime", "timeZone"}:
                return f"{key} must be a dateTimeTimeZone"
            ZoneInfo(value["timeZone"])
            datetime.fromisoformat(value["dateTime"])
        pattern, rng = body["recurrence"].get("pattern", {}), body["recurrence"].get("range", {})
        if pattern.get("type") not in PATTERN_TYPES:
            return "bad pattern type"
        if rng.get("type") not in ("endDate", "noEnd", "numbered") or "startDate" not in rng:
            return "bad range"
        if body.get("isOnlineMeeting") is not True:
            return "not an online meeting"
        if body.get("onlineMeetingProvider") != "teamsForBusiness":
            return "not a Teams meeting"
        return None

    def _instance(self, request: web.Request) -> tuple[dict[str, Any], datetime] | None:
        """An instance id (`{master}_{yyyymmddHHMM}`, as _instances gives them)."""
        master, _, stamp = request.match_info["event"].rpartition("_")
        event = self.events.get(master)
        if event is None or event["_group"] != request.match_info["group"] or not stamp:
            return None
        return event, datetime.strptime(stamp, "%Y%m%d%H%M").replace(tzinfo=UTC)

    async def _update(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"error": {"code": "InvalidAuthenticationToken"}}, status=401)
        one = self._instance(request)
        if one is not None:  # one meeting of the series: it becomes an exception
            master, slot = one
            body = await request.json()
            start = datetime.fromisoformat(body["start"]["dateTime"]).replace(
                tzinfo=ZoneInfo(body["start"]["timeZone"])
            )
            end = datetime.fromisoformat(body["end"]["dateTime"]).replace(
                tzinfo=ZoneInfo(body["end"]["timeZone"])
            )
            self.move_instance(master["id"], slot, start, end)
            self.requests.append(("PATCH", request.match_info["event"]))
            return web.json_response({"id": request.match_info["event"], "type": "exception"})
        event = self._find(request)
        if event is None:
            return web.json_response({"error": {"code": "ErrorItemNotFound"}}, status=404)
        event.update(await request.json())
        self.requests.append(("PATCH", event["id"]))
        return web.json_response(self._public(event))

    async def _delete(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"error": {"code": "InvalidAuthenticationToken"}}, status=401)
        one = self._instance(request)
        if one is not None:  # one meeting of the series: gone from its instances
            master, slot = one
            self.cancelled.setdefault(master["id"], set()).add(slot)
            self.requests.append(("DELETE", request.match_info["event"]))
            return web.Response(status=204)
        event = self._find(request)
        if event is None:
            return web.json_response({"error": {"code": "ErrorItemNotFound"}}, status=404)
        del self.events[event["id"]]
        self.requests.append(("DELETE", event["id"]))
        return web.Response(status=204)

    def move_instance(self, event_id: str, slot: datetime, start: datetime, end: datetime) -> None:
        """Someone moves one meeting of the series in Outlook."""
        self.moved.setdefault(event_id, {})[slot.astimezone(UTC)] = (start, end)

    def delete_instance(self, event_id: str, slot: datetime) -> None:
        """Someone deletes one meeting of the series in Outlook: Graph leaves it out of
        the series' instances from then on (no exception, no tombstone)."""
        self.cancelled.setdefault(event_id, set()).add(slot.astimezone(UTC))

    def delete_series(self, event_id: str) -> None:
        """Someone deletes the whole series in Outlook: the master and its instances are
        gone (GET …/instances answers 404 ErrorItemNotFound)."""
        del self.events[event_id]

    async def _instances(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"error": {"code": "InvalidAuthenticationToken"}}, status=401)
        event = self._find(request)
        if event is None:
            return web.json_response({"error": {"code": "ErrorItemNotFound"}}, status=404)
        try:
            low = datetime.fromisoformat(request.query["startDateTime"])
            high = datetime.fromisoformat(request.query["endDateTime"])
        except (KeyError, ValueError):
            return web.json_response({"error": {"code": "ErrorInvalidParameter"}}, status=400)
        zone = ZoneInfo(event["start"]["timeZone"])
        first = datetime.fromisoformat(event["start"]["dateTime"])
        length = datetime.fromisoformat(event["end"]["dateTime"]) - first
        start_date = datetime.fromisoformat(event["recurrence"]["range"]["startDate"])
        dtstart = start_date.replace(hour=first.hour, minute=first.minute)
        out = []
        moved = self.moved.get(event["id"], {})
        for local in rrulestr(_rrule(event["recurrence"]), dtstart=dtstart):
            slot = local.replace(tzinfo=zone).astimezone(UTC)
            if slot > high + timedelta(days=31):  # a moved meeting may come from later
                break
            if slot in self.cancelled.get(event["id"], set()):
                continue
            begins, ends = moved.get(slot, (slot, slot + length))
            if not (low <= begins < high):
                continue
            out.append({
                "id": f"{event['id']}_{slot:%Y%m%d%H%M}",
                "type": "exception" if slot in moved else "occurrence",
                "seriesMasterId": event["id"],
                "originalStart": slot.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "start": _utc(begins),
                "end": _utc(ends),
            })  # fmt: skip
            if len(out) > 200:
                break
        return web.json_response({"value": out})
