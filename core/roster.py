"""A channel's roster as plain data: who is in it, and each person counted once.

A shared channel's roster can list one person twice (once in each organisation's view),
so counts are of distinct people; a member's own tenant is the roster's where it names
one, else the channel's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class RosterEntry:
    user_id: str  # the channel account id ("29:…")
    aad_object_id: str | None
    tenant_id: str | None = None


def people_count(entries: Iterable[RosterEntry]) -> int:
    """How many people: each once, by Entra object id (else the channel account id)."""
    return len({(e.aad_object_id or e.user_id).lower() for e in entries})


def by_tenant(entries: Iterable[RosterEntry], channel_tenant: str) -> dict[str, set[str]]:
    """Tenant → the object ids of its members (those with no object id: bots, left out)."""
    found: dict[str, set[str]] = {}
    for e in entries:
        if e.aad_object_id:
            found.setdefault(e.tenant_id or channel_tenant, set()).add(e.aad_object_id)
    return found
