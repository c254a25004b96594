"""Who gets a unit's digest in their personal chat: those who lead it (manager or above),
and those who subscribed; an unsubscription wins over a role."""

from __future__ import annotations

from collections.abc import Iterable

from core.roles import allows
from services import digest
from storage import indicators_repo, roles_repo
from storage.db import Database


async def chosen_units(db: Database, person_keys: list[str], user_id: str) -> set[int]:
    """The units whose digest this person gets: led or subscribed, less unsubscribed."""
    async with db.read() as s:
        assignments = await roles_repo.assignments_for(s, person_keys)
        subs = await indicators_repo.subscriptions_of(s, user_id)
    led = {u for u, roles in assignments.items() if allows(roles, "manager")}
    led |= {u for u, on in subs.items() if on}
    led -= {u for u, on in subs.items() if not on}
    return led


async def subscribe(db: Database, unit_id: int, user_id: str) -> bool:
    """Subscribe (and make sure the unit's digest is scheduled); True if it changed."""
    async with db.session() as s:
        changed = await indicators_repo.set_subscription(s, unit_id, user_id, True)
        await digest.ensure_schedules(s, [unit_id])
    return changed


async def unsubscribe(db: Database, unit_ids: Iterable[int], user_id: str) -> None:
    async with db.session() as s:
        for unit_id in unit_ids:
            await indicators_repo.set_subscription(s, unit_id, user_id, False)
