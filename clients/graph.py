"""Roles from Entra ID groups: group members read through Microsoft Graph.

The bot's own app registration gets an app-only token (msal, client credentials;
the app needs the Graph application permission GroupMember.Read.All) and reads
`/v1.0/groups/{id}/transitiveMembers`, following `@odata.nextLink`. Each group's
members (object ids and UPNs, lower-cased) are cached for `ttl` seconds, so a
command costs at most one Graph call per group per TTL. When Graph cannot be
reached, group roles are simply not granted (and it is logged): never more rights
than the directory gives.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import msal
import requests

log = logging.getLogger(__name__)

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
PUBLIC_AUTHORITY = "https://login.microsoftonline.com"
PUBLIC_GRAPH = "https://graph.microsoft.com"
MAX_PAGES = 200


class GraphError(Exception):
    pass


class GraphDirectory:
    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        tenant_id: str,
        authority_host: str = PUBLIC_AUTHORITY,
        graph_url: str = PUBLIC_GRAPH,
        ttl: float = 900.0,
        verify: str | bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        host = authority_host.rstrip("/")
        self._msal_args: dict[str, Any] = {
            "client_id": client_id,
            "client_credential": client_secret,
            "authority": f"{host}/{tenant_id}",
            # A sovereign or test authority is not in Microsoft's instance list.
            "instance_discovery": host == PUBLIC_AUTHORITY,
            "validate_authority": host == PUBLIC_AUTHORITY,
            "verify": verify,
        }
        self._msal: msal.ConfidentialClientApplication | None = None
        self._graph = graph_url.rstrip("/")
        self._ttl = ttl
        self._clock = clock
        self._ssl: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify
        )
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.calls = 0  # Graph member reads (pages), for tests and metrics

    def _acquire(self) -> dict[str, Any]:
        # msal is synchronous (requests): its app (which fetches the OpenID
        # configuration when built) and its token cache live off the event loop.
        if self._msal is None:
            args = dict(self._msal_args)
            verify = args.pop("verify")
            if isinstance(verify, str):
                # An explicit CA file must win over REQUESTS_CA_BUNDLE, which requests
                # otherwise prefers to a session's `verify`.
                session = requests.Session()
                session.request = functools.partial(  # type: ignore[method-assign]
                    session.request, verify=verify, timeout=10
                )
                args["http_client"] = session
            else:
                args["verify"] = verify
            self._msal = msal.ConfidentialClientApplication(**args)
        result: dict[str, Any] = self._msal.acquire_token_for_client(scopes=[GRAPH_SCOPE])
        return result

    async def _token(self) -> str:
        result = await asyncio.to_thread(self._acquire)
        token = result.get("access_token")
        if not token:
            raise GraphError(f"no Graph token: {result.get('error')}")
        return str(token)

    async def members(self, group_id: str) -> frozenset[str]:
        """Object ids and UPNs (lower-cased) of the group's transitive members."""
        key = group_id.lower()
        hit = self._cache.get(key)
        if hit and self._clock() < hit[0]:
            return hit[1]
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            hit = self._cache.get(key)
            if hit and self._clock() < hit[0]:
                return hit[1]
            found = await self._fetch(key)
            self._cache[key] = (self._clock() + self._ttl, found)
            return found

    async def _fetch(self, group_id: str) -> frozenset[str]:
        headers = {"Authorization": f"Bearer {await self._token()}"}
        url: str | None = (
            f"{self._graph}/v1.0/groups/{group_id}/transitiveMembers?$select=id,userPrincipalName"
        )
        out: set[str] = set()
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            for _ in range(MAX_PAGES):
                if url is None:
                    break
                self.calls += 1
                async with http.get(url, headers=headers, ssl=self._ssl) as resp:
                    if resp.status != 200:
                        raise GraphError(f"Graph answered {resp.status} for group {group_id}")
                    body = await resp.json()
                for member in body.get("value", []):
                    for field in ("id", "userPrincipalName"):
                        value = member.get(field)
                        if isinstance(value, str) and value:
                            out.add(value.lower())
                next_link = body.get("@odata.nextLink")
                url = next_link if isinstance(next_link, str) else None
        return frozenset(out)

    async def is_member(self, group_id: str, keys: list[str]) -> bool:
        try:
            members = await self.members(group_id)
        except Exception as exc:
            log.warning("Graph group lookup failed: %s", type(exc).__name__)
            return False
        return any(k.lower() in members for k in keys)
