"""Items in the database: create, transition (optimistically), list, trail.

Every transition goes through `_transition`: the rule comes from `core.escalation`,
the row is written with `UPDATE ... WHERE id = :id AND version = :seen` and one
append-only `item_events` row is inserted, all in the caller's transaction. A
transition that finds the item changed since the card was posted raises
`StaleItem` and changes nothing.

Posting cards is not done here (storage does not import cards): callers get an
`Outcome` and compose the messages (see services/escalation.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core import escalation as esc
from core.item_values import ItemChange, NewItem
from core.personnummer import IdentityNumberRefused as IdentityNumberRefused  # re-exported
from core.personnummer import refuse_identity_numbers
from storage.item_models import Item, ItemCard, ItemEvent
from storage.lookup import by_ids
from storage.models import Unit
from storage.rows import added, all_of, one_of
from storage.types import utcnow

MAX_TITLE = 200
MAX_TEXT = 4000


class StaleItem(Exception):
    """The item moved on since the card was made; nothing was changed."""

    def __init__(self, item: Item) -> None:
        super().__init__(f"item {item.id} is at version {item.version}")
        self.item = item


class ItemNotFound(LookupError):
    pass


@dataclass(frozen=True)
class Outcome:
    item: Item  # after the transition
    before: esc.ItemState
    after: esc.ItemState
    event: str
    actor: str | None
    text: str | None
    at: datetime


def guard_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    refuse_identity_numbers(value)
    return value or None


def _needed(value: str | None, what: str) -> str:
    """`value` guarded (guard_text); ValueError("<what> is needed") when nothing is left."""
    clean = guard_text(value)
    if not clean:
        raise ValueError(f"{what} is needed")
    return clean


def state_of(item: Item) -> esc.ItemState:
    return esc.ItemState(
        status=item.status,
        path=tuple(item.path) or (item.current_unit_id,),
        arrived_at=item.arrived_at,
        due=item.due,
        breaches_handled=item.breaches_handled,
        at_top=item.at_top,
    )


async def unit_nodes(session: AsyncSession) -> dict[int, esc.UnitNode]:
    rows = await session.execute(
        select(col(Unit.id), col(Unit.parent_id), col(Unit.level), col(Unit.topic)).where(
            col(Unit.archived_at).is_(None)
        )
    )
    return {
        uid: esc.UnitNode(uid, parent, level, topic)
        for uid, parent, level, topic in rows.all()
        if uid is not None
    }


async def units_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, Unit]:
    return await by_ids(session, Unit, ids)


async def policy_at(session: AsyncSession, unit_id: int) -> esc.Policy:
    unit = await session.get(Unit, unit_id)
    if unit is None:
        return esc.Policy(*esc.FALLBACK_POLICY)
    return esc.policy_for(unit.defaults, unit.level)


# -- create and read ------------------------------------------------------------------------


async def create_item(
    session: AsyncSession,
    unit: Unit,
    new: NewItem,
    *,
    actor: str | None,
    now: datetime | None = None,
) -> Item:
    assert unit.id is not None
    now = now or utcnow()
    clean_title = guard_text(new.title)
    if not clean_title:
        raise ValueError("an item needs a title")
    kind = new.kind
    if kind not in esc.KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    topic = new.topic
    if topic is None:
        topic = esc.unit_topic(unit.id, await unit_nodes(session))
    item = Item(
        origin_unit_id=unit.id,
        current_unit_id=unit.id,
        kind=kind,
        topic=topic,
        title=clean_title[:MAX_TITLE],
        description=guard_text(new.description),
        owner=guard_text(new.owner),
        due=new.due,
        status=esc.OPEN,
        path=[unit.id],
        arrived_at=now,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    await session.flush()
    assert item.id is not None
    session.add(
        ItemEvent(
            item_id=item.id,
            at=now,
            unit_id=unit.id,
            actor=actor,
            event="created",
            text=item.description,
            details={"kind": kind, "topic": topic, **({"owner": item.owner} if item.owner else {})},
        )
    )
    await session.flush()
    return item


async def get_item(session: AsyncSession, item_id: int) -> Item | None:
    return await session.get(Item, item_id, populate_existing=True)


async def trail(session: AsyncSession, item_id: int) -> list[ItemEvent]:
    return await all_of(
        session,
        select(ItemEvent)
        .where(col(ItemEvent.item_id) == item_id)
        .order_by(col(ItemEvent.at), col(ItemEvent.id)),
    )


async def owner_at(session: AsyncSession, item_id: int, unit_id: int) -> str | None:
    """The assignee the item last had at `unit_id` (named when raised, acknowledged or
    assigned there). Lifting an item clears its assignee, as the unit above names its
    own; when an answer comes back down, the unit's own assignee is restored from here."""
    owner: str | None = None
    for e in await trail(session, item_id):
        named = e.details.get("owner") if isinstance(e.details, dict) else None
        if e.unit_id == unit_id and e.event in ("created", "acknowledged", "assigned") and named:
            owner = str(named)
    return owner


