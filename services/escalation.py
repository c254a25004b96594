"""Escalation as a service: transitions plus the cards they send, in one transaction.

This is where `storage.items_repo` (state, trail) meets `cards.items` (what people
see): every function runs in the caller's session and writes outbox rows beside
the state change, so a crash never loses a card its state says was sent.

- `escalate_item(session, item_id, actor, reason, now)`: a coordinator's `/escalate`,
  or a meeting's decision to lift an item.
- `notify(session, outcome)`: the cards for any transition (escalation card to the
  receiving unit, loop-back answer cards to every unit below on the path, ...).
- `sweep(session, now)`: the automatic part, run by the `escalation_sweep` job
  (`sweep_job`, listed in scheduler/kinds.py): reminders, escalation of overdue
  unacknowledged items, top-of-chain flags, and delivery of escalations that waited
  for a channel.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from cards.base import Card, card_message
from cards.items import EventView, ItemView, item_card
from core import escalation as esc
from core.item_values import ItemChange
from core.roles import holders
from i18n.texts import t
from services import mentions
from services.context import JobContext
from storage import channels_repo, items_repo, outbox_repo, roles_repo
from storage.item_models import Item, ItemEvent
from storage.models import Schedule, Unit
from storage.schedules_repo import upsert_schedule

log = logging.getLogger(__name__)

SWEEP_KIND = "escalation_sweep"
SWEEP_KEY = "escalation:sweep"
# Hourly at :07 local time; deadlines are local midnights, so the first sweep after
# midnight acts on the day's breaches.
SWEEP_TRIGGER: dict[str, Any] = {"minute": "7"}


async def ensure_sweep_schedule(session: AsyncSession) -> None:
    """The county-wide sweep schedule (idempotent; the version moves only on change)."""
    await upsert_schedule(session, SWEEP_KEY, SWEEP_KIND, None, SWEEP_TRIGGER, {}, 3 * 3600)


# -- views ----------------------------------------------------------------------------------


async def _names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    units = await items_repo.units_by_id(session, ids)
    return {uid: u.name for uid, u in units.items()}


def _event_ids(events: list[ItemEvent]) -> set[int]:
    ids = {e.unit_id for e in events}
    for e in events:
        to = e.details.get("to") if isinstance(e.details, dict) else None
        if isinstance(to, int):
            ids.add(to)
    return ids


async def item_view(
    session: AsyncSession,
    item: Item,
    now: datetime,
    *,
    events: list[ItemEvent] | None = None,
    names: dict[int, str] | None = None,
) -> ItemView:
    assert item.id is not None
    if events is None:
        events = await items_repo.trail(session, item.id)
    if names is None:
        names = await _names(
            session, {item.origin_unit_id, item.current_unit_id, *item.path, *_event_ids(events)}
        )
    state = items_repo.state_of(item)
    policy = await items_repo.policy_at(session, item.current_unit_id)
    # Events keep the person's object id where one is known (so erasure finds it): show
    # the name the roster gave for it instead.
    people = await channels_repo.display_names(session, {e.actor for e in events if e.actor})

    def name(uid: int | None) -> str:
        return names.get(uid, f"#{uid}") if uid is not None else "?"

    trail = [
        EventView(
            at=e.at,
            unit=name(e.unit_id),
            actor=people.get(e.actor, e.actor) if e.actor else None,
            event=e.event,
            text=e.text,
            to_unit=name(e.details.get("to")) if isinstance(e.details, dict) else None,
        )
        for e in events
    ]
    return ItemView(
        id=item.id,
        version=item.version,
        kind=item.kind,
        title=item.title,
        status=item.status,
        origin=name(item.origin_unit_id),
        current=name(item.current_unit_id),
        path=[name(u) for u in item.path],
        topic=item.topic,
        owner=item.owner,
        due=item.due,
        description=item.description,
        answer=item.answer,
        created_at=item.created_at,
        arrived_at=item.arrived_at,
        at_top=item.at_top,
        delivery_pending=item.delivery_pending,
        escalated_here=state.escalated and item.status in esc.ACTIVE,
        age_days=esc.age_days(item.created_at, now),
        overdue=esc.is_overdue(state, policy, now),
        trail=trail,
    )


async def suggested_due(session: AsyncSession, item: Item, now: datetime) -> Any:
    policy = await items_repo.policy_at(session, item.current_unit_id)
    return esc.local_date(now) + timedelta(days=policy.resolve_days)


# -- posting (the outbox seam) ---------------------------------------------------------------


async def enqueue(
    session: AsyncSession, conversation_pk: int, key: str, activity: dict[str, Any]
) -> None:
    """One outbox row (idempotent by key) in the caller's transaction."""
    await outbox_repo.enqueue(session, key, conversation_pk, activity)


