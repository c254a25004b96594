"""Items (ärenden) as use cases: raise, list, show, and every transition a person makes.

Each function opens its own transaction on the database and returns plain results;
the state change and the cards it sends (services/escalation.py) commit together.
Transitions raise items_repo.StaleItem / ItemNotFound, core.escalation.TransitionError
or IdentityNumberRefused, and then change nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cards.items import ItemView
from core.item_values import ItemChange, NewItem
from services import escalation
from storage import items_repo
from storage.db import Database
from storage.item_models import Item
from storage.models import Unit


@dataclass(frozen=True)
class Shown:
    """An item as its card shows it."""

    item: Item
    view: ItemView
    suggested_due: date


@dataclass(frozen=True)
class Lifted:
    """Where an escalation took the item: `at_top` (flagged, not lifted), or the unit it
    went to (`pending` when that unit has no channel yet, with who coordinates there)."""

    at_top: bool
    to: str | None = None
    pending: bool = False
    coordinators: tuple[str, ...] = ()


async def topics(db: Database) -> list[str]:
    """The target groups (topics) of the chain's topic units, by name."""
    async with db.read() as s:
        nodes = await items_repo.unit_nodes(s)
    return sorted({n.topic for n in nodes.values() if n.level == "topic" and n.topic})


async def show(db: Database, item_id: int, now: datetime) -> Shown | None:
    async with db.read() as s:
        item = await items_repo.get_item(s, item_id)
        if item is None:
            return None
        view = await escalation.item_view(s, item, now)
        due = await escalation.suggested_due(s, item, now)
    return Shown(item, view, due)


async def get(db: Database, item_id: int) -> Item | None:
    async with db.read() as s:
        return await items_repo.get_item(s, item_id)


async def current_unit(db: Database, item: Item) -> Unit | None:
    """The unit the item is at now."""
    async with db.read() as s:
        return await s.get(Unit, item.current_unit_id)


async def create(
    db: Database, unit: Unit, new: NewItem, *, actor: str | None, now: datetime
) -> Shown:
    """A new item at the unit (and the escalation sweep that will watch it)."""
    async with db.session() as s:
        item = await items_repo.create_item(s, unit, new, actor=actor, now=now)
        await escalation.ensure_sweep_schedule(s)
        assert item.id is not None
        view = await escalation.item_view(s, item, now)
        suggested = await escalation.suggested_due(s, item, now)
    return Shown(item, view, suggested)


async def remember_card(
    db: Database, item: Item, unit_id: int, conversation_pk: int | None, activity_id: str | None
) -> None:
    """The item card a command posted, so later changes update it."""
    async with db.session() as s:
        await items_repo.remember_card(
            s, item, unit_id, "item", conversation_pk=conversation_pk, activity_id=activity_id
        )


def is_mine(item: Item, user_id: str | None, keys: set[str]) -> bool:
    """Raised by the person, or theirs to deal with (by object id, UPN or name)."""
    if user_id and item.created_by == user_id:
        return True
    return bool(item.owner and item.owner.casefold() in {k.casefold() for k in keys})


async def of_unit(
    db: Database,
    unit_id: int,
    now: datetime,
    *,
    wanted: str | None,
    user_id: str | None,
    keys: set[str],
) -> list[ItemView]:
    """The unit's items, all or `mine` / `overdue` / `escalated`."""
    views = []
    async with db.read() as s:
        for item in await items_repo.items_of_unit(s, unit_id):
            view = await escalation.item_view(s, item, now, events=[])
            if wanted == "mine" and not is_mine(item, user_id, keys):
                continue
            if wanted == "overdue" and not view.overdue:
                continue
            if wanted == "escalated" and len(item.path) < 2:
                continue
            views.append(view)
    return views


async def escalate(
    db: Database,
    item_id: int,
    *,
    actor: str | None,
    reason: str,
    now: datetime,
    expected_version: int | None,
    lang: str,
) -> Lifted:
    async with db.session() as s:
        result = await escalation.escalate_item(
            s, item_id, actor, reason, now, expected_version=expected_version, lang=lang
        )
        return await lifted(s, result)


async def lifted(s: AsyncSession, result: escalation.Escalation) -> Lifted:
    """What an escalation did, in plain values (inside its transaction)."""
    if result.at_top:
        return Lifted(at_top=True)
    if result.notice.pending_unit is not None:
        return Lifted(
            at_top=False,
            to=result.notice.pending_unit,
            pending=True,
            coordinators=tuple(result.notice.coordinators),
        )
    target = result.outcome.after.current
    names = await items_repo.units_by_id(s, [target])
    return Lifted(at_top=False, to=names[target].name)


@dataclass(frozen=True)
class Step:
    """Who changes which item, as of which version, when, told in which language."""

    item_id: int
    version: int
    actor: str | None
    now: datetime
    lang: str

    @property
    def change(self) -> ItemChange:
        return ItemChange(self.item_id, self.actor, self.now, self.version)


async def _notified(
    db: Database, step: Step, change: Callable[..., Awaitable[items_repo.Outcome]], **values: Any
) -> items_repo.Outcome:
    """One transition of `step`'s item by the repository function `change` (called with
    `values` besides the step's own) and the cards it sends, in one transaction."""
    async with db.session() as s:
        outcome = await change(s, step.change, **values)
        await escalation.notify(s, outcome, step.lang)
    return outcome


async def resolve(db: Database, step: Step, answer: str) -> None:
    await _notified(db, step, items_repo.resolve, answer=answer)


async def send_back(db: Database, step: Step, comment: str) -> str:
    """Send the item back down one step; returns the name of the unit it went to."""
    outcome = await _notified(db, step, items_repo.send_back, comment=comment)
    to = outcome.after.current
    async with db.read() as s:
        return (await items_repo.units_by_id(s, [to]))[to].name


async def acknowledge(db: Database, step: Step, owner: str | None, due: date) -> None:
    await _notified(db, step, items_repo.acknowledge, owner=owner, due=due)


async def assign(db: Database, step: Step, owner: str) -> None:
    async with db.session() as s:
        await items_repo.assign(s, step.item_id, actor=step.actor, owner=owner, now=step.now)


async def comment(db: Database, step: Step, text: str) -> None:
    async with db.session() as s:
        await items_repo.comment(s, step.item_id, actor=step.actor, text=text, now=step.now)
