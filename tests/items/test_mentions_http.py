"""Channel cards that ask someone to act @mention them (Teams card mentions: `<at>Name</at>`
in a TextBlock plus the entity in the card's `msteams.entities`), over HTTP with the fake
connector: the receiving unit's coordinators on an escalated item, the assignee on an
item sent back, the owner on an action."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from cards.mentions import mentioned_ids
from storage import channels_repo
from storage.item_models import Item
from tests.cardschema import assert_valid_card
from tests.support.harness import BotHarness, user
from tests.support.items import CLUSTER, TEAM, bind, cards_in, deliver, find_action, load_org
from tests.teams import TENANT, Channel

SARA_OID = "0f3c1d2e-0000-4000-8000-0000000000a1"  # coordinator of Östersund (org file UPN)
STINA_OID = "0f3c1d2e-0000-4000-8000-0000000000b2"


async def _people(h: BotHarness) -> None:
    """What the verified roster told the bot earlier (stored per tenant and object id)."""
    async with h.db.session() as s:
        await channels_repo.remember_person(
            s, TENANT, SARA_OID, upn="samordnare.ostersund@example.se", display_name="Sara Lind"
        )
        await channels_repo.remember_person(
            s, TENANT, STINA_OID, upn="stina.ek@example.se", display_name="Stina Ek"
        )


async def _raise(h: BotHarness, channel: Channel, title: str) -> int:
    await h.post(h.teams.channel_message(channel, user(), f"ärende {title}"))
    await h.connector.wait_for(lambda p: any(title in str(c) for c in p.cards))
    async with h.db.session() as s:
        row = (await s.execute(select(Item).where(col(Item.title) == title))).scalar_one()
    assert row.id is not None
    return row.id


def _texts(card: dict[str, Any]) -> str:
    return " ".join(str(e.get("text", "")) for e in card.get("body", []))


async def test_an_escalated_item_mentions_the_receiving_units_coordinators(
    harness: BotHarness,
) -> None:
    h = harness
    await load_org(h.db)
    await _people(h)
    team, cluster = await bind(h, TEAM), await bind(h, CLUSTER)
    item_id = await _raise(h, team, "Ingen kallar till SIP")
    [raised] = cards_in(h, team)[-1:]
    assert mentioned_ids(raised) == []  # the raising channel is not asked to act by name

    await h.post(h.teams.channel_message(team, user(), f"lyft {item_id} Behöver klustret"))
    await h.connector.wait_for(lambda p: "lyft till" in p.text)
    await deliver(h)
    at_cluster = cards_in(h, cluster)[-1]
    assert_valid_card(at_cluster)
    assert mentioned_ids(at_cluster) == [SARA_OID]
    [entity] = at_cluster["msteams"]["entities"]
    assert entity == {
        "type": "mention",
        "text": "<at>Sara Lind</at>",
        "mentioned": {"id": SARA_OID, "name": "Sara Lind"},
    }
    assert "Samordnare: <at>Sara Lind</at>" in _texts(at_cluster)


async def test_an_item_sent_back_mentions_its_assignee(harness: BotHarness) -> None:
    h = harness
    await load_org(h.db)
    await _people(h)
    team, cluster = await bind(h, TEAM), await bind(h, CLUSTER)
    item_id = await _raise(h, team, "Oklart ansvar för hjälpmedel")
    ack = find_action(cards_in(h, team)[-1], "item.acknowledge")
    await h.post(
        h.teams.invoke_action(
            team,
            user(),
            "item.acknowledge",
            {**ack["data"], "due": "2099-01-01", "owner": "Stina Ek"},
        )
    )
    await h.post(h.teams.channel_message(team, user(), f"lyft {item_id} Behöver klustret"))
    await h.connector.wait_for(lambda p: "lyft till" in p.text)
    await deliver(h)
    back = find_action(cards_in(h, cluster)[-1], "item.send_back")
    await h.post(
        h.teams.invoke_action(
            cluster, user(), "item.send_back", {**back["data"], "comment": "Kommunens fråga"}
        )
    )
    await deliver(h)
    returned = cards_in(h, team)[-1]
    assert_valid_card(returned)
    assert "Kommunens fråga" in str(returned)
    assert mentioned_ids(returned) == [STINA_OID]
    assert "Ansvarig: <at>Stina Ek</at>" in _texts(returned)