async def trails(session: AsyncSession, item_ids: Sequence[int]) -> dict[int, list[ItemEvent]]:
    if not item_ids:
        return {}
    rows = await session.execute(
        select(ItemEvent)
        .where(col(ItemEvent.item_id).in_(list(item_ids)))
        .order_by(col(ItemEvent.at), col(ItemEvent.id))
    )
    out: dict[int, list[ItemEvent]] = {i: [] for i in item_ids}
    for ev in rows.scalars().all():
        out[ev.item_id].append(ev)
    return out


async def items_of_unit(
    session: AsyncSession,
    unit_id: int,
    *,
    include_closed: bool = False,
) -> list[Item]:
    """Items at the unit now, plus items raised here that are being handled elsewhere."""
    query = select(Item).where(
        (col(Item.current_unit_id) == unit_id) | (col(Item.origin_unit_id) == unit_id)
    )
    if not include_closed:
        query = query.where(col(Item.status).in_(esc.ACTIVE))
    rows = await session.execute(query.order_by(col(Item.id)))
    return list(rows.scalars().all())


async def items_for_export(session: AsyncSession, unit_ids: Sequence[int]) -> list[Item]:
    """Every item that started in, or passed through, one of the units."""
    rows = await session.execute(select(Item).order_by(col(Item.id)))
    wanted = set(unit_ids)
    return [
        i
        for i in rows.scalars().all()
        if i.origin_unit_id in wanted or i.current_unit_id in wanted or wanted & set(i.path)
    ]


async def active_items(session: AsyncSession) -> list[Item]:
    return await all_of(
        session,
        select(Item).where(col(Item.status).in_(esc.ACTIVE)).order_by(col(Item.id)),
    )


async def flagged_at_top(session: AsyncSession, unit_id: int | None = None) -> list[Item]:
    """Open items that could not go higher: for the county digest."""
    query = select(Item).where(col(Item.at_top).is_(True), col(Item.status).in_(esc.ACTIVE))
    if unit_id is not None:
        query = query.where(col(Item.current_unit_id) == unit_id)
    return list((await session.execute(query.order_by(col(Item.id)))).scalars().all())


async def agenda_items(session: AsyncSession, origin_unit_id: int) -> list[Item]:
    """Answers that came back to the origin and belong on its next meeting agenda."""
    return await all_of(
        session,
        select(Item)
        .where(
            col(Item.origin_unit_id) == origin_unit_id,
            col(Item.on_agenda_pending).is_(True),
        )
        .order_by(col(Item.id)),
    )


async def mark_on_agenda(session: AsyncSession, item_ids: Sequence[int]) -> None:
    """The meeting put these answers on its agenda (not a transition: no version bump)."""
    if item_ids:
        await session.execute(
            update(Item).where(col(Item.id).in_(list(item_ids))).values(on_agenda_pending=False)
        )


# -- transitions ----------------------------------------------------------------------------


async def _load(session: AsyncSession, item_id: int, expected_version: int | None) -> Item:
    item = await get_item(session, item_id)
    if item is None:
        raise ItemNotFound(item_id)
    if expected_version is not None and item.version != expected_version:
        raise StaleItem(item)
    return item


