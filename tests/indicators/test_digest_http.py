"""`/digest` over HTTP with the fake connector, Action.Execute expansion, roles, subscriptions.

Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Any

from cards.digest import COUNTY_UNITS_VERB, EXPAND_VERB
from storage import indicators_repo
from tests.cardschema import assert_valid_card
from tests.fakes.issuer import LocalIssuer
from tests.support.harness import BotHarness
from tests.support.indicators import seed_county, seed_values
from tests.teams import TeamsUser, new_channel

MANAGER = TeamsUser(name="Maja Chef", upn="maja.chef@example.se")
COORDINATOR = TeamsUser(name="Sara Samordnare", upn="sara@example.se")
STAFF = TeamsUser(name="Nils Sjuksköterska", upn="nils@example.se")


def texts(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


def invoke_card(body: Any) -> dict[str, Any]:
    assert (
        isinstance(body, dict) and body.get("type") == "application/vnd.microsoft.card.adaptive"
    ), body
    return dict(body["value"])


async def bind(h: BotHarness, unit: str, by: TeamsUser) -> Any:
    channel = new_channel()
    await h.say(h.teams.channel_message(channel, by, f"setup {unit}"))
    await h.connector.wait_for(
        lambda p: "Klart" in p.text and p.conversation_id.split(";")[0] == channel.channel_id
    )
    return channel


async def test_digest_in_a_channel_shows_headline_table_chart_and_expands_in_place(
    harness: BotHarness,
) -> None:
    h = harness
    units, ids = await seed_county(h.db)
    await seed_values(h.db, units, ids)
    channel = await bind(h, "Krokom", MANAGER)
    await h.say(h.teams.channel_message(channel, MANAGER, "sammanställning"))
    posted = await h.connector.wait_for(lambda p: bool(p.cards) and "Krokom" in texts(p.cards[0]))
    card = posted.cards[0]
    assert_valid_card(card)
    body = texts(card)
    # Krokom: discharge days off target (3,1 vs 1,5), physician contact off (52,5 vs 60).
    assert "0 av 2 indikatorer når målet" in body
    assert "3,1" in body and "52,5\u00a0%" in body  # Swedish decimals
    assert '"type": "Table"' in body and "↑" in body  # days rising = worsening
    # Teams' own charts, no image: the trend line with its target, and a gauge for the
    # share (physician contact 52,5 % against 60 %); each with a table as fallback.
    assert "data:image" not in body
    assert '"type": "Chart.Line"' in body and '"type": "Chart.Gauge"' in body
    assert '"xAxisTitle": "Period"' in body and '"legend": "Mål"' in body
    assert "Ärenden" in body and "Nästa möte" in body
    assert (
        card["actions"][0]["type"] == "Action.Execute" and card["actions"][0]["verb"] == EXPAND_VERB
    )
    before = len(h.connector.posted)

    data = card["actions"][0]["data"]
    status, resp = await h.post(h.teams.invoke_action(channel, MANAGER, EXPAND_VERB, data))
    assert status == 200
    expanded = invoke_card(resp)
    assert_valid_card(expanded)
    assert "Period" in texts(expanded) and "Visa mindre" in texts(expanded)
    assert len(h.connector.posted) == before  # replaced in place, nothing new posted


async def test_digest_for_a_period_and_a_bad_period(harness: BotHarness) -> None:
    h = harness
    units, ids = await seed_county(h.db)
    ref = await seed_values(h.db, units, ids)
    channel = await bind(h, "Östersund", MANAGER)
    earlier = ref.shift(-3)
    await h.say(h.teams.channel_message(channel, MANAGER, f"digest {earlier.label}"))
    posted = await h.connector.wait_for(
        lambda p: bool(p.cards) and "Östersund" in texts(p.cards[0])
    )
    assert_valid_card(posted.cards[0])
    # Östersund's value three months earlier was 1,7 (off target 1,5).
    assert "1,7" in texts(posted.cards[0])
    await h.say(h.teams.channel_message(channel, MANAGER, "digest 2026-13"))
    await h.connector.wait_for(lambda p: "förstår inte perioden" in p.text)


async def test_county_digest_pages_units_side_by_side(harness: BotHarness) -> None:
    h = harness
    units, ids = await seed_county(h.db)
    await seed_values(h.db, units, ids)
    channel = await bind(h, "Regionens samverkansråd", MANAGER)
    await h.say(h.teams.channel_message(channel, MANAGER, "digest"))
    posted = await h.connector.wait_for(
        lambda p: bool(p.cards) and "Länssammanställning" in texts(p.cards[0])
    )
    card = posted.cards[0]
    assert_valid_card(card)
    body = texts(card)
    assert "utanför målet: Krokom" in body
    assert "Ärenden som väntar på länsnivå" in body
    action = card["actions"][0]
    assert action["verb"] == COUNTY_UNITS_VERB
    data = {**action["data"], "indicator": "utskrivningsklara_dagar"}  # the ChoiceSet's value
    status, resp = await h.post(h.teams.invoke_action(channel, MANAGER, COUNTY_UNITS_VERB, data))
    assert status == 200
    units_card = invoke_card(resp)
    assert_valid_card(units_card)
    assert all(name in texts(units_card) for name in ("Östersund", "Krokom", "Härjedalen"))


async def test_staff_are_refused_and_told_who_can(secured: tuple[BotHarness, LocalIssuer]) -> None:
    h, _ = secured
    units, ids = await seed_county(
        h.db, [("Krokom", MANAGER.upn, "manager"), ("Krokom", COORDINATOR.upn, "coordinator")]
    )
    await seed_values(h.db, units, ids)
    for person in (MANAGER, COORDINATOR, STAFF):
        h.connector.add_member(
            person.channel_id, aad_object_id=person.aad_object_id, name=person.name, upn=person.upn
        )
    channel = await bind(h, "Krokom", COORDINATOR)
    await h.say(h.teams.channel_message(channel, STAFF, "digest"))
    refusal = await h.connector.wait_for(lambda p: "chef" in p.text and "Krokom" in p.text)
    assert MANAGER.upn in refusal.text or COORDINATOR.upn in refusal.text
    await h.say(h.teams.channel_message(channel, COORDINATOR, "sammanställning"))
    posted = await h.connector.wait_for(lambda p: bool(p.cards))
    assert_valid_card(posted.cards[0])


async def test_subscribe_and_unsubscribe_in_the_personal_chat(
    secured: tuple[BotHarness, LocalIssuer],
) -> None:
    h, _ = secured
    units, ids = await seed_county(h.db, [("Östersund", MANAGER.upn, "manager")])
    await seed_values(h.db, units, ids)
    h.connector.add_member(
        MANAGER.channel_id, aad_object_id=MANAGER.aad_object_id, name=MANAGER.name, upn=MANAGER.upn
    )
    await h.say(h.teams.personal_message(MANAGER, "digest subscribe Krokom"))
    await h.connector.wait_for(
        lambda p: "Krokom" in p.text and ("chef" in p.text or "Only" in p.text)
    )
    await h.say(h.teams.personal_message(MANAGER, "digest prenumerera Östersund"))
    await h.connector.wait_for(lambda p: "Klart" in p.text and "Östersund" in p.text)
    # No unit named in the personal chat: the digests of the units she leads.
    await h.say(h.teams.personal_message(MANAGER, "sammanställning"))
    posted = await h.connector.wait_for(lambda p: bool(p.cards))
    assert "Östersund" in texts(posted.cards[0])
    await h.say(h.teams.personal_message(MANAGER, "digest avsluta"))
    await h.connector.wait_for(lambda p: "inte längre" in p.text)
    async with h.db.session() as s:
        assert await indicators_repo.subscriptions_of(s, MANAGER.aad_object_id) == {
            units["Östersund"]: False
        }
        people = await indicators_repo.recipients(s, [units["Östersund"]])
    assert people[units["Östersund"]].managers == ()  # opted out of the org file's role too
