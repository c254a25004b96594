"""Follow-up never stops (over HTTP with the fake connector, a clock that moves): an
acknowledged item past its due date is reminded (naming its assignee), then escalated to
the unit above (naming that unit's coordinators), by the unit's policy in the org file."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select

from cards.mentions import mentioned_ids
from core.escalation import breach_at, local_date, policy_for
from services.escalation import SweepReport, sweep
from storage import channels_repo, items_repo
from storage.item_models import Item
from storage.models import Unit
from storage.types import utcnow
from tests.cardschema import assert_valid_card
from tests.support.harness import BotHarness, user
from tests.support.items import (
    CLUSTER,
    TEAM,
    bind,
    cards_in,
    deliver,
    events,
    find_action,
    load_org,
)
from tests.teams import TENANT

SARA = "0f3c1d2e-0000-4000-8000-0000000000a1"  # coordinator of Östersund (org file UPN)
STINA = "0f3c1d2e-0000-4000-8000-0000000000b2"


async def test_an_acknowledged_item_is_reminded_then_escalated(harness: BotHarness) -> None:
    h = harness
    await load_org(h.db)
    async with h.db.session() as s:
        await channels_repo.remember_person(
            s, TENANT, SARA, upn="samordnare.ostersund@example.se", display_name="Sara Lind"
        )
        await channels_repo.remember_person(s, TENANT, STINA, display_name="Stina Ek")
    team, cluster = await bind(h, TEAM), await bind(h, CLUSTER)
    await h.post(h.teams.channel_message(team, user(), "ärende Hjälpmedel saknas vid utskrivning"))
    await h.connector.wait_for(lambda p: any("Hjälpmedel" in str(c) for c in p.cards))
    async with h.db.session() as s:
        row = (
            await s.execute(select(Item).where(col(Item.title).contains("Hjälpmedel")))
        ).scalar_one()
    due = local_date(utcnow()) + timedelta(days=1)
    ack = find_action(cards_in(h, team)[-1], "item.acknowledge")
    await h.post(
        h.teams.invoke_action(
            team,
            user(),
            "item.acknowledge",
            {**ack["data"], "due": due.isoformat(), "owner": "Stina Ek"},
        )
    )
    async with h.db.session() as s:
        fresh = await s.get(Item, row.id)
        unit = await s.get(Unit, row.current_unit_id)
        assert fresh is not None and unit is not None and fresh.status == "acknowledged"
        policy = policy_for(unit.defaults, unit.level)
        state = items_repo.state_of(fresh)
    first, last = breach_at(state, policy, 1), breach_at(state, policy, policy.repeat + 1)

    async def sweep_at(now: datetime) -> SweepReport:
        async with h.db.session() as s:
            return await sweep(s, now)

    assert (await sweep_at(first - timedelta(seconds=1))).reminded == []
    assert (await sweep_at(first)).reminded == [row.id]
    await deliver(h)
    reminder = cards_in(h, team)[-1]
    assert_valid_card(reminder)
    assert "Påminnelse 1" in str(reminder) and mentioned_ids(reminder) == [STINA]

    assert (await sweep_at(last)).escalated == [row.id]
    await deliver(h)
    lifted = cards_in(h, cluster)[-1]
    assert_valid_card(lifted)
    assert mentioned_ids(lifted) == [SARA]
    assert (await events(h.db, row.id or 0))[-1] == "escalated"
