"""Where a pulse's card goes: the unit's channel, or 1:1 to the channel's members.

Pure. The org file sets it per unit or county-wide (core/org.py validates it):

    defaults:
      pulse: {delivery: personal}   # channel (default) | personal

With `personal`, opening a pulse (the `puls starta` command and the recurring job,
services/pulse.py) still posts the card in the channel — that card is the one the
close replaces, and results stay in the channel — and also sends it to each channel
member the bot can reach personally (core/tenancy.py `reach`); members of another
organisation answer in the channel. An answer from a personal chat is taken only from
a member of the pulse's channel (bot/handlers/pulse.py), through the same writer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from core.tenancy import reach

CHANNEL = "channel"
PERSONAL = "personal"
DELIVERIES = (CHANNEL, PERSONAL)


def delivery_of(pulse_defaults: Mapping[str, Any] | None) -> str:
    """The unit's delivery from its `defaults.pulse` (anything unknown: channel)."""
    value = (pulse_defaults or {}).get("delivery")
    return value if value in DELIVERIES else CHANNEL


def delivery_problems(pulse_defaults: object) -> list[tuple[str, str]]:
    """(path below `pulse`, message) for a delivery the org file got wrong."""
    if not isinstance(pulse_defaults, dict) or "delivery" not in pulse_defaults:
        return []
    value = pulse_defaults["delivery"]
    if value in DELIVERIES:
        return []
    return [("delivery", f"one of {', '.join(DELIVERIES)} (got {value!r})")]


def personal_recipients(
    members: Iterable[tuple[str, str]], own_tenant: str | None
) -> tuple[list[tuple[str, str]], int]:
    """Of the channel's members (tenant, object id): those the bot may write to
    personally, sorted and once each, and how many are left to the channel (another
    organisation, or a tenant not known). `own_tenant` None: anonymous local mode."""
    keep: set[tuple[str, str]] = set()
    elsewhere: set[tuple[str, str]] = set()
    for tenant, oid in members:
        if not oid:
            continue
        key = ((tenant or "").lower(), oid.lower())
        if reach(key[0] or None, own_tenant, local=own_tenant is None).personal:
            keep.add(key)
        else:
            elsewhere.add(key)
    return sorted(keep), len(elsewhere - keep)
