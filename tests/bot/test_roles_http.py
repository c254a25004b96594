"""Who may bind a channel: coordinators of the unit (or above), admins; others are told who can."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import ChannelBinding, Person, RoleAssignment
from tests.fakes.issuer import LocalIssuer
from tests.support.harness import BotHarness, add_units
from tests.teams import TENANT, TeamsUser, new_channel

COUNTY = {
    "Regionens samverkansråd": None,
    "Östersund": "Regionens samverkansråd",
    "Krokom": "Regionens samverkansråd",
}
COORDINATOR = TeamsUser(name="Sara Samordnare", upn="sara.samordnare@example.se")
STAFF = TeamsUser(name="Nils Sjuksköterska", upn="nils@example.se")
REGION_COORDINATOR = TeamsUser(name="Rut Region", upn="rut.region@example.se")


def _members(harness: BotHarness) -> None:
    for person in (COORDINATOR, STAFF, REGION_COORDINATOR):
        harness.connector.add_member(
            person.channel_id, aad_object_id=person.aad_object_id, name=person.name, upn=person.upn
        )


async def _bindings(harness: BotHarness) -> list[int]:
    async with harness.db.session() as s:
        rows = (await s.execute(select(ChannelBinding))).scalars().all()
    return [b.unit_id for b in rows]


async def test_staff_is_refused_and_told_who_can(secured: tuple[BotHarness, LocalIssuer]) -> None:
    harness, _ = secured
    await add_units(harness.db, COUNTY, [("Östersund", COORDINATOR.upn, "coordinator")])
    _members(harness)
    channel = new_channel()
    assert await harness.say(harness.teams.channel_message(channel, STAFF, "setup Östersund")) in (
        200,
        202,
    )
    refusal = await harness.connector.wait_for(lambda p: "samordnare" in p.text)
    assert COORDINATOR.upn in refusal.text
    assert await _bindings(harness) == []


async def test_coordinator_named_by_upn_in_the_org_may_bind(
    secured: tuple[BotHarness, LocalIssuer],
) -> None:
    harness, _ = secured
    ids = await add_units(harness.db, COUNTY, [("Östersund", COORDINATOR.upn, "coordinator")])
    _members(harness)
    channel = new_channel()
    await harness.say(harness.teams.channel_message(channel, COORDINATOR, "/Setup Östersund"))
    await harness.connector.wait_for(lambda p: "Klart" in p.text)
    assert await _bindings(harness) == [ids["Östersund"]]
    # The UPN learnt from the roster is remembered, so the next command needs no lookup.
    async with harness.db.session() as s:
        person = await s.get(Person, (TENANT, COORDINATOR.aad_object_id))
    assert person is not None and person.upn == COORDINATOR.upn

    # Coordinating Östersund gives no right over Krokom.
    await harness.say(harness.teams.channel_message(new_channel(), COORDINATOR, "setup Krokom"))
    await harness.connector.wait_for(lambda p: "Krokom" in p.text and "samordnare" in p.text)
    assert await _bindings(harness) == [ids["Östersund"]]


async def test_coordinator_of_a_parent_unit_may_bind_units_below(
    secured: tuple[BotHarness, LocalIssuer],
) -> None:
    harness, _ = secured
    ids = await add_units(
        harness.db,
        COUNTY,
        [("Regionens samverkansråd", REGION_COORDINATOR.aad_object_id, "coordinator")],
    )
    _members(harness)
    await harness.say(
        harness.teams.channel_message(new_channel(), REGION_COORDINATOR, "setup Krokom")
    )
    await harness.connector.wait_for(lambda p: "Klart" in p.text)
    assert await _bindings(harness) == [ids["Krokom"]]


async def test_configured_admin_may_bind_any_unit_and_sees_setup_in_help(
    secured: tuple[BotHarness, LocalIssuer],
) -> None:
    harness, _ = secured
    assert harness.settings is not None
    harness.settings.admins = [STAFF.upn]
    ids = await add_units(harness.db, COUNTY)
    _members(harness)
    channel = new_channel()
    await harness.say(harness.teams.channel_message(channel, STAFF, "hjälp"))
    help_post = await harness.connector.wait_for(lambda p: bool(p.cards))
    assert "**koppla**" in str(help_post.cards[0])
    await harness.say(harness.teams.channel_message(channel, STAFF, "setup krokom"))
    await harness.connector.wait_for(lambda p: "Klart" in p.text)
    assert await _bindings(harness) == [ids["Krokom"]]


async def test_help_for_staff_does_not_offer_setup(secured: tuple[BotHarness, LocalIssuer]) -> None:
    harness, _ = secured
    await add_units(harness.db, COUNTY, [("Östersund", COORDINATOR.upn, "coordinator")])
    _members(harness)
    await harness.say(harness.teams.channel_message(new_channel(), STAFF, "help"))
    help_post = await harness.connector.wait_for(lambda p: bool(p.cards))
    card = str(help_post.cards[0])
    assert "**hjälp**" in card and "**koppla**" not in card


async def test_a_role_held_through_an_entra_group_is_described_not_shown_as_an_id(
    secured: tuple[BotHarness, LocalIssuer],
) -> None:
    harness, _ = secured
    group = "group:7d9e2c1a-5b4f-4e3a-9c8d-1f2e3a4b5c6d"
    ids = await add_units(harness.db, COUNTY, [("Östersund", group, "coordinator")])
    _members(harness)
    channel = new_channel()
    await harness.say(harness.teams.channel_message(channel, STAFF, "setup Östersund"))
    refusal = await harness.connector.wait_for(lambda p: "samordnare" in p.text)
    assert "Entra ID" in refusal.text and "group:" not in refusal.text
    assert await _bindings(harness) == []

    # With a named person beside the group, the person is named (and still no id).
    async with harness.db.session() as s:
        s.add(RoleAssignment(unit_id=ids["Östersund"], person=COORDINATOR.upn, role="coordinator"))
    channel = new_channel()
    await harness.say(harness.teams.channel_message(channel, STAFF, "setup Östersund"))
    named = await harness.connector.wait_for(lambda p: COORDINATOR.upn in p.text)
    assert "group:" not in named.text and "Entra ID" not in named.text
    assert await _bindings(harness) == []
