"""What the item tests share: the Jämtland org, channels bound over HTTP, delivery.

`deliver` runs the real delivery dispatcher (delivery/dispatcher.py) against the fake
connector until the outbox is drained.
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from core.org import OrgSpec, parse_org_text
from delivery.dispatcher import InstallApp, build_dispatcher
from storage import outbox_repo
from storage.db import Database
from storage.item_models import Item, ItemEvent
from storage.models import OutboxMessage, Unit
from storage.org_repo import sync_org
from tests.fakes.tokens import FakeTokenProvider
from tests.support.harness import BotHarness, local_settings, user
from tests.teams import Channel, TeamsUser, new_channel

ROOT = Path(__file__).resolve().parents[2]
TEAM = "Hemsjukvård Östersund"
CLUSTER = "Östersund"
COUNTY = "Regionens samverkansråd"


def jamtland() -> OrgSpec:
    spec = parse_org_text((ROOT / "examples" / "jamtland.yaml").read_text(encoding="utf-8"))
    assert isinstance(spec, OrgSpec), spec
    return spec


async def load_org(db: Database) -> dict[str, int]:
    async with db.session() as s:
        plan = await sync_org(s, jamtland(), actor="test")
        assert not plan.problems
    async with db.session() as s:
        rows = (await s.execute(select(Unit))).scalars().all()
    return {u.name: u.id for u in rows if u.id is not None}


async def bind(h: BotHarness, unit: str, who: TeamsUser | None = None) -> Channel:
    channel = new_channel(f"{unit} samverkan")
    # `say` carries a Bot Framework token when the harness has JWT on (`secured`).
    await h.say(h.teams.install_in_team(channel, who or user()))
    await h.say(h.teams.channel_message(channel, who or user(), f"setup {unit}"))
    await h.connector.wait_for(
        lambda p: p.conversation_id.startswith(channel.conversation_id) and "Klart" in p.text
    )
    return channel


@dataclass(frozen=True)
class Delivered:
    sent: int
    updated: int


async def deliver(h: BotHarness, install: InstallApp | None = None) -> Delivered:
    """Run the real dispatcher until the outbox is drained; what it sent and updated.
    `install`: the app installation before a pending chat is opened (runtime/process.py)."""
    db = h.db
    settings = h.settings or local_settings(db.url, Path(tempfile.gettempdir()))
    async with db.session() as s:
        before = set(
            (
                await s.execute(
                    select(col(OutboxMessage.id)).where(col(OutboxMessage.status) == "sent")
                )
            )
            .scalars()
            .all()
        )
    # With credentials (`secured`), outgoing tokens come from the fake provider, never Entra.
    provider = FakeTokenProvider if settings.client_id else None
    dispatcher = build_dispatcher(
        settings, db, poll_seconds=0.05, provider_factory=provider, install=install
    )
    await dispatcher.start()
    try:
        for _ in range(200):
            dispatcher.notify()
            async with db.session() as s:
                counts = await outbox_repo.counts(s)
            if not any(counts.get(k, 0) for k in outbox_repo.OPEN):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"outbox not drained: {counts}")
    finally:
        await dispatcher.stop()
    async with db.session() as s:
        rows = (
            (await s.execute(select(OutboxMessage).where(col(OutboxMessage.status) != "pending")))
            .scalars()
            .all()
        )
    dead = [r for r in rows if r.status == "dead"]
    assert not dead, [(r.idempotency_key, r.last_error) for r in dead]
    new = [r for r in rows if r.status == "sent" and r.id not in before]
    return Delivered(
        sent=sum(r.operation == "send" for r in new),
        updated=sum(r.operation == "update" for r in new),
    )


def cards_in(h: BotHarness, channel: Channel) -> list[dict[str, Any]]:
    return [
        c
        for p in h.connector.posted
        if p.conversation_id.startswith(channel.conversation_id)
        for c in p.cards
    ]


def texts_in(h: BotHarness, channel: Channel) -> list[str]:
    return [
        p.text for p in h.connector.posted if p.conversation_id.startswith(channel.conversation_id)
    ]


def find_action(card: dict[str, Any], verb: str) -> dict[str, Any]:
    """The Action.Execute with `verb`, inside the card's ShowCard actions."""
    for action in card.get("actions", []):
        if action.get("type") == "Action.Execute" and action.get("verb") == verb:
            return action
        inner = action.get("card", {})
        for sub in inner.get("actions", []):
            if sub.get("verb") == verb:
                return sub
    raise AssertionError(
        f"no {verb} on the card: {[a.get('title') for a in card.get('actions', [])]}"
    )


async def item(db: Database, item_id: int) -> Item:
    async with db.session() as s:
        row = await s.get(Item, item_id)
        assert row is not None
        return row


async def events(db: Database, item_id: int) -> list[str]:
    async with db.session() as s:
        rows = await s.execute(
            select(ItemEvent).where(col(ItemEvent.item_id) == item_id).order_by(col(ItemEvent.id))
        )
        return [e.event for e in rows.scalars().all()]


def invoke_card(body: Any) -> dict[str, Any]:
    assert (
        isinstance(body, dict) and body.get("type") == "application/vnd.microsoft.card.adaptive"
    ), body
    card = body["value"]
    assert isinstance(card, dict)
    return card