async def post_to_unit(
    session: AsyncSession,
    item: Item,
    unit_id: int,
    kind: str,
    card: Card,
    summary: str,
) -> bool:
    """Queue a card for the unit's channel; False (nothing queued) if it has none."""
    binding = await channels_repo.active_binding_for_unit(session, unit_id)
    if binding is None:
        return False
    key = f"item:{item.id}:{kind}:{unit_id}:{item.version}"
    await enqueue(session, binding.conversation_pk, key, card_message(card, summary))
    await items_repo.remember_card(
        session, item, unit_id, kind, conversation_pk=binding.conversation_pk, outbox_key=key
    )
    return True


async def coordinators_of(session: AsyncSession, unit_id: int) -> list[str]:
    """Who coordinates the unit: its own coordinators, else the nearest above."""
    parents = await roles_repo.parents_map(session)
    people = await roles_repo.people_by_unit(session, list(parents))
    return holders(unit_id, "coordinator", parents, people)


async def ask_to_act(
    session: AsyncSession, card: Card, item: Item, unit_id: int, lang: str
) -> Card:
    """The card with Teams mentions of who must act at `unit_id`: the assignee when the
    item has one the bot knows, else the unit's coordinators (cards/mentions.py)."""
    people = await mentions.assignee(session, item.owner) if item.owner else []
    if people:
        return mentions.add_line(card, t(lang, "mention.assignee"), people)
    people = await mentions.coordinators(session, unit_id)
    return mentions.add_line(card, t(lang, "mention.coordinators"), people)


# -- notifications ---------------------------------------------------------------------------


@dataclass
class Notice:
    """What a transition told whom; `pending` when the receiving unit has no channel."""

    posted: list[int] = field(default_factory=list)
    pending_unit: str | None = None
    coordinators: list[str] = field(default_factory=list)


async def notify(session: AsyncSession, outcome: items_repo.Outcome, lang: str = "sv") -> Notice:
    item, before, after = outcome.item, outcome.before, outcome.after
    now = outcome.at
    view = await item_view(session, item, now)
    names = {before.current: "", after.current: ""}
    names = await _names(session, set(names) | set(before.path) | set(after.path))
    notice = Notice()
    summary = t(lang, "item.title", id=item.id, title=item.title)
    if outcome.event == "escalated":
        head = [t(lang, "item.head.escalated", unit=names.get(before.current, "?"))]
        if outcome.text:
            head.append(t(lang, "item.head.reason", reason=outcome.text))
        due = await suggested_due(session, item, now)
        card = item_card(lang, view, headline=head, suggested_due=due)
        card = await ask_to_act(session, card, item, after.current, lang)
        if await post_to_unit(session, item, after.current, "escalation", card, summary):
            notice.posted.append(after.current)
        else:
            notice.pending_unit = names.get(after.current, "?")
            notice.coordinators = await coordinators_of(session, after.current)
    elif outcome.event in ("resolved", "sent_back"):
        key = "item.head.answer" if outcome.event == "resolved" else "item.head.sent_back"
        head = [t(lang, key, unit=names.get(before.current, "?"))]
        due = await suggested_due(session, item, now)
        for unit_id in esc.loopback_targets(before, after):
            actionable = outcome.event == "sent_back" and unit_id == after.current
            card = item_card(lang, view, headline=head, with_actions=actionable, suggested_due=due)
            if actionable:
                card = await ask_to_act(session, card, item, unit_id, lang)
            if await post_to_unit(session, item, unit_id, "answer", card, summary):
                notice.posted.append(unit_id)
    elif outcome.event == "reminded":
        head = [t(lang, "item.head.reminder", n=after.breaches_handled)]
        due = await suggested_due(session, item, now)
        card = item_card(lang, view, headline=head, suggested_due=due)
        card = await ask_to_act(session, card, item, after.current, lang)
        if await post_to_unit(session, item, after.current, "reminder", card, summary):
            notice.posted.append(after.current)
    elif outcome.event == "flagged_top":
        head = [t(lang, "item.head.flagged")]
        if outcome.text:
            head.append(t(lang, "item.head.reason", reason=outcome.text))
        card = item_card(lang, view, headline=head)
        card = await ask_to_act(session, card, item, after.current, lang)
        if await post_to_unit(session, item, after.current, "flagged", card, summary):
            notice.posted.append(after.current)
    await refresh_cards(session, item, now, lang, view=view)
    return notice


