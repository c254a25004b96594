"""Roles on items over HTTP with JWT on (`secured`), on SQLite and PostgreSQL: staff
(no role) pressing a coordinator's button on an item card, or typing `/escalate`, is
refused with a message naming who can, and nothing changes."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from storage.item_models import Item
from tests.fakes.issuer import LocalIssuer
from tests.support.harness import BotHarness, bearer
from tests.support.items import (
    CLUSTER,
    TEAM,
    bind,
    cards_in,
    deliver,
    events,
    find_action,
    invoke_card,
    item,
    load_org,
)
from tests.teams import Channel, TeamsUser

# As examples/jamtland.yaml names them; Stina has no role anywhere.
TEAMLEAD = TeamsUser(name="Tea Teamledare", upn="teamledare.hemsjukvard.ostersund@example.se")
CLUSTER_COORD = TeamsUser(name="Olle Samordnare", upn="samordnare.ostersund@example.se")
STAFF = TeamsUser(name="Stina Personal", upn="stina.personal@example.se")


async def _press(
    h: BotHarness, channel: Channel, who: TeamsUser, verb: str, data: dict[str, Any]
) -> Any:
    status, body = await h.post(
        h.teams.invoke_action(channel, who, verb, data), bearer(h.token or "")
    )
    assert status == 200, body
    return body


async def test_staff_pressing_coordinator_buttons_or_typing_escalate_is_refused(
    secured: tuple[BotHarness, LocalIssuer],
) -> None:
    h, _ = secured
    ids = await load_org(h.db)
    for p in (TEAMLEAD, CLUSTER_COORD, STAFF):
        h.connector.add_member(p.channel_id, aad_object_id=p.aad_object_id, name=p.name, upn=p.upn)
    team = await bind(h, TEAM, TEAMLEAD)
    cluster = await bind(h, CLUSTER, CLUSTER_COORD)

    # Anyone may raise an item.
    title = "Hjälpmedel levereras sent"
    await h.say(h.teams.channel_message(team, STAFF, f"ärende {title}"))
    raised = await h.connector.wait_for(lambda p: any(title in str(c) for c in p.cards))
    [card] = raised.cards
    async with h.db.session() as s:
        item_id = (
            await s.execute(select(col(Item.id)).where(col(Item.title) == title))
        ).scalar_one()
    assert item_id is not None

    # Staff typing /escalate at the team: refused, naming the team's coordinator.
    before = len(h.connector.posted)
    await h.say(h.teams.channel_message(team, STAFF, f"/escalate {item_id} Vill lyfta"))
    refusal = await h.connector.wait_for(
        lambda p: h.connector.posted.index(p) >= before and "samordnare" in p.text
    )
    assert TEAMLEAD.upn in refusal.text and TEAM in refusal.text
    assert await events(h.db, item_id) == ["created"]

    # Staff pressing resolve / escalate on the team's card: refused the same way.
    for verb, extra in (("item.resolve", {"answer": "Löst"}), ("item.escalate", {"reason": "x"})):
        body = await _press(h, team, STAFF, verb, {**find_action(card, verb)["data"], **extra})
        assert body["type"] == "application/vnd.microsoft.activity.message", body
        assert TEAMLEAD.upn in body["value"] and "samordnare" in body["value"], body
    row = await item(h.db, item_id)
    assert (row.status, row.version, row.current_unit_id) == ("open", 1, ids[TEAM])
    assert await events(h.db, item_id) == ["created"]

    # The team's coordinator lifts it; at the cluster the card offers acknowledge too.
    await h.say(h.teams.channel_message(team, TEAMLEAD, f"lyft {item_id} Behöver klustret"))
    await h.connector.wait_for(lambda p: "lyft till" in p.text)
    assert (await deliver(h)).sent == 1
    at_cluster = cards_in(h, cluster)[-1]
    version = (await item(h.db, item_id)).version
    trail = await events(h.db, item_id)
    presses = (
        ("item.acknowledge", {"due": "2099-01-01", "owner": "Stina"}),
        ("item.resolve", {"answer": "Löst av personal"}),
        ("item.escalate", {"reason": "Vidare"}),
        ("item.send_back", {"comment": "Tillbaka"}),
    )
    for verb, extra in presses:
        data = {**find_action(at_cluster, verb)["data"], **extra}
        body = await _press(h, cluster, STAFF, verb, data)
        assert body["type"] == "application/vnd.microsoft.activity.message", (verb, body)
        # The cluster's coordinator, not the team's: the item is at the cluster now.
        assert CLUSTER_COORD.upn in body["value"] and CLUSTER in body["value"], (verb, body)
    before = len(h.connector.posted)
    await h.say(h.teams.channel_message(cluster, STAFF, f"/escalate {item_id} Till länet"))
    refusal = await h.connector.wait_for(
        lambda p: h.connector.posted.index(p) >= before and "samordnare" in p.text
    )
    assert CLUSTER_COORD.upn in refusal.text
    row = await item(h.db, item_id)
    assert (row.version, row.current_unit_id, row.owner, row.due) == (
        version,
        ids[CLUSTER],
        None,
        None,
    )
    assert await events(h.db, item_id) == trail == ["created", "escalated"]
    assert (await deliver(h)).sent == 0  # no cards went anywhere

    # The control: the same acknowledge pressed by the cluster's coordinator works.
    data = {**find_action(at_cluster, "item.acknowledge")["data"], "due": "2099-01-01"}
    body = await _press(h, cluster, CLUSTER_COORD, "item.acknowledge", data)
    assert "2099-01-01" in str(invoke_card(body))
    assert (await events(h.db, item_id))[-1] == "acknowledged"
