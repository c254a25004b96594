"""Issue 12, finding 1, played over HTTP: a person with no role, inside the tenant,
tries to become a coordinator and to take over a channel's posts.

Her tools: an app registration of her own (so an Entra token for our app id), a web
server of her own that answers the Bot Connector's roster API claiming she is the
coordinator, and requests shaped like Teams' own. Every attempt is refused with
nothing stored and nobody called; what Microsoft's roster says decides who she is,
and the channel's reminders keep going to Teams.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlmodel import col, select

from storage import channels_repo, outbox_repo
from storage.item_models import Item, ItemEvent
from storage.models import ChannelBinding, Conversation
from tests.fakes.connector import FakeConnector
from tests.fakes.issuer import LocalIssuer
from tests.support.harness import APP_ID, BotHarness, add_units, bearer, snapshot
from tests.support.items import deliver, find_action, invoke_card
from tests.teams import TENANT, Channel, TeamsUser, new_channel

COUNTY = {"Regionens samverkansråd": None, "Östersund": "Regionens samverkansråd"}
SARA = TeamsUser(name="Sara Samordnare", upn="sara.samordnare@example.se")
MALLORY = TeamsUser(name="Mallory Malm", upn="mallory.malm@example.se")


@pytest.fixture
async def her_server() -> AsyncIterator[tuple[FakeConnector, str]]:
    """Her own "Bot Connector": its roster says her Teams id is Sara's UPN."""
    fake = FakeConnector()
    fake.add_member(
        MALLORY.channel_id, aad_object_id=MALLORY.aad_object_id, name=SARA.name, upn=SARA.upn
    )
    server = TestServer(fake.app, host="127.0.0.1")
    await server.start_server()
    yield fake, str(server.make_url("/"))
    await server.close()


async def _bound_channel(h: BotHarness) -> tuple[Channel, int]:
    ids = await add_units(h.db, COUNTY, [("Östersund", SARA.upn, "coordinator")])
    for p in (SARA, MALLORY):  # Microsoft's roster
        h.connector.add_member(p.channel_id, aad_object_id=p.aad_object_id, name=p.name, upn=p.upn)
    channel = new_channel("Östersund samverkan")
    await h.say(h.teams.install_in_team(channel, SARA))
    await h.say(h.teams.channel_message(channel, SARA, "setup Östersund"))
    await h.connector.wait_for(
        lambda p: p.conversation_id.startswith(channel.channel_id) and "Klart" in p.text
    )
    return channel, ids["Östersund"]


async def _service_url_of(h: BotHarness, channel: Channel) -> str:
    async with h.db.read() as s:
        conv = await channels_repo.get_conversation(s, channel.channel_id)
    assert conv is not None
    return str(conv.reference["serviceUrl"])


async def test_she_cannot_become_coordinator_nor_redirect_the_channel(
    secured: tuple[BotHarness, LocalIssuer], her_server: tuple[FakeConnector, str]
) -> None:
    h, issuer = secured
    theirs, her_url = her_server
    channel, unit_id = await _bound_channel(h)
    teams_url = await _service_url_of(h, channel)
    assert h.tokens is not None
    tokens_before, requests_before = h.tokens.calls, len(h.connector.requests)

    # Re-binding the unit's channel needs a coordinator: her roster would make her one,
    # and every reply (with our outgoing token) would go to her server.
    attack = h.teams.channel_message(channel, MALLORY, "setup Östersund")
    attack["serviceUrl"] = her_url
    entra = issuer.token(APP_ID, issuer=f"https://sts.windows.net/{TENANT}/", extra={"tid": TENANT})
    replayed = issuer.token(APP_ID, service_url=teams_url)  # a real one, from Teams
    forged_claim = issuer.token(APP_ID, service_url=her_url)  # Teams would never sign it
    before = await snapshot(h.db)
    for token in (entra, replayed, forged_claim):
        status, _ = await h.post(attack, bearer(token))
        assert status == 401
    assert await snapshot(h.db) == before  # no UPN remembered, no reference changed
    assert theirs.requests == [] and theirs.auth_headers == []
    assert len(h.connector.requests) == requests_before
    assert h.tokens.calls == tokens_before

    # Through Teams itself she is who Microsoft's roster says, whatever name she sends.
    honest = h.teams.channel_message(channel, MALLORY, "setup Östersund")
    honest["from"]["name"] = SARA.name
    assert await h.say(honest) in (200, 202)
    refusal = await h.connector.wait_for(lambda p: "samordnare" in p.text and SARA.upn in p.text)
    assert refusal.conversation_id.startswith(channel.channel_id)
    async with h.db.read() as s:
        her = await channels_repo.get_person(s, TENANT, MALLORY.aad_object_id)
        bindings = (await s.execute(select(ChannelBinding))).scalars().all()
    assert her is not None and (her.upn, her.display_name) == (MALLORY.upn, MALLORY.name)
    assert [(b.unit_id, b.active) for b in bindings] == [(unit_id, True)]

    # The channel's next reminder still goes to Teams, into the channel.
    assert await _service_url_of(h, channel) == teams_url
    async with h.db.session() as s:
        assert await outbox_repo.enqueue_to_unit(
            s, unit_id, "reminder:test", {"type": "message", "text": "Påminnelse"}
        )
    assert (await deliver(h)).sent == 1
    reminder = await h.connector.wait_for(lambda p: p.text == "Påminnelse")
    assert reminder.conversation_id == channel.channel_id
    assert theirs.requests == []


async def test_the_trail_shows_the_roster_name_not_the_one_in_the_request(
    secured: tuple[BotHarness, LocalIssuer],
) -> None:
    h, _ = secured
    channel, _ = await _bound_channel(h)
    raise_it = h.teams.channel_message(channel, MALLORY, "ärende Hjälpmedel levereras sent")
    raise_it["from"]["name"] = SARA.name
    await h.say(raise_it)
    created = await h.connector.wait_for(lambda p: any("Hjälpmedel" in str(c) for c in p.cards))
    comment = find_action(created.cards[0], "item.comment")
    press = h.teams.invoke_action(
        channel, MALLORY, "item.comment", {**comment["data"], "comment": "Jag tar det"}
    )
    press["from"]["name"] = SARA.name
    status, body = await h.post(press, bearer(h.token or ""))
    assert status == 200
    invoke_card(body)
    async with h.db.read() as s:
        item = (await s.execute(select(Item))).scalars().one()
        trail: list[Any] = list(
            (
                await s.execute(
                    select(ItemEvent.event, ItemEvent.actor)
                    .where(col(ItemEvent.item_id) == item.id)
                    .order_by(col(ItemEvent.id))
                )
            ).all()
        )
    assert ("commented", MALLORY.name) in [tuple(r) for r in trail]
    assert all(actor != SARA.name for _, actor in trail)


async def test_a_conversation_reference_is_written_only_by_verified_requests(
    secured: tuple[BotHarness, LocalIssuer], her_server: tuple[FakeConnector, str]
) -> None:
    """Installing the bot "into" a channel from her server stores nothing: no
    conversation, so nothing could ever be posted there."""
    h, issuer = secured
    _, her_url = her_server
    channel = new_channel()
    install = h.teams.install_in_team(channel, MALLORY)
    install["serviceUrl"] = her_url
    entra = issuer.token(APP_ID, issuer=f"https://sts.windows.net/{TENANT}/", extra={"tid": TENANT})
    for token in (entra, issuer.token(APP_ID), issuer.token(APP_ID, service_url=her_url)):
        assert (await h.post(install, bearer(token)))[0] == 401
    async with h.db.read() as s:
        assert (await s.execute(select(Conversation))).scalars().all() == []
