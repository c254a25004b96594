"""Who the item card names: the creator in the trail, and the assignee after an answer
comes back down — over HTTP with the fake connector."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from storage.item_models import Item
from tests.support.harness import BotHarness
from tests.support.items import (
    CLUSTER,
    TEAM,
    bind,
    cards_in,
    deliver,
    find_action,
    invoke_card,
    load_org,
)
from tests.teams import Channel, TeamsUser

ANNA = TeamsUser("Anna Berg", upn="anna.berg@example.se")


def owner_fact(card: dict[str, Any]) -> str:
    for element in card["body"]:
        for fact in element.get("facts", []):
            if fact["title"] == "Ansvarig":
                return str(fact["value"])
    raise AssertionError("no Ansvarig on the card")


async def _raise(h: BotHarness, channel: Channel, title: str) -> tuple[int, dict[str, Any]]:
    await h.post(h.teams.channel_message(channel, ANNA, f"ärende {title}"))
    posted = await h.connector.wait_for(lambda p: any(title in str(c) for c in p.cards))
    async with h.db.session() as s:
        row = (await s.execute(select(Item).where(col(Item.title) == title))).scalar_one()
    assert row.id is not None
    return row.id, posted.cards[0]


async def test_the_trail_names_the_creator_not_their_object_id(harness: BotHarness) -> None:
    h = harness
    # The name comes from the Teams roster (never from the request body).
    h.connector.add_member(
        ANNA.channel_id, aad_object_id=ANNA.aad_object_id, name=ANNA.name, upn=ANNA.upn
    )
    await load_org(h.db)
    team, cluster = await bind(h, TEAM), await bind(h, CLUSTER)
    item_id, _ = await _raise(h, team, "Svårt att nå jourläkare")
    await h.post(h.teams.channel_message(team, ANNA, f"lyft {item_id} Behöver klustret"))
    await h.connector.wait_for(lambda p: "lyft till" in p.text)
    await deliver(h)
    at_cluster = str(cards_in(h, cluster)[-1])
    assert "Anna Berg: skapade ärendet" in at_cluster
    assert ANNA.aad_object_id not in at_cluster


async def _acknowledged_and_lifted(h: BotHarness) -> tuple[Channel, Channel, int]:
    await load_org(h.db)
    team, cluster = await bind(h, TEAM), await bind(h, CLUSTER)
    item_id, raised = await _raise(h, team, "Oklart vem som kallar till SIP")
    ack = find_action(raised, "item.acknowledge")
    status, body = await h.post(
        h.teams.invoke_action(
            team, ANNA, "item.acknowledge", {**ack["data"], "due": "2099-01-01", "owner": "Stina"}
        )
    )
    assert status == 200 and owner_fact(invoke_card(body)) == "Stina"
    await h.post(h.teams.channel_message(team, ANNA, f"lyft {item_id} Behöver klustret"))
    await h.connector.wait_for(lambda p: "lyft till" in p.text)
    await deliver(h)
    assert owner_fact(cards_in(h, cluster)[-1]) == "ingen än"  # the cluster names its own
    return team, cluster, item_id


async def test_an_answer_coming_back_down_keeps_the_teams_assignee(harness: BotHarness) -> None:
    h = harness
    team, cluster, _ = await _acknowledged_and_lifted(h)
    resolve = find_action(cards_in(h, cluster)[-1], "item.resolve")
    await h.post(
        h.teams.invoke_action(
            cluster, ANNA, "item.resolve", {**resolve["data"], "answer": "Kommunen kallar"}
        )
    )
    await deliver(h)
    answer = cards_in(h, team)[-1]
    assert "Kommunen kallar" in str(answer)
    assert owner_fact(answer) == "Stina"


async def test_an_item_sent_back_has_the_teams_assignee_again(harness: BotHarness) -> None:
    h = harness
    team, cluster, _ = await _acknowledged_and_lifted(h)
    back = find_action(cards_in(h, cluster)[-1], "item.send_back")
    await h.post(
        h.teams.invoke_action(
            cluster, ANNA, "item.send_back", {**back["data"], "comment": "Se SIP-guiden"}
        )
    )
    await deliver(h)
    returned = cards_in(h, team)[-1]
    assert "Se SIP-guiden" in str(returned)
    assert owner_fact(returned) == "Stina"