async def refresh_cards(
    session: AsyncSession,
    item: Item,
    now: datetime,
    lang: str = "sv",
    *,
    view: ItemView | None = None,
) -> int:
    """Replace every earlier card of the item (posted through the outbox) by its state now.

    Buttons stay only on the card in the channel of the unit the item is at. Cards
    sent as direct replies have no outbox row to update; pressing one answers with
    the current state instead.
    """
    assert item.id is not None
    view = view or await item_view(session, item, now)
    due = await suggested_due(session, item, now)
    summary = t(lang, "item.title", id=item.id, title=item.title)
    count = 0
    for posted in await items_repo.cards_of(session, item.id):
        if posted.outbox_key is None or posted.conversation_pk is None:
            continue
        if posted.version >= item.version:
            continue  # posted for this very state
        actionable = item.status in esc.ACTIVE and posted.unit_id == item.current_unit_id
        card = item_card(lang, view, with_actions=actionable, suggested_due=due)
        await outbox_repo.enqueue(
            session,
            f"item:{item.id}:refresh:{posted.id}:{item.version}",
            posted.conversation_pk,
            card_message(card, summary),
            operation="update",
            updates_key=posted.outbox_key,
        )
        count += 1
    return count


@dataclass(frozen=True)
class Escalation:
    outcome: items_repo.Outcome
    notice: Notice

    @property
    def at_top(self) -> bool:
        return self.outcome.event == "flagged_top"


async def escalate_item(
    session: AsyncSession,
    item_id: int,
    actor: str | None,
    reason: str | None,
    now: datetime,
    *,
    expected_version: int | None = None,
    lang: str = "sv",
    breach: int | None = None,
) -> Escalation:
    """Lift the item one step (or flag it at the top) and queue the cards.

    Raises items_repo.StaleItem / ItemNotFound / IdentityNumberRefused and
    core.escalation.TransitionError ("terminal") without changing anything.
    """
    item = await items_repo.get_item(session, item_id)
    if item is None:
        raise items_repo.ItemNotFound(item_id)
    nodes = await items_repo.unit_nodes(session)
    target = esc.next_unit(item.current_unit_id, nodes, item.topic)
    bound = (
        target is not None
        and await channels_repo.active_binding_for_unit(session, target) is not None
    )
    change = ItemChange(item_id, actor, now, expected_version)
    outcome = await items_repo.escalate(session, change, reason, delivered=bound, breach=breach)
    notice = await notify(session, outcome, lang)
    if notice.pending_unit is not None and actor is None:
        # An automatic escalation: tell the unit it came from that it waits.
        await _tell_pending(session, outcome, notice, lang)
    return Escalation(outcome, notice)


async def _tell_pending(
    session: AsyncSession, outcome: items_repo.Outcome, notice: Notice, lang: str
) -> None:
    item = outcome.item
    who = ", ".join(notice.coordinators) or t(lang, "item.no_coordinators")
    message = t(lang, "item.escalated_pending", id=item.id, unit=notice.pending_unit, who=who)
    binding = await channels_repo.active_binding_for_unit(session, outcome.before.current)
    if binding is not None:
        key = f"item:{item.id}:pending:{outcome.before.current}:{item.version}"
        await enqueue(
            session,
            binding.conversation_pk,
            key,
            {"type": "message", "text": message, "textFormat": "markdown"},
        )


# -- the sweep ------------------------------------------------------------------------------


@dataclass
class SweepReport:
    reminded: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    flagged: list[int] = field(default_factory=list)
    delivered: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)


