"""A shown comment becomes an item in one click; the next results list what came of it."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from cards.pulse_trend import without_charts
from core.pulse_followup import comment_key
from storage.item_models import Item
from storage.pulse_models import Pulse
from storage.types import utcnow
from tests.cardschema import assert_valid_card
from tests.pulse.conftest import STAFF
from tests.pulse.test_pulse_http import (
    COORDINATOR,
    COUNTY,
    _answer,
    _people,
    _setup_channel,
    _start,
    _values,
)
from tests.support.harness import BotHarness, add_units
from tests.support.items import deliver
from tests.teams import Channel


async def _press(h: BotHarness, channel: Channel, who: Any, data: dict) -> str:
    verb = "pulse.comment_item"
    status, body = await h.post(h.teams.invoke_action(channel, who, verb, data))
    assert status == 200
    return json.dumps(body, ensure_ascii=False)


async def _items(h: BotHarness) -> list[Item]:
    async with h.db.session() as s:
        return list((await s.execute(select(Item))).scalars().all())


async def _run_pulse(h: BotHarness, channel: Channel, prefix: str) -> None:
    ref, _ = await _start(h, channel)
    for i, who in enumerate(_people(5, prefix=prefix)):
        await _answer(h, channel, who, ref, _values("4", example=f"{prefix} förslag {i}"))
    await h.post(h.teams.channel_message(channel, COORDINATOR, "puls stäng"))
    await deliver(h)


async def test_comment_to_item_and_what_came_of_it(roles: BotHarness) -> None:
    h = roles
    await add_units(h.db, COUNTY, roles=[("Östersund", "karin@example.se", "coordinator")])
    channel = await _setup_channel(h, "Östersund")
    await _run_pulse(h, channel, "Första")

    await h.post(h.teams.channel_message(channel, COORDINATOR, "puls resultat"))
    posted = await h.connector.wait_for(
        lambda p: any("Gör till ärende" in json.dumps(c, ensure_ascii=False) for c in p.cards)
    )
    [card] = posted.cards
    assert_valid_card(card)
    buttons = [
        a
        for el in card["body"]
        if el["type"] == "ActionSet"
        for a in el["actions"]
        if a["verb"] == "pulse.comment_item"
    ]
    assert len(buttons) == 5
    data = buttons[0]["data"]
    comment = next(
        f"Första förslag {i}"
        for i in range(5)
        if comment_key(f"Första förslag {i}") == data["comment"]
    )

    # Staff cannot; a comment never shown cannot; the coordinator can, once.
    assert "samordnare" in (await _press(h, channel, STAFF, data)).lower()
    unknown = {**data, "comment": comment_key("Något ingen skrev")}
    assert "finns inte bland pulsens" in await _press(h, channel, COORDINATOR, unknown)
    assert await _items(h) == []
    made = await _press(h, channel, COORDINATOR, data)
    [item] = await _items(h)
    assert f"ärende #{item.id}" in made
    assert item.title == comment and item.kind == "proposal" and comment in (item.description or "")
    assert f"redan ärende #{item.id}" in await _press(h, channel, COORDINATOR, data)
    assert len(await _items(h)) == 1

    # The card shown again says which item the comment became.
    await h.post(h.teams.channel_message(channel, COORDINATOR, "puls resultat"))
    again = await h.connector.wait_for(
        lambda p: p is not posted and any(f"Blev ärende #{item.id}" in str(c) for c in p.cards)
    )
    assert_valid_card(again.cards[0])

    # The next pulse's results (posted in the channel at close): "ni sa, vi gjorde".
    async with h.db.session() as s:  # past the cool-down
        await s.execute(update(Pulse).values(closed_at=utcnow() - timedelta(days=8)))
    await _run_pulse(h, channel, "Andra")
    results = await h.connector.wait_for(
        lambda p: any("Ni sa, vi gjorde" in json.dumps(c, ensure_ascii=False) for c in p.cards)
    )
    dumped = json.dumps(results.cards[0], ensure_ascii=False)
    assert f"#{item.id} {comment} · Öppet" in dumped
    assert "Gör till ärende" not in dumped  # the channel's copy has no buttons
    assert '"Chart.Line"' in dumped  # two pulses: a trend
    shown = without_charts(results.cards[0])
    assert isinstance(shown, dict)
    assert_valid_card(shown)
