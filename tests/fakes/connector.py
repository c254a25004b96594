"""A fake Teams Bot Connector: the REST API v3 the bot calls, over real HTTP.

It stands in for the service we don't own. It stores what the bot posts,
enforces Teams' per-bot rate limits (per conversation 7/1 s, 8/2 s, 60/30 s,
1800/h; per app and tenant a global rate) by answering 429 with Retry-After,
refuses a message over Teams' size limit as Teams does (413 `MessageSizeTooBig`:
about 100 KB of the activity's JSON counted in UTF-16, base64 images left out;
"Format your bot messages", Microsoft Learn), and injects faults on request: 429,
5xx, 403 with Teams' error codes, 404, and slow answers.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

MESSAGE_LIMIT = 100 * 1024  # bytes of UTF-16
_DATA_URI = re.compile(r'"data:image/[^"]*"')

CONVERSATION_LIMITS: tuple[tuple[int, float], ...] = (
    (7, 1.0),
    (8, 2.0),
    (60, 30.0),
    (1800, 3600.0),
)


@dataclass
class Posted:
    """One activity the bot posted (or the latest version of an updated one)."""

    id: str
    conversation_id: str
    activity: dict[str, Any]
    reply_to: str | None = None
    updates: int = 0
    at: float = field(default_factory=time.monotonic)

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a.get("content", {})
            for a in self.activity.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]

    @property
    def text(self) -> str:
        return str(self.activity.get("text") or "")


@dataclass
class Fault:
    status: int
    count: int
    retry_after: float | None = None
    conversation_id: str | None = None
    code: str | None = None
    delay: float = 0.0


class FakeConnector:
    def __init__(self, *, global_rate: float = 50.0, enforce_limits: bool = True) -> None:
        self.posted: list[Posted] = []
        self.by_id: dict[str, Posted] = {}
        self.requests: list[tuple[str, str]] = []
        self.members: dict[str, dict[str, Any]] = {}
        self.global_rate = global_rate
        self.enforce_limits = enforce_limits
        self.faults: list[Fault] = []
        self.forbidden: dict[str, str] = {}
        self.delay = 0.0
        self.throttled = 0
        self.too_big = 0  # messages refused for their size
        self.sizes: list[int] = []  # the size of every message accepted, as Teams counts it
        self.auth_headers: list[str | None] = []
        self.user_agents: list[str | None] = []
        # Called with each accepted post before it is answered (a test's way to make
        # something happen while the sender waits for the answer).
        self.on_send: Callable[[Posted], Awaitable[None]] | None = None
        self._ids = itertools.count(1)
        self._conv_times: dict[str, deque[float]] = defaultdict(deque)
        self._global_times: deque[float] = deque()
        self._changed = asyncio.Event()
        self.app = web.Application()
        r = self.app.router
        r.add_post("/v3/conversations", self._create_conversation)
        r.add_post("/v3/conversations/{cid}/activities", self._send)
        r.add_post("/v3/conversations/{cid}/activities/{reply_to}", self._send)
        r.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        r.add_get("/v3/conversations/{cid}/members/{mid}", self._member)
        r.add_get("/v3/conversations/{cid}/members", self._members)
        r.add_get("/v3/conversations/{cid}/pagedmembers", self._paged_members)

    # -- test controls ----------------------------------------------------------------

    def add_member(
        self,
        user_id: str,
        *,
        aad_object_id: str,
        name: str,
        upn: str,
        tenant_id: str | None = None,
        email: str | None = None,
        user_role: str | None = None,
    ) -> None:
        """A roster entry as the Bot Connector answers it (a TeamsChannelAccount): in a
        shared channel each member carries their own `tenantId`; a B2B guest has
        `userRole: guest` and the host tenant's `#EXT#` UPN, with their own `email`."""
        self.members[user_id] = {
            "id": user_id,
            "name": name,
            "aadObjectId": aad_object_id,
            "userPrincipalName": upn,
            "email": email or upn,
            **({"tenantId": tenant_id} if tenant_id else {}),
            **({"userRole": user_role} if user_role else {}),
        }

    def inject(self, status: int, count: int = 1, **kwargs: Any) -> None:
        """The next `count` sends/updates (to a conversation, if given) answer `status`."""
        self.faults.append(Fault(status=status, count=count, **kwargs))

    def forbid(self, conversation_id: str, code: str = "BotNotInConversationRoster") -> None:
        self.forbidden[conversation_id] = code

    def in_conversation(self, conversation_id: str) -> list[Posted]:
        return [p for p in self.posted if p.conversation_id == conversation_id]

    async def wait_for(
        self,
        predicate: Any,
        timeout: float = 5.0,  # noqa: ASYNC109
        after: int = 0,
    ) -> Posted:
        """The first posted activity (from index `after` on) matching `predicate`, waiting
        for it if needed."""
        deadline = time.monotonic() + timeout
        while True:
            for p in self.posted[after:]:
                if predicate(p):
                    return p
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"no matching activity within {timeout}s; got {[p.activity for p in self.posted][-5:]}"
                )
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                pass

    # -- the API ----------------------------------------------------------------------

    def _limited(self, cid: str) -> float | None:
        """Seconds to wait if this call would exceed a limit, else None (and count it)."""
        if not self.enforce_limits:
            return None
        now = time.monotonic()
        times = self._conv_times[cid]
        for limit, window in CONVERSATION_LIMITS:
            recent = [t for t in times if now - t < window]
            if len(recent) >= limit:
                return max(0.05, window - (now - recent[-limit]))
        g = self._global_times
        while g and now - g[0] >= 1.0:
            g.popleft()
        if len(g) >= self.global_rate:
            return max(0.05, 1.0 - (now - g[0]))
        times.append(now)
        while times and now - times[0] >= 3600.0:
            times.popleft()
        g.append(now)
        return None

    def _fault_for(self, cid: str) -> Fault | None:
        for fault in self.faults:
            if fault.count > 0 and (fault.conversation_id in (None, cid)):
                fault.count -= 1
                return fault
        return None

    def _record(self, request: web.Request) -> None:
        """Every call the bot makes, roster look-ups included, and the token it carried."""
        self.auth_headers.append(request.headers.get("Authorization"))
        self.user_agents.append(request.headers.get("User-Agent"))
        self.requests.append((request.method, request.path))

    async def _gate(self, request: web.Request, cid: str) -> web.Response | None:
        self._record(request)
        if self.delay:
            await asyncio.sleep(self.delay)
        if cid in self.forbidden:
            return _error(
                403, self.forbidden[cid], "The bot is not part of the conversation roster."
            )
        fault = self._fault_for(cid)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            headers = (
                {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            )
            if fault.status < 400:
                return None
            return _error(fault.status, fault.code or "InjectedFault", "injected", headers)
        wait = self._limited(cid)
        if wait is not None:
            self.throttled += 1
            return _error(429, "Throttled", "Too many requests", {"Retry-After": f"{wait:.2f}"})
        return None

    def _too_big(self, body: Any) -> web.Response | None:
        size = message_size(body)
        if size <= MESSAGE_LIMIT:
            self.sizes.append(size)
            return None
        self.too_big += 1
        return _error(413, "MessageSizeTooBig", "Message size too big")

    async def _send(self, request: web.Request) -> web.Response:
        cid = request.match_info["cid"]
        refused = await self._gate(request, cid)
        if refused is not None:
            return refused
        body = await request.json()
        refused = self._too_big(body)
        if refused is not None:
            return refused
        aid = f"act-{next(self._ids)}"
        posted = Posted(
            id=aid, conversation_id=cid, activity=body, reply_to=request.match_info.get("reply_to")
        )
        self.posted.append(posted)
        self.by_id[aid] = posted
        self._changed.set()
        if self.on_send is not None:
            await self.on_send(posted)
        return web.json_response({"id": aid}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        cid, aid = request.match_info["cid"], request.match_info["aid"]
        refused = await self._gate(request, cid)
        if refused is not None:
            return refused
        existing = self.by_id.get(aid)
        if existing is None or existing.conversation_id != cid:
            return _error(404, "ActivityNotFound", "Unknown activity")
        body = await request.json()
        refused = self._too_big(body)
        if refused is not None:
            return refused
        existing.activity = body
        existing.updates += 1
        self._changed.set()
        return web.json_response({"id": aid})

    async def _create_conversation(self, request: web.Request) -> web.Response:
        self._record(request)
        body = await request.json()
        cid = f"a:{next(self._ids)}"
        members = body.get("members") or []
        if members and members[0].get("id") in self.forbidden:
            return _error(403, self.forbidden[members[0]["id"]], "blocked")
        return web.json_response({"id": cid}, status=201)

    async def _member(self, request: web.Request) -> web.Response:
        self._record(request)
        member = self.members.get(request.match_info["mid"])
        if member is None:
            return _error(404, "MemberNotFound", "no such member")
        return web.json_response(member)

    async def _members(self, request: web.Request) -> web.Response:
        self._record(request)
        return web.json_response(list(self.members.values()))

    async def _paged_members(self, request: web.Request) -> web.Response:
        self._record(request)
        size = int(request.query.get("pageSize", "100"))
        start = int(request.query.get("continuationToken", "0") or 0)
        everyone = list(self.members.values())
        page = everyone[start : start + size]
        body: dict[str, Any] = {"members": page}
        if start + size < len(everyone):
            body["continuationToken"] = str(start + size)
        return web.json_response(body)


def message_size(activity: Any) -> int:
    """Bytes as Teams counts them: the JSON in UTF-16, without base64 images."""
    dumped = _DATA_URI.sub('""', json.dumps(activity, ensure_ascii=False))
    return len(dumped.encode("utf-16-le"))


def _error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response(
        {"error": {"code": code, "message": message}}, status=status, headers=headers
    )