async def sweep(session: AsyncSession, now: datetime, lang: str = "sv") -> SweepReport:
    """Do what the policies say is due at `now`. Safe to run any number of times."""
    report = SweepReport()
    nodes = await items_repo.unit_nodes(session)
    units = {
        u.id: u for u in (await session.execute(select(Unit))).scalars().all() if u.id is not None
    }
    for item in await items_repo.active_items(session):
        assert item.id is not None
        try:
            async with session.begin_nested():
                await _sweep_one(session, item, now, nodes, units, lang, report)
        except items_repo.StaleItem:
            report.stale.append(item.id)  # someone acted meanwhile: next sweep decides
    return report


async def sweep_job(
    session: AsyncSession, schedule: Schedule, occurrence_at: datetime, context: JobContext
) -> None:
    """The `escalation_sweep` job. The occurrence is the clock: a sweep fired for 08:07
    decides as of 08:07."""
    lang = str(schedule.payload.get("lang") or "sv")
    report = await sweep(session, occurrence_at, lang)
    log.info(
        "escalation sweep: %d reminded, %d escalated, %d flagged, %d delivered, %d stale",
        len(report.reminded),
        len(report.escalated),
        len(report.flagged),
        len(report.delivered),
        len(report.stale),
    )


async def _sweep_one(
    session: AsyncSession,
    item: Item,
    now: datetime,
    nodes: dict[int, esc.UnitNode],
    units: dict[int, Unit],
    lang: str,
    report: SweepReport,
) -> None:
    assert item.id is not None
    if item.delivery_pending:
        if await channels_repo.active_binding_for_unit(session, item.current_unit_id) is None:
            return  # waits; its clock starts when the card is delivered
        outcome = await items_repo.mark_delivered(session, item, now)
        await _deliver_waiting(session, outcome, lang)
        report.delivered.append(item.id)
        return
    unit = units.get(item.current_unit_id)
    policy = esc.policy_for(unit.defaults if unit else None, unit.level if unit else "")
    decision = esc.decide(items_repo.state_of(item), policy, now, nodes, item.topic)
    if decision.action == "remind":
        outcome = await items_repo.remind(session, item, decision.breach, now)
        await notify(session, outcome, lang)
        report.reminded.append(item.id)
    elif decision.action in ("escalate", "flag_top"):
        result = await escalate_item(
            session,
            item.id,
            None,
            None,
            now,
            expected_version=item.version,
            lang=lang,
            breach=decision.breach,
        )
        (report.flagged if result.at_top else report.escalated).append(item.id)


async def _deliver_waiting(session: AsyncSession, outcome: items_repo.Outcome, lang: str) -> None:
    """The escalation card an unbound unit missed, now that it has a channel."""
    item = outcome.item
    events = await items_repo.trail(session, item.id or 0)
    lifted = next((e for e in reversed(events) if e.event == "escalated"), None)
    came_from = outcome.before.below[-1] if outcome.before.below else outcome.before.current
    names = await _names(session, {came_from})
    head = [t(lang, "item.head.escalated", unit=names.get(came_from, "?"))]
    if lifted is not None and lifted.text:
        head.append(t(lang, "item.head.reason", reason=lifted.text))
    view = await item_view(session, item, outcome.at, events=events)
    due = await suggested_due(session, item, outcome.at)
    card = item_card(lang, view, headline=head, suggested_due=due)
    card = await ask_to_act(session, card, item, item.current_unit_id, lang)
    await post_to_unit(
        session,
        item,
        item.current_unit_id,
        "escalation",
        card,
        t(lang, "item.title", id=item.id, title=item.title),
    )


async def deliver_pending_for_unit(
    session: AsyncSession, unit_id: int, now: datetime, lang: str = "sv"
) -> int:
    """Call after a unit gets a channel to deliver its waiting escalations at once."""
    rows = await session.execute(
        select(Item).where(
            col(Item.current_unit_id) == unit_id,
            col(Item.delivery_pending).is_(True),
            col(Item.status).in_(esc.ACTIVE),
        )
    )
    count = 0
    for item in rows.scalars().all():
        outcome = await items_repo.mark_delivered(session, item, now)
        await _deliver_waiting(session, outcome, lang)
        count += 1
    return count