async def _transition(
    session: AsyncSession,
    item: Item,
    after: esc.ItemState,
    *,
    event: str,
    actor: str | None,
    text: str | None,
    now: datetime,
    event_unit: int | None = None,
    details: dict[str, Any] | None = None,
    **fields: Any,
) -> Outcome:
    before = state_of(item)
    seen = item.version
    values: dict[str, Any] = {
        "status": after.status,
        "path": list(after.path),
        "current_unit_id": after.current,
        "arrived_at": after.arrived_at,
        "due": after.due,
        "breaches_handled": after.breaches_handled,
        "at_top": after.at_top,
        "updated_at": now,
        "version": seen + 1,
        **fields,
    }
    result = await session.execute(
        update(Item)
        .where(col(Item.id) == item.id, col(Item.version) == seen)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        current = await get_item(session, item.id or 0)
        raise StaleItem(current or item)
    assert item.id is not None
    session.add(
        ItemEvent(
            item_id=item.id,
            at=now,
            unit_id=event_unit if event_unit is not None else before.current,
            actor=actor,
            event=event,
            text=text,
            details=details or {},
        )
    )
    await session.flush()
    fresh = await get_item(session, item.id)
    assert fresh is not None
    return Outcome(fresh, before, after, event, actor, text, now)


async def escalate(
    session: AsyncSession,
    change: ItemChange,
    reason: str | None,
    *,
    delivered: bool = True,
    breach: int | None = None,
) -> Outcome:
    """Lift to the next unit; at the top, flag it instead (event `flagged_top`)."""
    item = await _load(session, change.item_id, change.expected_version)
    actor, now = change.actor, change.now
    reason = guard_text(reason)
    state = state_of(item)
    target = esc.next_unit(state.current, await unit_nodes(session), item.topic)
    if target is None or target in state.path:
        after = esc.flag_top(state)
        if breach is not None:
            after = esc.record(state, esc.Decision("flag_top", breach), now)
        return await _transition(
            session, item, after, event="flagged_top", actor=actor, text=reason, now=now
        )
    after = esc.escalate(state, target, now)
    return await _transition(
        session,
        item,
        after,
        event="escalated",
        actor=actor,
        text=reason,
        now=now,
        details={"from": state.current, "to": target, **({"breach": breach} if breach else {})},
        delivery_pending=not delivered,
        owner=None,
    )


async def remind(session: AsyncSession, item: Item, breach: int, now: datetime) -> Outcome:
    after = esc.record(state_of(item), esc.Decision("remind", breach), now)
    return await _transition(
        session,
        item,
        after,
        event="reminded",
        actor=None,
        text=None,
        now=now,
        details={"breach": breach},
    )


async def acknowledge(
    session: AsyncSession, change: ItemChange, *, owner: str | None, due: date
) -> Outcome:
    item = await _load(session, change.item_id, change.expected_version)
    after = esc.acknowledge(state_of(item), due, change.now)
    owner = guard_text(owner) or item.owner
    return await _transition(
        session,
        item,
        after,
        event="acknowledged",
        actor=change.actor,
        text=None,
        now=change.now,
        details={"due": due.isoformat(), "owner": owner},
        owner=owner,
    )


async def resolve(session: AsyncSession, change: ItemChange, *, answer: str) -> Outcome:
    item = await _load(session, change.item_id, change.expected_version)
    clean = _needed(answer, "an answer")
    after = esc.resolve(state_of(item))
    assert item.id is not None
    # The raising unit's assignee follows the answer up.
    owner = await owner_at(session, item.id, item.origin_unit_id) or item.owner
    return await _back_down(session, change, item, after, "resolved", clean, owner)


async def send_back(session: AsyncSession, change: ItemChange, *, comment: str) -> Outcome:
    item = await _load(session, change.item_id, change.expected_version)
    clean = _needed(comment, "a comment")
    after = esc.send_back(state_of(item), change.now)
    owner = await owner_at(session, item.id or 0, after.current)
    details = {"from": item.current_unit_id, "to": after.current}
    return await _back_down(session, change, item, after, "sent_back", clean, owner, details)


async def _back_down(
    session: AsyncSession,
    change: ItemChange,
    item: Item,
    after: esc.ItemState,
    event: str,
    text: str,
    owner: str | None,
    details: dict[str, Any] | None = None,
) -> Outcome:
    """An answer going back down (resolved, or sent back a step): it is the item's answer,
    goes on the agenda of the unit it reaches, with that unit's assignee `owner`."""
    return await _transition(
        session,
        item,
        after,
        event=event,
        actor=change.actor,
        text=text,
        now=change.now,
        details=details,
        answer=text[:MAX_TEXT],
        owner=owner,
        on_agenda_pending=True,
        delivery_pending=False,
    )


async def comment(
    session: AsyncSession,
    item_id: int,
    *,
    actor: str | None,
    text: str,
    now: datetime,
) -> ItemEvent:
    """A comment joins the trail; it does not move the item on (no version bump)."""
    return await _note(session, item_id, actor=actor, event="commented", text=text, now=now)


async def assign(
    session: AsyncSession,
    item_id: int,
    *,
    actor: str | None,
    owner: str,
    now: datetime,
) -> ItemEvent:
    """Name an owner; like a comment, it does not make other cards stale."""
    clean = _needed(owner, "an owner")
    event = await _note(
        session,
        item_id,
        actor=actor,
        event="assigned",
        text=None,
        now=now,
        details={"owner": clean[:320]},
        require_text=False,
    )
    await session.execute(
        update(Item).where(col(Item.id) == item_id).values(owner=clean[:320], updated_at=now)
    )
    return event


async def _note(
    session: AsyncSession,
    item_id: int,
    *,
    actor: str | None,
    event: str,
    text: str | None,
    now: datetime,
    details: dict[str, Any] | None = None,
    require_text: bool = True,
) -> ItemEvent:
    item = await _load(session, item_id, None)
    clean = guard_text(text)
    if require_text and not clean:
        raise ValueError("a text is needed")
    if item.status not in esc.ACTIVE:
        raise esc.TransitionError("terminal")
    row = ItemEvent(
        item_id=item_id,
        at=now,
        unit_id=item.current_unit_id,
        actor=actor,
        event=event,
        text=clean[:MAX_TEXT] if clean else None,
        details=details or {},
    )
    return await added(session, row)


async def mark_delivered(session: AsyncSession, item: Item, now: datetime) -> Outcome:
    """The waiting unit got a channel: the card went out and its clock starts now."""
    state = state_of(item)
    after = esc.ItemState(
        status=state.status,
        path=state.path,
        arrived_at=now,
        due=state.due,
        breaches_handled=0,
        at_top=state.at_top,
    )
    return await _transition(
        session,
        item,
        after,
        event="delivered",
        actor=None,
        text=None,
        now=now,
        delivery_pending=False,
    )


# -- cards ------------------------------------------------------------------------------------


async def remember_card(
    session: AsyncSession,
    item: Item,
    unit_id: int,
    kind: str,
    *,
    conversation_pk: int | None = None,
    outbox_key: str | None = None,
    activity_id: str | None = None,
) -> None:
    assert item.id is not None
    await added(
        session,
        ItemCard(
            item_id=item.id,
            unit_id=unit_id,
            kind=kind,
            conversation_pk=conversation_pk,
            outbox_key=outbox_key,
            activity_id=activity_id,
            version=item.version,
        ),
    )


async def cards_of(session: AsyncSession, item_id: int) -> list[ItemCard]:
    return await all_of(
        session,
        select(ItemCard).where(col(ItemCard.item_id) == item_id).order_by(col(ItemCard.id)),
    )


async def open_item_titled(session: AsyncSession, origin_unit_id: int, title: str) -> int | None:
    """The first still-open item raised at the unit with exactly this title (an alert's item
    raised before, by anyone), or None."""
    return await one_of(
        session,
        select(col(Item.id))
        .where(
            col(Item.origin_unit_id) == origin_unit_id,
            col(Item.title) == title,
            col(Item.status).in_(esc.ACTIVE),
        )
        .order_by(col(Item.id))
        .limit(1),
    )
