"""Indicator alerts with a moving clock: the daily job posts an alert card in the unit's
channel when a new value crosses its target (once), and its button raises an item that
carries the figures (an Action.Execute invoke over HTTP)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from cards.alerts import RAISE_VERB
from scheduler.firing import fire
from services import alerts
from storage import indicators_repo, schedules_repo
from storage.indicators_repo import ValueIn
from storage.item_models import Item
from storage.models import OutboxMessage
from tests.cardschema import assert_valid_card
from tests.indicators.test_digest_http import bind
from tests.support.harness import BotHarness
from tests.support.indicators import last_month, seed_county
from tests.support.jobs import job_context
from tests.teams import TeamsUser

MAJA = TeamsUser(name="Maja Chef", upn="maja.chef@example.se")


async def alert_rows(h: BotHarness) -> list[OutboxMessage]:
    async with h.db.read() as s:
        rows = (await s.execute(select(OutboxMessage).order_by(col(OutboxMessage.id)))).scalars()
        return [r for r in rows.all() if r.idempotency_key.startswith("alert:")]


async def fire_at(h: BotHarness, when: datetime) -> None:
    async with h.db.session() as s:
        schedule = await schedules_repo.get_schedule(s, alerts.SCHEDULE_KEY)
        assert schedule is not None
        assert await fire(s, schedule, when, job_context())


async def test_a_value_crossing_its_target_is_told_once_and_raises_an_item(
    harness: BotHarness,
) -> None:
    h = harness
    units, ids = await seed_county(
        h.db, [("Krokom", MAJA.upn, "manager"), ("Krokom", "sara@example.se", "coordinator")]
    )
    channel = await bind(h, "Krokom", MAJA)
    async with h.db.session() as s:
        await alerts.ensure_schedule(s)
    ind, krokom = ids["utskrivningsklara_dagar"], units["Krokom"]
    ref = last_month()

    async def put(period_shift: int, value: float) -> None:
        async with h.db.session() as s:
            await indicators_repo.upsert_values(
                s, [ValueIn(ind, krokom, ref.shift(period_shift).label, value, 100.0, "test")]
            )

    for shift, value in ((-3, 1.2), (-2, 1.3), (-1, 1.4)):  # on target (1,5 or lower)
        await put(shift, value)
    now = datetime.now(UTC).replace(microsecond=0)
    await fire_at(h, now)
    assert await alert_rows(h) == []  # nothing crossed

    await put(0, 1.9)  # off target: crossed
    await fire_at(h, now + timedelta(days=1))
    (row,) = await alert_rows(h)
    card = row.payload["attachments"][0]["content"]
    assert_valid_card(card)
    body = json.dumps(card, ensure_ascii=False)
    assert "Indikatorlarm: Utskrivningsklara dagar – Krokom" in body
    assert "1,9 dagar" in body and "utanför målet 1,5 dagar" in body
    assert "perioden innan 1,4 dagar" in body
    assert "Till: maja.chef@example.se, sara@example.se" in body

    # The next days: the same value is not told twice; after the look-back, not at all.
    await fire_at(h, now + timedelta(days=2))
    await fire_at(h, now + timedelta(days=12))
    assert len(await alert_rows(h)) == 1

    action = card["actions"][0]
    assert action["verb"] == RAISE_VERB
    status, resp = await h.post(h.teams.invoke_action(channel, MAJA, RAISE_VERB, action["data"]))
    assert status == 200 and resp["type"] == "application/vnd.microsoft.card.adaptive"
    async with h.db.read() as s:
        (item,) = (await s.execute(select(Item))).scalars().all()
    assert item.current_unit_id == krokom
    assert item.title.startswith("Utskrivningsklara dagar: 1,9 dagar för")
    assert "(mål 1,5 dagar)" in item.title
    assert item.description is not None and "1,2 dagar" in item.description
    assert "1,9 dagar" in item.description

    # A forged card naming another unit reads as not found, and raises nothing.
    forged = {**action["data"], "unit_id": units["Östersund"]}
    status, resp = await h.post(h.teams.invoke_action(channel, MAJA, RAISE_VERB, forged))
    assert status == 200 and "inget värde för den indikatorn" in resp["value"]
    async with h.db.read() as s:
        assert len((await s.execute(select(Item))).scalars().all()) == 1
