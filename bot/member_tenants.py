"""Whose tenant each person of a shared channel is, as the Bot Connector's roster said
(core/tenancy.py explains why the activity alone does not say). Per process, an hour:
a person's home tenant does not change, and a busy shared channel then costs one roster
look-up per person and process, not one per message."""

from __future__ import annotations

import time

_TTL = 3600.0
_MAX = 50_000


class MemberTenants:
    def __init__(self) -> None:
        self._known: dict[str, tuple[str, float]] = {}

    def get(self, object_id: str) -> str | None:
        hit = self._known.get(object_id.lower())
        if hit is None or hit[1] < time.monotonic():
            return None
        return hit[0]

    def put(self, object_id: str, tenant: str) -> None:
        if len(self._known) >= _MAX:
            self._known.clear()
        self._known[object_id.lower()] = (tenant.lower(), time.monotonic() + _TTL)
