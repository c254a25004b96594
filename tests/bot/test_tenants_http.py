"""Several organisations in one shared channel (Teams Connect), over HTTP with signed
tokens: the region's tenant hosts the channel, the municipality's tenant is on the
allow-list, a B2B guest sits in the region's tenant, and a third tenant is not allowed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from storage.db import Database
from storage.models import ChannelBinding, ChannelMember, Person
from tests.fakes.connector import FakeConnector, Posted
from tests.fakes.issuer import LocalIssuer
from tests.support.harness import (
    APP_ID,
    BotHarness,
    add_units,
    bearer,
    secured_harness,
    snapshot,
)
from tests.teams import TENANT, ActivityFactory, Channel, TeamsUser, new_channel

REGION = TENANT  # the bot's own tenant, hosting the shared channel
KOMMUN = "0c5e1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b"  # on SAMVERKAN_ALLOWED_TENANTS
OTHER = "99999999-8888-4777-8666-555555555555"  # not on the allow-list

REGION_NURSE = TeamsUser(name="Rut Region", upn="rut@regionen.example.se")
KOMMUN_COORDINATOR = TeamsUser(name="Kim Kommun", upn="kim@kommun.example.se")
GUEST = TeamsUser(name="Gun Gäst", upn="gun_kommun.example.se#EXT#@regionen.onmicrosoft.com")
GUEST_EMAIL = "gun@kommun.example.se"
STRANGER = TeamsUser(name="Sten Annan", upn="sten@annan.example.se")


@pytest.fixture
async def two_orgs(
    db: Database, connector: tuple[FakeConnector, str], tmp_path: Path
) -> AsyncIterator[tuple[BotHarness, LocalIssuer]]:
    # The host tenant is not listed: it is always allowed.
    async with secured_harness(
        db, connector, tmp_path, tenant=REGION, allowed_tenants=[KOMMUN.upper()]
    ) as pair:
        yield pair


def _roster(harness: BotHarness) -> None:
    """What the Bot Connector's roster answers for each member of the shared channel."""
    add = harness.connector.add_member
    add(
        REGION_NURSE.channel_id,
        aad_object_id=REGION_NURSE.aad_object_id,
        name=REGION_NURSE.name,
        upn=REGION_NURSE.upn,
        tenant_id=REGION,
    )
    add(
        KOMMUN_COORDINATOR.channel_id,
        aad_object_id=KOMMUN_COORDINATOR.aad_object_id,
        name=KOMMUN_COORDINATOR.name,
        upn=KOMMUN_COORDINATOR.upn,
        tenant_id=KOMMUN,
    )
    add(
        GUEST.channel_id,
        aad_object_id=GUEST.aad_object_id,
        name=GUEST.name,
        upn=GUEST.upn,
        email=GUEST_EMAIL,
        tenant_id=REGION,
        user_role="guest",
    )
    add(
        STRANGER.channel_id,
        aad_object_id=STRANGER.aad_object_id,
        name=STRANGER.name,
        upn=STRANGER.upn,
        tenant_id=OTHER,
    )


async def _answer(harness: BotHarness, activity: dict[str, Any]) -> Posted:
    """Say something; the bot's answer to it."""
    before = len(harness.connector.posted)
    await harness.say(activity)
    posted = harness.connector.posted
    return await harness.connector.wait_for(lambda p: len(posted) > before and p is posted[before])


def _shared() -> Channel:
    channel = new_channel("Nära vård Östersund", "Samverkan region–kommun")
    channel.kind = "shared"
    return channel


async def test_two_tenants_and_a_guest_work_in_one_shared_channel(
    two_orgs: tuple[BotHarness, LocalIssuer],
) -> None:
    harness, _ = two_orgs
    ids = await add_units(
        harness.db,
        {"Regionens samverkansråd": None, "Östersund": "Regionens samverkansråd"},
        # The org file names the municipality's coordinator by their own UPN, and the
        # guest by the address they are known by (not the host's #EXT# UPN).
        [
            ("Östersund", KOMMUN_COORDINATOR.upn, "coordinator"),
            ("Östersund", GUEST_EMAIL, "manager"),
        ],
    )
    _roster(harness)
    channel = _shared()

    # The municipality's coordinator binds the shared channel: their role holds.
    await harness.say(
        harness.teams.channel_message(channel, KOMMUN_COORDINATOR, "koppla Östersund")
    )
    await harness.connector.wait_for(lambda p: "Klart" in p.text)
    async with harness.db.read() as s:
        bound = (await s.execute(select(col(ChannelBinding.unit_id)))).scalars().all()
    assert bound == [ids["Östersund"]]

    for person in (REGION_NURSE, GUEST):
        await _answer(harness, harness.teams.channel_message(channel, person, "hjälp"))

    async with harness.db.read() as s:
        people = {
            (p.tenant_id, p.aad_object_id): p.upn
            for p in (await s.execute(select(Person))).scalars()
        }
        members = {
            (m.tenant_id, m.aad_object_id)
            for m in (await s.execute(select(ChannelMember))).scalars()
        }
    # Keyed by each person's own tenant, as the roster said, not the host's.
    assert people[(KOMMUN, KOMMUN_COORDINATOR.aad_object_id)] == KOMMUN_COORDINATOR.upn
    assert people[(REGION, REGION_NURSE.aad_object_id)] == REGION_NURSE.upn
    assert people[(REGION, GUEST.aad_object_id)] == GUEST_EMAIL
    assert (REGION, KOMMUN_COORDINATOR.aad_object_id) not in people
    assert {
        (KOMMUN, KOMMUN_COORDINATOR.aad_object_id),
        (REGION, REGION_NURSE.aad_object_id),
        (REGION, GUEST.aad_object_id),
    } <= members

    # The guest's role (named by e-mail) holds: a manager may ask for the digest.
    answer = await _answer(
        harness, harness.teams.channel_message(channel, GUEST, "sammanställning")
    )
    assert answer.cards, answer.text  # the digest card, not a refusal


async def test_a_member_of_a_tenant_not_allowed_is_ignored_and_nothing_is_stored(
    two_orgs: tuple[BotHarness, LocalIssuer],
) -> None:
    """In a shared channel the activity names only the host tenant; the roster names the
    stranger's own, which is not on the allow-list: no answer, no row."""
    harness, _ = two_orgs
    _roster(harness)
    channel = _shared()
    await harness.say(harness.teams.channel_message(channel, REGION_NURSE, "hjälp"))
    await harness.connector.wait_for(lambda p: True)
    posted = len(harness.connector.posted)
    before = await snapshot(harness.db)

    status = await harness.say(harness.teams.channel_message(channel, STRANGER, "hjälp"))
    assert status in (200, 202)
    # Twice: the second time from this process's memory of their tenant.
    await harness.say(harness.teams.channel_message(channel, STRANGER, "ärende Hej"))
    assert await snapshot(harness.db) == before
    assert len(harness.connector.posted) == posted


@pytest.mark.parametrize("where", ["channel", "personal", "named_sender"])
async def test_a_third_tenant_is_refused_over_http_and_nothing_is_stored(
    two_orgs: tuple[BotHarness, LocalIssuer], where: str
) -> None:
    harness, issuer = two_orgs
    _roster(harness)
    other = ActivityFactory(harness.teams.service_url, tenant=OTHER)
    if where == "channel":  # a channel hosted by the third tenant
        act = other.channel_message(_shared(), STRANGER, "hjälp")
    elif where == "personal":
        act = other.personal_message(STRANGER, "hjälp")
    else:  # hosted by an allowed tenant, but the activity names the writer's own
        act = harness.teams.channel_message(_shared(), STRANGER, "hjälp")
        act["from"]["tenantId"] = OTHER
    before = await snapshot(harness.db)
    status, _ = await harness.post(act, bearer(issuer.token(APP_ID)))
    assert status == 403
    assert await snapshot(harness.db) == before
    assert harness.connector.posted == []
    assert harness.connector.requests == []  # not even a roster look-up
